"""Notifications: raised by the domains above in their own transaction, read in the inbox,
e-mailed by a job.

A domain raises one with :func:`notify` in the transaction of the event (outbox style: the
notification exists if and only if the event commits), naming its audience
(:class:`~jingjinji.notifications.policy.Audience`). Each recipient gets a row in their inbox;
those who chose the kind for e-mail (and gave an address) get a ``notifications.email`` job,
which a worker runs after the commit: a dead SMTP server never blocks the request, the job is
retried with the queue's backoff (10 s doubling to 1 h, 6 attempts) and each failed attempt is
recorded on the notification.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jingjinji import i18n
from jingjinji.accounts import service as accounts
from jingjinji.audit import service as audit
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.notifications import mail, policy
from jingjinji.notifications.kinds import Kind, Rendered, render
from jingjinji.notifications.models import Notification, NotificationPreference
from jingjinji.notifications.policy import Audience
from jingjinji.notifications.schemas import PreferencesIn
from jingjinji.pagination import Paged, paginate
from jingjinji.security import Actor, require_actor
from jingjinji.web import N_

__all__ = [
    "EMAIL_JOB",
    "Audience",
    "Kind",
    "deliver_email",
    "get_preferences",
    "list_inbox",
    "mark_all_read",
    "mark_read",
    "notify",
    "render_for",
    "send_test_email",
    "set_preferences",
    "unread_count",
]

EMAIL_JOB = "notifications.email"
PLATFORM = N_("Jing-Jin-Ji coordination platform")
PREFERENCES_FOOTER = N_("Change which notifications you receive by e-mail: %(url)s")
TEST_TITLE = N_("Test message from the Jing-Jin-Ji coordination platform")
TEST_BODY = N_("E-mail notifications are configured correctly.")
EMAIL_ATTEMPTS = 6


class EmailFailed(RuntimeError):
    """An attempt to hand an e-mail to the SMTP server failed (the job retries it)."""


def _recipients(session: Session, audience: Audience, *, exclude: int | None) -> list[int]:
    """User ids of the active users the audience names (one query over the users)."""
    return [
        user.id
        for user in accounts.list_users(session)
        if user.is_active
        and user.id != exclude
        and policy.receives(accounts.actor_of(user), audience)
    ]


def notify(
    session: Session,
    *,
    kind: Kind,
    audience: Audience,
    params: Mapping[str, Any],
    link: str = "",
    actor: Actor | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Put a notification in the inbox of everyone in ``audience`` (but ``actor``, who caused
    it), in the caller's transaction, and queue its e-mail where the recipient wants one. With
    ``dedupe_key`` a person who had one with that key already gets no second."""
    user_ids = _recipients(session, audience, exclude=actor.user_id if actor else None)
    if dedupe_key is not None and user_ids:
        had = set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.dedupe_key == dedupe_key, Notification.user_id.in_(user_ids)
                )
            )
        )
        user_ids = [u for u in user_ids if u not in had]
    if not user_ids:
        return []
    prefs = {
        p.user_id: p
        for p in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
        )
    }
    mail_on = bool(get_settings().smtp_host)
    created = []
    for user_id in user_ids:
        pref = prefs.get(user_id)
        wants_mail = mail_on and pref is not None and bool(pref.email)
        wants_mail = wants_mail and pref is not None and kind.value in pref.email_kinds
        note = Notification(
            user_id=user_id,
            kind=kind.value,
            params=dict(params),
            link=link,
            created_at=utcnow(),
            dedupe_key=dedupe_key,
            email_status="queued" if wants_mail else "none",
        )
        session.add(note)
        created.append(note)
    session.flush()
    for note in created:
        if note.email_status == "queued":
            jobs.enqueue(
                session,
                kind=EMAIL_JOB,
                payload={"notification_id": note.id},
                max_attempts=EMAIL_ATTEMPTS,
            )
    return created


def render_for(note: Notification, lang: str) -> Rendered:
    return render(note.kind, note.params, lang)


