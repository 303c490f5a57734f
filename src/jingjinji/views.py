"""Pages that belong to no single domain: home, login, logout, language switch, errors."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingjinji import health
from jingjinji.accounts import service as accounts
from jingjinji.config import Settings
from jingjinji.deps import SESSION_COOKIE, DbSession, OptionalActor
from jingjinji.health import Health
from jingjinji.web import LANG_COOKIE, check_csrf, redirect, render, t

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


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if status == 401:
        return redirect(f"/login?next={request.url.path}")
    return render(
        request,
        "error.html",
        {"status": status, "title": t(request, title), "detail": detail},
        status_code=status,
    )


@router.get("/healthz", response_model=Health)
def healthz(session: DbSession) -> Health:
    return health.check(session)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    return redirect("/region", status_code=302)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, session: DbSession, actor: OptionalActor, next: str | None = None
) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    user = accounts.authenticate(session, username=username.strip(), password=password)
    if user is None:
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": t(request, "Wrong username or password."),
                "username": username,
            },
            status_code=401,
        )
    settings: Settings = request.app.state.settings
    token = accounts.start_session(session, user=user, hours=settings.session_hours)
    response = redirect(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    return response


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
    response.set_cookie(LANG_COOKIE, normalise(code), samesite="lax", max_age=365 * 86400, path="/")
    return response
