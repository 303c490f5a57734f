"""Pages: the user's account and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from jingjinji.accounts import service
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.web import check_csrf, render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, session: DbSession, actor: RequiredActor, new_secret: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "accounts/account.html",
        {"tokens": service.list_tokens(session, actor=actor), "new_secret": new_secret},
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: DbSession, actor: RequiredActor) -> HTMLResponse:
    return _page(request, session, actor)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    days_valid: Annotated[int, Form(ge=1, le=730)] = 90,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    _, secret = service.create_token(session, actor=actor, name=name, days_valid=days_valid)
    session.flush()
    return _page(request, session, actor, new_secret=secret)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    token_id: DbId,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    service.revoke_token(session, actor=actor, token_id=token_id)
    return _page(request, session, actor)