def unread_count(session: Session, *, actor: Actor | None) -> int:
    """The signed-in user's unread notifications (one indexed count)."""
    if actor is None:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_inbox(
    session: Session,
    *,
    actor: Actor | None,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[Notification]:
    """The actor's own notifications, newest first (``next_cursor`` pages to older ones)."""
    actor = require_actor(actor)
    stmt = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(session, stmt, Notification.id, cursor=cursor, limit=limit, descending=True)


def mark_read(session: Session, *, actor: Actor | None, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read; another's is as unknown as a missing one."""
    actor = require_actor(actor)
    note = session.get(Notification, notification_id)
    if note is None or not policy.may_read(actor, recipient_user_id=note.user_id):
        raise audit.audited_refusal(
            session,
            NotFound(msg("no notification {notification_id}", notification_id=notification_id)),
            actor=actor,
            action="notification.read",
            object_type="notification",
            object_id=notification_id,
        )
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(session: Session, *, actor: Actor | None) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    actor = require_actor(actor)
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_preferences(session: Session, *, actor: Actor | None) -> NotificationPreference:
    """The actor's preferences (defaults, not stored, until they save theirs)."""
    actor = require_actor(actor)
    pref = session.get(NotificationPreference, actor.user_id)
    if pref is None:
        pref = NotificationPreference(
            user_id=actor.user_id,
            email=None,
            language=i18n.normalise(get_settings().default_language),
            email_kinds=[],
        )
    return pref


def set_preferences(
    session: Session, *, actor: Actor | None, data: PreferencesIn
) -> NotificationPreference:
    """Save which kinds the actor wants by e-mail, where and in which language."""
    actor = require_actor(actor)
    if data.email_kinds and not data.email:
        raise InvalidInput(
            msg("give an e-mail address to receive e-mail"),
            errors=[
                field_error(["body", "email"], msg("required when kinds are chosen for e-mail"))
            ],
        )
    pref = session.get(NotificationPreference, actor.user_id)
    if pref is None:
        pref = NotificationPreference(user_id=actor.user_id)
        session.add(pref)
    pref.email = data.email or None
    pref.language = data.language
    pref.email_kinds = sorted({k.value for k in data.email_kinds})
    pref.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notification.preferences",
        object_type="user",
        object_id=actor.user_id,
        detail={"email_kinds": pref.email_kinds, "language": pref.language},
    )
    return pref


def _letter(settings: Settings, note: Notification, pref: NotificationPreference) -> mail.Letter:
    lang = i18n.normalise(pref.language)
    text = render_for(note, lang)
    link = f"{settings.public_url}{note.link}" if note.link.startswith("/") else None
    lines = [text.title, "", text.body] if text.body else [text.title]
    if link:
        lines += ["", link]
    footer = i18n.gettext_for(lang, PREFERENCES_FOOTER) % {
        "url": f"{settings.public_url}/notifications/preferences"
    }
    lines += ["", "--", footer]
    return mail.Letter(
        to=pref.email or "",
        subject=f"[{i18n.gettext_for(lang, PLATFORM)}] {text.title}",
        text="\n".join(lines) + "\n",
        title=text.title,
        body=text.body,
        link=link,
        lang=lang,
    )


def deliver_email(
    session: Session, *, notification_id: int, settings: Settings | None = None
) -> None:
    """Send a notification's e-mail once. A failed attempt is recorded (committed) on the
    notification and raised, so that the job is retried after its backoff."""
    settings = settings or get_settings()
    note = session.get(Notification, notification_id)
    if note is None or note.email_status != "queued":
        return  # deleted with its user, or sent by an earlier run
    pref = session.get(NotificationPreference, note.user_id)
    if pref is None or not pref.email:
        note.email_status = "none"
        return
    try:
        mail.send(settings, mail.compose(settings, _letter(settings, note, pref)))
    except (OSError, smtplib.SMTPException, mail.EmailNotConfigured) as exc:
        note.email_error = f"{type(exc).__name__}: {exc}"[:2000]
        session.commit()
        raise EmailFailed(f"notification {note.id}: {note.email_error}") from exc
    note.email_status = "sent"
    note.emailed_at = utcnow()
    note.email_error = None


@jobs.handler(EMAIL_JOB)
def _email_job(session: Session, payload: dict[str, Any]) -> None:
    deliver_email(session, notification_id=int(payload["notification_id"]))


def send_test_email(settings: Settings, *, address: str, lang: str) -> None:
    """Send a test message now (``jjj notifications test-email``); raises on failure."""
    title = i18n.gettext_for(lang, TEST_TITLE)
    body = i18n.gettext_for(lang, TEST_BODY)
    letter = mail.Letter(
        to=address,
        subject=title,
        text=f"{title}\n\n{body}\n",
        title=title,
        body=body,
        link=None,
        lang=lang,
    )
    mail.send(settings, mail.compose(settings, letter))
