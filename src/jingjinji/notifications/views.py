"""Pages: the inbox, marking read, the e-mail preferences and the header's unread badge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import InvalidInput
from jingjinji.notifications import service
from jingjinji.notifications.kinds import LABELS, Kind
from jingjinji.notifications.presentation import notification_out, preferences_out
from jingjinji.notifications.schemas import InboxFilter, PreferencesIn
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)


@router.get("/notifications", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    params: Annotated[InboxFilter, Query()],
) -> HTMLResponse:
    page = service.list_inbox(
        session, actor=actor, unread_only=params.unread, cursor=params.cursor, limit=params.limit
    )
    lang = language_of(request)
    return render(
        request,
        "notifications/inbox.html",
        {
            "notifications": [notification_out(n, lang) for n in page.items],
            "next_cursor": page.next_cursor,
            "unread_only": params.unread,
            "unread": service.unread_count(session, actor=actor),
        },
    )


@router.get("/notifications/badge", response_class=HTMLResponse)
def badge(request: Request, session: DbSession, actor: OptionalActor) -> HTMLResponse:
    """The header's inbox link with the unread count (fetched by every page once loaded)."""
    return render(
        request,
        "notifications/_badge.html",
        {"unread": service.unread_count(session, actor=actor)},
    )


@router.post("/notifications/{notification_id}/read", response_model=None)
def mark_read(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    notification_id: DbId,
    csrf_token: Annotated[str, Form()] = "",
    follow: Annotated[bool, Form()] = False,
) -> Response:
    """Mark read; with ``follow`` go on to the notification's page, else back to the inbox."""
    check_csrf(request, csrf_token)
    note = service.mark_read(session, actor=actor, notification_id=notification_id)
    if follow and note.link.startswith("/") and not note.link.startswith("//"):
        return redirect(note.link)
    return redirect("/notifications")


@router.post("/notifications/read-all", response_model=None)
def mark_all_read(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.mark_all_read(session, actor=actor)
    return redirect("/notifications")


def _preferences_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    pref = preferences_out(service.get_preferences(session, actor=actor))
    return render(
        request,
        "notifications/preferences.html",
        {
            "pref": pref,
            "kinds": [(k.value, t(request, LABELS[k])) for k in Kind],
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/notifications/preferences", response_class=HTMLResponse)
def preferences(request: Request, session: DbSession, actor: RequiredActor) -> HTMLResponse:
    return _preferences_page(request, session, actor)


@router.post("/notifications/preferences", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    email: Annotated[str, Form(max_length=254)] = "",
    language: Annotated[str, Form(max_length=10)] = "zh_CN",
    email_kinds: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    try:
        data = PreferencesIn.model_validate(
            {"email": email.strip() or None, "language": language, "email_kinds": email_kinds or []}
        )
        service.set_preferences(session, actor=actor, data=data)
    except (InvalidInput, ValueError) as exc:
        session.rollback()
        message = t(request, "Check the e-mail address: one address such as name@example.org.")
        if isinstance(exc, InvalidInput):
            message = t(request, "Give an e-mail address to receive e-mail.")
        return _preferences_page(request, session, actor, error=message, status_code=422)
    return _preferences_page(request, session, actor, notice=t(request, "Preferences saved."))
