"""Server-rendered pages: the Jinja2 environment, language, CSRF and page helpers.

Templates live next to their domain (``<domain>/templates/<domain>/*.html``) and are addressed
as ``"<domain>/<page>.html"``; shared layout is in ``templates/``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jingjinji import delivery, i18n, labels, numbers, refusals, times
from jingjinji.config import Settings
from jingjinji.errors import PermissionDenied
from jingjinji.help import service as help_service

PACKAGE_DIR = Path(__file__).parent
log = logging.getLogger(__name__)
LANG_COOKIE = "jjj_lang"
# The signed-in browser's cookie (set at login, read by deps.resolve_actor).
SESSION_COOKIE = "jjj_session"
# The pre-session nonce of anonymous forms (login). Served over HTTPS it is a __Host- cookie:
# Secure, path /, no Domain, so neither a sibling subdomain nor a plain-http response can
# plant one.
CSRF_COOKIE = "jjj_csrf"
SECURE_CSRF_COOKIE = "__Host-jjj_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_REFUSED = "csrf.refused"
# A nonce or salt longer than this is not one of ours.
MAX_NONCE = 64


N_ = labels.N_


def template_dirs() -> list[str]:
    dirs = [str(PACKAGE_DIR / "templates")]
    for child in sorted(PACKAGE_DIR.iterdir()):
        if (child / "templates").is_dir():
            dirs.append(str(child / "templates"))
    return dirs


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_dirs()),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    # Static files by content-hashed URL: {{ static_url("vendor/echarts.min.js") }}.
    env.globals["static_url"] = delivery.static_url
    # Measured values rounded for display: {{ value|num }}, {{ value|num(1) }} (numbers.py).
    env.filters["num"] = numbers.num
    # Moments on China Standard Time, zone named once by the layout: {{ t|cst }} (times.py).
    env.filters["cst"] = times.cst
    env.filters["cst_date"] = times.cst_date
    return env


def language_of(request: Request) -> str:
    """The page's language: a ``?lang=`` in the address (a link shared in one language opens in
    it, whatever the reader chose before), then the reader's choice (the cookie ``/lang/{code}``
    sets), then the browser's Accept-Language, then the default."""
    query = request.query_params.get("lang")
    if query:
        return i18n.normalise(query)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return i18n.normalise(cookie)
    return i18n.from_accept_language(request.headers.get("accept-language")) or (
        i18n.DEFAULT_LANGUAGE
    )


def csrf_cookie_name(settings: Settings) -> str:
    return SECURE_CSRF_COOKIE if settings.secure_cookies else CSRF_COOKIE


def _mac(secret: str, binding: str, salt: str) -> str:
    material = f"csrf|{binding}|{salt}"
    return hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()[:32]


def _session_binding(request: Request) -> str | None:
    """A signed-in browser's forms are bound to its session (the token's hash, never the
    token itself)."""
    session_token = request.cookies.get(SESSION_COOKIE)
    if not session_token:
        return None
    return "session:" + hashlib.sha256(session_token.encode()).hexdigest()


def csrf_token(request: Request) -> str:
    """The token a page's forms and htmx calls send back: ``salt.HMAC(secret, binding, salt)``.

    The binding is the browser's session (signed in) or the pre-session nonce cookie
    (anonymous forms: login), so a token is good only with the cookie it was made for: a
    token from another session, or a planted nonce cookie with its matching token, is
    refused for a signed-in user. The random salt makes every rendering's token different
    (a compressed page never repeats a secret an attacker could guess byte by byte)."""
    settings: Settings = request.app.state.settings
    binding = _session_binding(request)
    if binding is None:
        nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(
            csrf_cookie_name(settings)
        )
        if not nonce or len(nonce) > MAX_NONCE:
            nonce = secrets.token_urlsafe(24)
        request.state.csrf_nonce = nonce
        binding = "nonce:" + nonce
    salt = secrets.token_urlsafe(12)
    return f"{salt}.{_mac(settings.secret_key, binding, salt)}"


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse (403, audited as ``csrf.refused``) a write whose token is missing or was not
    made for this browser's session or nonce cookie."""
    settings: Settings = request.app.state.settings
    submitted = submitted or request.headers.get(CSRF_HEADER)
    binding = _session_binding(request)
    if binding is None:
        nonce = request.cookies.get(csrf_cookie_name(settings))
        binding = "nonce:" + nonce if nonce and len(nonce) <= MAX_NONCE else None
    if binding is None or not submitted or "." not in submitted:
        _refuse(request, "missing", "Missing CSRF token: reload the page and try again.")
    salt, signature = submitted.rsplit(".", 1)
    expected = _mac(settings.secret_key, binding, salt) if len(salt) <= MAX_NONCE else ""
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        _refuse(
            request,
            "mismatch",
            "CSRF token does not match this session: reload the page and try again.",
        )


def _refuse(request: Request, reason: str, message: str) -> NoReturn:
    refusals.record(
        request,
        action=CSRF_REFUSED,
        detail={
            "reason": message,
            "token": reason,
            "signed_in": _session_binding(request) is not None,
        },
    )
    refused = PermissionDenied(message)
    refused.audited = True  # as csrf.refused, rate-limited per address
    raise refused


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Give an anonymous browser its nonce; once signed in, drop the pre-session nonce (the
    forms are bound to the session now, and a later sign-out starts a fresh nonce)."""
    settings: Settings = request.app.state.settings
    name = csrf_cookie_name(settings)
    if _session_binding(request) is not None:
        if request.cookies.get(name):
            response.delete_cookie(
                name, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax"
            )
        return
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce and nonce != request.cookies.get(name):
        response.set_cookie(
            name,
            nonce,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The browser's login: HttpOnly, SameSite=Lax, Secure unless a local plain-http run,
    living as long as the session does."""
    settings: Settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language_of(request)
    env = environment()
    tmpl = env.get_template(template)
    translations = i18n.translations(lang)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "languages": i18n.LANGUAGES,
        "actor": getattr(request.state, "actor", None),
        "csrf_token": csrf_token(request),
        "current_path": request.url.path + (("?" + request.url.query) if request.url.query else ""),
        "quote": quote,
        # The header's help link: the help of the page's area (help/service.py).
        "help_url": help_service.help_url(request.url.path),
        "role_label": lambda role: labels.label(lang, "role", role),
        # An enum value's label: {{ label("credit.record_kind", r.kind) }} (labels.py).
        "label": lambda kind, value: labels.label(lang, kind, value),
        # A message made in Python (a service's refusal, an upload's reason): {{ tr(reason) }}.
        "tr": lambda message: i18n.translate(lang, message),
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
    }
    values.update(context or {})
    html = tmpl.render(values)
    response = HTMLResponse(html, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def resolve_page_actor(request: Request) -> None:
    """The signed-in user of a page that failed before any route resolved them (an unknown
    address, a method the page does not take, a form that could not be read), so that its error
    page shows their own navigation, name and role as every other page does. Only the browser
    session counts here (pages are never reached with an API token)."""
    if hasattr(request.state, "actor"):
        return
    request.state.actor = None
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from jingjinji.accounts import service as accounts

    try:
        with request.app.state.session_factory() as session:
            request.state.actor = accounts.actor_for_session(session, token=token)
    except SQLAlchemyError:  # the error page still comes, without the user's name
        log.warning("error page of %s without its user: database unavailable", request.url.path)


def redirect(url: str, *, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def t(request: Request, message: str) -> str:
    """Translate a message for the requesting user's language (for views); a ``Msg``
    (``i18n.msg``) with its values."""
    return i18n.translate(language_of(request), message)
