"""Security headers on every response: pages, API, static files, error pages, 404s and 503s.

Why a middleware: a header set by each view is a header some view forgets. This pure ASGI
middleware (no thread, no buffering: event streams still flow event by event) sits outermost,
so the refusals of the admission control and the error handlers' pages carry the headers too.

What each header defends (docs/security.md, "Security headers"):

- ``Content-Security-Policy`` (:data:`CONTENT_SECURITY_POLICY`): scripts only from our own
  origin, never inline, so an injected ``<script>`` or ``onclick=`` does not run (every script
  is a static file; templates load them with ``static_url`` + ``defer``). Styles allow
  ``'unsafe-inline'``: ECharts and htmx write ``style=""`` attributes and inline ``<style>``
  while they draw and swap, and CSS cannot run code; scripts are what matter.
  ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for older browsers) stops
  clickjacking; ``form-action 'self'`` stops an injected form posting elsewhere; ``base-uri``
  stops an injected ``<base>`` redirecting relative script URLs; ``object-src 'none'`` plugins.
- ``X-Content-Type-Options: nosniff``: an uploaded or served file is never run as a script or
  style because its bytes look like one.
- ``Referrer-Policy: strict-origin-when-cross-origin``: another site learns only our origin,
  never a path or query (dataset ids, search terms). Not ``no-referrer``: that also makes a
  browser send ``Origin: null`` on same-origin form posts, and the language switch goes back
  to the page named by the same-origin ``Referer``.
- ``Permissions-Policy``: camera, microphone, geolocation (and payment, USB) are off for us
  and for anything embedded.
- ``Cross-Origin-Opener-Policy: same-origin``: a page we open, or that opens us, gets no
  handle on our window (tab-nabbing, cross-window leaks).
- ``Strict-Transport-Security`` when the platform is served over HTTPS
  (``settings.secure_cookies``; a plain-http local run turns that off): a browser never again
  tries plain http for this host, so a network attacker cannot strip TLS. Browsers ignore the
  header on plain http anyway.
- ``Cache-Control: no-store`` on the responses to a signed-in request (a session cookie or an
  API token) and on responses that set a cookie, unless the response set its own caching:
  personal pages and API data are not kept by shared caches or the browser's back/forward
  store. Static files keep their immutable caching (:mod:`jingjinji.delivery`).

A header the response already carries is left as it is (a page may tighten its own policy).
An unhandled error's 500 is answered here too (it would otherwise come from Starlette's
outermost error middleware, without the headers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingjinji import problems

# Styles allow 'unsafe-inline' (ECharts and htmx set inline styles; CSS runs no code);
# scripts never do. data: images and fonts: ECharts' exported images, inline SVG icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
NO_STORE = "no-store"
HSTS_ONE_YEAR = 31_536_000

# Sent on every response.
ALWAYS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

# The cookie that marks a signed-in browser (web.SESSION_COOKIE; named here so that this
# middleware does not import the pages' module).
SESSION_COOKIE_NAMES = frozenset({"jjj_session", "__Host-jjj_session"})


def hsts_value(max_age: int) -> str:
    return f"max-age={max_age}; includeSubDomains"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: adds the security headers to each response's start message."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_max_age: int | None = None,
        error_response: Callable[[Scope], Awaitable[Response]] | None = None,
    ) -> None:
        """``hsts_max_age``: seconds of Strict-Transport-Security; None or 0 sends none.
        ``error_response``: the answer to an unhandled error (the app's: a page for a browser,
        problem+json for the API); problem+json without it."""
        self.app = app
        self.error_response = error_response
        always = ALWAYS
        if hsts_max_age:
            always = (*ALWAYS, ("Strict-Transport-Security", hsts_value(hsts_max_age)))
        # As the raw (lower-case name, value) pairs of an ASGI start message.
        self.always = tuple((name.lower().encode(), value.encode()) for name, value in always)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        signed_in = carries_identity(scope)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [(n, v) for n, v in self.always if n not in present]
                if b"cache-control" not in present and (signed_in or b"set-cookie" in present):
                    headers.append((b"cache-control", NO_STORE.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An unhandled error is answered by Starlette's ServerErrorMiddleware, outside every
            # middleware: answer it here, with the headers, the same way (it still logs the
            # error through the app's handler, and sends nothing once a response started).
            if not started:
                response = await self._error_response(scope)
                await response(scope, receive, send_with_headers)
            raise

    async def _error_response(self, scope: Scope) -> Response:
        if self.error_response is None:
            return _internal_error(scope)
        try:
            return await self.error_response(scope)
        except Exception:  # the error page failed too: the plain problem, never a second 500
            problems.log.exception("the error answer of %s failed", scope.get("path"))
            return _internal_error(scope)


def _internal_error(scope: Scope) -> Response:
    return problems.problem_response(
        500,
        "Internal error",
        "The server failed on this request; it has been logged.",
        type_slug="internal",
        instance=str(scope.get("path", "")),
    )


def carries_identity(scope: Scope) -> bool:
    """Whether the request names a user: an API token, or a session cookie."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return True
        if name == b"cookie" and any(
            part.split("=", 1)[0].strip() in SESSION_COOKIE_NAMES
            for part in value.decode("latin-1").split(";")
        ):
            return True
    return False
