"""Pages that belong to no single domain: home, login, logout, language switch, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingjinji import health
from jingjinji.accounts import logins, totp
from jingjinji.accounts import service as accounts
from jingjinji.accounts.http import client_address, login_rules
from jingjinji.accounts.throttle import TooManyAttempts
from jingjinji.config import Settings
from jingjinji.deps import SESSION_COOKIE, DbSession, OptionalActor
from jingjinji.health import Health
from jingjinji.web import (
    LANG_COOKIE,
    check_csrf,
    redirect,
    render,
    resolve_page_actor,
    set_session_cookie,
    t,
)

if TYPE_CHECKING:
    from jingjinji.accounts.models import User

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example") and drop
    # tabs and newlines from URLs: neither belongs in a path of ours.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    return target


def error_page(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    """The page of a failed page request, in the user's language with their navigation; to an
    htmx request the fragment that replaces the form's target (``HX-Target``), with the
    refusal's status (``app.js`` swaps 4xx/5xx answers)."""
    if status == 401:
        return redirect(f"/login?next={request.url.path}")
    resolve_page_actor(request)
    context = {
        "status": status,
        "title": t(request, title),
        "detail": t(request, detail),
        "errors": [
            {
                "where": "/".join(str(p) for p in e.get("loc", []) if p not in {"body", "query"}),
                "msg": t(request, e.get("msg", "")),
            }
            for e in errors or []
        ],
        "target": request.headers.get("hx-target"),
    }
    fragment = request.headers.get("hx-request") is not None
    template = "_refusal.html" if fragment else "error.html"
    return render(request, template, context, status_code=status)


@router.get("/healthz", response_model=Health)
def healthz(session: DbSession) -> Health:
    return health.check(session)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    # The address's query (a shared ``/?lang=en``) goes along.
    query = request.url.query
    return redirect("/region" + ("?" + query if query else ""), status_code=302)


# The pending second step of a login (a TOTP code is due): only the login form reads it.
CHALLENGE_COOKIE = "jjj_login_challenge"


def _login_page(
    request: Request,
    next: str | None,
    *,
    error: str | None = None,
    status_code: int = 200,
    username: str = "",
    step: str = "password",
    retry_after: int | None = None,
    enrolment: totp.Enrolment | None = None,
) -> HTMLResponse:
    response = render(
        request,
        "login.html",
        {
            "next": _safe_next(next),
            "error": error,
            "username": username,
            "step": step,
            "enrolment": enrolment,
        },
        status_code=status_code,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _too_many(request: Request, next: str, exc: TooManyAttempts, step: str) -> Response:
    message = t(request, "Too many failed attempts. Try again in {seconds} seconds.")
    return _login_page(
        request,
        next,
        error=message.format(seconds=exc.retry_after_seconds),
        status_code=429,
        step=step,
        retry_after=exc.retry_after_seconds,
    )


def _logged_in(request: Request, session: DbSession, user: User, next: str) -> Response:
    settings: Settings = request.app.state.settings
    token = accounts.start_session(session, user=user, hours=settings.session_hours)
    response = redirect(_safe_next(next))
    set_session_cookie(request, response, token)
    response.delete_cookie(CHALLENGE_COOKIE, path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, session: DbSession, actor: OptionalActor, next: str | None = None
) -> Response:
    return _login_page(request, next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=1024)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        accepted = logins.login(
            session,
            username=username,
            password=password,
            address=client_address(request),
            rules=login_rules(request),
        )
    except TooManyAttempts as exc:
        return _too_many(request, next, exc, "password")
    if accepted is None:
        return _login_page(
            request,
            next,
            error=t(request, "Wrong username or password."),
            status_code=401,
            username=username[:100],
        )
    if accepted.challenge is None:
        return _logged_in(request, session, accepted.user, next)
    settings: Settings = request.app.state.settings
    response = _login_page(request, next, step="totp", enrolment=accepted.enrolment)
    response.set_cookie(
        CHALLENGE_COOKIE,
        accepted.challenge,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=logins.CHALLENGE_MINUTES * 60,
        path="/login",
    )
    return response


@router.post("/login/totp", response_class=HTMLResponse)
def login_totp(
    request: Request,
    session: DbSession,
    code: Annotated[str, Form(max_length=20)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The second step of a login of a user with a TOTP second factor."""
    check_csrf(request, csrf_token)
    challenge = request.cookies.get(CHALLENGE_COOKIE, "")
    rules = login_rules(request)
    try:
        user = logins.complete_totp_login(
            session,
            challenge=challenge,
            code=code,
            address=client_address(request),
            rules=rules,
        )
    except TooManyAttempts as exc:
        return _too_many(request, next, exc, "totp")
    if user is None:
        return _login_page(
            request,
            next,
            error=t(request, "Wrong or already used code."),
            status_code=401,
            step="totp",
            enrolment=logins.challenge_enrolment(session, challenge=challenge, rules=rules),
        )
    return _logged_in(request, session, user, next)


@router.post("/logout", response_class=RedirectResponse)
def logout(
    request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, token=cookie)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}", response_class=RedirectResponse)
def switch_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
    from jingjinji.i18n import normalise

    response = redirect(_safe_next(next or request.headers.get("referer")), status_code=302)
    settings: Settings = request.app.state.settings
    # Only the server reads it: HttpOnly; Secure like every cookie of an HTTPS platform.
    response.set_cookie(
        LANG_COOKIE,
        normalise(code),
        samesite="lax",
        httponly=True,
        secure=settings.secure_cookies,
        max_age=365 * 86400,
        path="/",
    )
    return response
