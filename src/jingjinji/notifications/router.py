"""API: the signed-in user's inbox and e-mail preferences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.notifications import service
from jingjinji.notifications.presentation import notification_out, preferences_out
from jingjinji.notifications.schemas import (
    InboxFilter,
    MarkedOut,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    UnreadOut,
)
from jingjinji.pagination import Page
from jingjinji.web import language_of

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=Page[NotificationOut])
def list_notifications(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    params: Annotated[InboxFilter, Query()],
) -> Page[NotificationOut]:
    """The caller's notifications, newest first, in the request's language."""
    page = service.list_inbox(
        session, actor=actor, unread_only=params.unread, cursor=params.cursor, limit=params.limit
    )
    lang = language_of(request)
    return Page[NotificationOut](
        items=[notification_out(n, lang) for n in page.items], next_cursor=page.next_cursor
    )


@router.get("/unread-count", response_model=UnreadOut)
def unread_count(session: DbSession, actor: RequiredActor) -> UnreadOut:
    return UnreadOut(unread=service.unread_count(session, actor=actor))


@router.post("/read-all", response_model=MarkedOut)
def mark_all_read(session: DbSession, actor: RequiredActor) -> MarkedOut:
    return MarkedOut(marked=service.mark_all_read(session, actor=actor))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(
    request: Request, session: DbSession, actor: RequiredActor, notification_id: DbId
) -> NotificationOut:
    note = service.mark_read(session, actor=actor, notification_id=notification_id)
    return notification_out(note, language_of(request))


@router.get("/preferences", response_model=PreferencesOut)
def get_preferences(session: DbSession, actor: RequiredActor) -> PreferencesOut:
    return preferences_out(service.get_preferences(session, actor=actor))


@router.put("/preferences", response_model=PreferencesOut)
def set_preferences(
    session: DbSession, actor: RequiredActor, data: PreferencesIn
) -> PreferencesOut:
    return preferences_out(service.set_preferences(session, actor=actor, data=data))
