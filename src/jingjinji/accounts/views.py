"""Pages: the user's account (API tokens, password, second factor) and user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.accounts import credentials, policy, service, totp
from jingjinji.accounts.http import client_address, throttle_rules, totp_vault
from jingjinji.accounts.schemas import ManagedUserOut, UserOut
from jingjinji.accounts.throttle import TooManyAttempts
from jingjinji.config import Settings
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.errors import InvalidInput
from jingjinji.security import Role
from jingjinji.web import check_csrf, render, set_session_cookie, t

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    new_secret: str | None = None,
    notice: str | None = None,
    enrolment: totp.Enrolment | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    vault = totp_vault(request)
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": service.list_tokens(session, actor=actor),
            "new_secret": new_secret,
            "notice": notice,
            "error": error,
            "may_use_totp": credentials.may_use_totp(actor),
            "may_manage_users": actor.role in policy.USER_LISTERS,
            "totp_enabled": credentials.totp_enabled(session, actor=actor),
            "enrolment": enrolment or credentials.pending_totp(session, actor=actor, vault=vault),
        },
        status_code=status_code,
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


def _refusal(request: Request, exc: InvalidInput) -> str:
    """A refused password change, for the page (the rule itself as the service states it)."""
    field = exc.errors[0]["loc"][-1] if exc.errors else None
    if field == "current_password":
        return t(request, "The current password is wrong.")
    return t(request, "The new password is not acceptable:") + " " + t(request, exc.detail)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Change the password; the browser gets a new session, every other one ends."""
    check_csrf(request, csrf_token)
    settings: Settings = request.app.state.settings
    try:
        ended = credentials.change_password(
            session,
            actor=actor,
            current_password=current_password,
            new_password=new_password,
            address=client_address(request),
            rules=throttle_rules(request),
            session_hours=settings.session_hours,
        )
    except TooManyAttempts as exc:
        message = t(request, "Too many failed attempts. Try again in {seconds} seconds.")
        response = _page(
            request,
            session,
            actor,
            error=message.format(seconds=exc.retry_after_seconds),
            status_code=exc.status,
        )
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except InvalidInput as exc:
        return _page(request, session, actor, error=_refusal(request, exc), status_code=exc.status)
    response = _page(request, session, actor, notice=t(request, "Your password was changed."))
    assert ended.new_session is not None
    set_session_cookie(request, response, ended.new_session)
    return response


@router.post("/account/totp", response_class=HTMLResponse)
def begin_totp(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    enrolment = credentials.begin_totp(session, actor=actor, vault=totp_vault(request))
    return _page(request, session, actor, enrolment=enrolment)


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def confirm_totp(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    code: Annotated[str, Form(max_length=20)],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    credentials.confirm_totp(session, actor=actor, code=code, vault=totp_vault(request))
    notice = t(request, "The second factor is on: logins now ask for a code.")
    return _page(request, session, actor, notice=notice)


@router.post("/account/totp/disable", response_class=HTMLResponse)
def disable_totp(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=20)],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    credentials.disable_totp(
        session,
        actor=actor,
        password=password,
        code=code,
        address=client_address(request),
        rules=throttle_rules(request),
        vault=totp_vault(request),
    )
    return _page(request, session, actor, notice=t(request, "The second factor is off."))


def _users_page(
    request: Request, session: DbSession, actor: RequiredActor, notice: str | None = None
) -> HTMLResponse:
    page = service.user_page(
        session, actor=actor, cursor=request.query_params.get("cursor"), limit=100
    )
    return render(
        request,
        "accounts/users.html",
        {
            "users": [
                ManagedUserOut(
                    **UserOut.model_validate(u).model_dump(),
                    may_manage=u.id != actor.user_id
                    and policy.may_manage_user(
                        actor, role=Role(u.role), jurisdiction_code=u.jurisdiction_code
                    ),
                )
                for u in page.items
            ],
            "next_cursor": page.next_cursor,
            "notice": notice,
        },
    )


@router.get("/account/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, actor: RequiredActor) -> HTMLResponse:
    return _users_page(request, session, actor)


@router.post("/account/users/{username}/password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    username: str,
    new_password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    credentials.reset_password(session, actor=actor, username=username, new_password=new_password)
    notice = t(request, "The password of {username} was reset.").format(username=username)
    return _users_page(request, session, actor, notice=notice)


@router.post("/account/users/{username}/active", response_class=HTMLResponse)
def set_active(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    username: str,
    active: Annotated[bool, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    credentials.set_active(session, actor=actor, username=username, active=active)
    return _users_page(request, session, actor)
