"""Shaping shared by the API and the pages: a notification written in the reader's language."""

from __future__ import annotations

from jingjinji.notifications.kinds import Kind, render
from jingjinji.notifications.models import Notification, NotificationPreference
from jingjinji.notifications.schemas import NotificationOut, PreferencesOut


def notification_out(note: Notification, lang: str) -> NotificationOut:
    text = render(note.kind, note.params, lang)
    return NotificationOut(
        id=note.id,
        kind=Kind(note.kind),
        kind_label=text.label,
        title=text.title,
        body=text.body,
        link=note.link,
        created_at=note.created_at,
        read_at=note.read_at,
        email_status=note.email_status,
    )


def preferences_out(pref: NotificationPreference) -> PreferencesOut:
    return PreferencesOut(
        email=pref.email,
        language=pref.language,
        email_kinds=[Kind(k) for k in pref.email_kinds if k in Kind.__members__.values()],
    )
