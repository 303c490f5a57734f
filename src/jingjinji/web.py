"""Server-rendered pages: the Jinja2 environment, language, CSRF and page helpers.

Templates live next to their domain (``<domain>/templates/<domain>/*.html``) and are addressed
as ``"<domain>/<page>.html"``; shared layout is in ``templates/``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jingjinji import delivery, i18n
from jingjinji.config import Settings
from jingjinji.errors import PermissionDenied

PACKAGE_DIR = Path(__file__).parent
LANG_COOKIE = "jjj_lang"
CSRF_COOKIE = "jjj_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


ROLE_LABELS = {
    "office_admin": N_("coordination office administrator"),
    "jurisdiction_admin": N_("jurisdiction administrator"),
    "steward": N_("data steward"),
    "analyst": N_("analyst"),
}


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
    return env


def language_of(request: Request) -> str:
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        return i18n.normalise(cookie)
    query = request.query_params.get("lang")
    if query:
        return i18n.normalise(query)
    return i18n.from_accept_language(request.headers.get("accept-language")) or (
        i18n.DEFAULT_LANGUAGE
    )


def _sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token(request: Request) -> str:
    """Signed double-submit token: the cookie holds a nonce, forms echo nonce.signature."""
    settings: Settings = request.app.state.settings
    nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(CSRF_COOKIE)
    if not nonce or len(nonce) > 64:
        nonce = secrets.token_urlsafe(24)
    request.state.csrf_nonce = nonce
    return f"{nonce}.{_sign(settings.secret_key, nonce)}"


def check_csrf(request: Request, submitted: str | None) -> None:
    settings: Settings = request.app.state.settings
    nonce = request.cookies.get(CSRF_COOKIE)
    submitted = submitted or request.headers.get(CSRF_HEADER)
    if not nonce or not submitted or "." not in submitted:
        raise PermissionDenied("Missing CSRF token: reload the page and try again.")
    sub_nonce, signature = submitted.rsplit(".", 1)
    expected = _sign(settings.secret_key, nonce)
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    if not (
        hmac.compare_digest(sub_nonce.encode(), nonce.encode())
        and hmac.compare_digest(signature.encode(), expected.encode())
    ):
        raise PermissionDenied("CSRF token does not match: reload the page and try again.")


def set_csrf_cookie(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce and nonce != request.cookies.get(CSRF_COOKIE):
        settings: Settings = request.app.state.settings
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
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
        "role_label": lambda role: translations.gettext(ROLE_LABELS.get(str(role), str(role))),
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
    }
    values.update(context or {})
    html = tmpl.render(values)
    response = HTMLResponse(html, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def redirect(url: str, *, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def t(request: Request, message: str) -> str:
    """Translate a message for the requesting user's language (for views)."""
    return i18n.gettext_for(language_of(request), message)
