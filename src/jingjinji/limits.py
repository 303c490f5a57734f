"""Request limits at the server, before anything is parsed: body size per route, NUL characters.

Why: the parsers behind the routes hold a whole body, and several times its size while they
work (a 199 MB JSON batch took 1.7 GB and 11 s to parse before its row count was checked; a
CSV or workbook upload was read whole before its size check). So the size of a body is
refused here, at the door:

- a ``Content-Length`` over the route's limit is answered 413 before a byte of the body is
  read;
- a body of unknown length (chunked) is counted while it streams in, and the request fails
  with 413 as soon as it passes the limit: the rest is never read, nothing is stored, and
  multipart parsing (which spools files to disk) never holds more than the limit.

The limits are per route class (:class:`BodyLimits`, from the settings): the air CSV upload,
the air JSON batch, the progress upload, other JSON bodies, forms, and everything else.

NUL characters are refused here too, once for every route: PostgreSQL cannot store them in
text (SQLite can, so the same request stored on one backend and failed on the other). The path,
the query string, form-urlencoded bodies and JSON bodies (``\\u0000`` escapes) are checked and a
NUL is a 422 naming the parameter or the JSON path. File uploads are binary and are not
checked as bytes here (a workbook is a zip full of NUL bytes); their parsers refuse NUL in a
cell. JSON and form bodies are read whole before the application sees them (they are bounded
by their limit, and the application would read them whole anyway); other bodies stream through.
The query of a few reads is left to their services (:data:`SERVICE_CHECKED_QUERIES`: the
catalog's reads, which refuse a NUL on the audit record, naming who asked); their path is
still checked here.

A browser's request for a page (``HX-Request``, or ``Accept: text/html`` off ``/api/``) gets its
refusal as HTML in the user's language (:func:`html_refusal`: the fragment for the form's htmx
target, or a page), never raw problem+json; API clients get problem+json.

The refusals are not audited: they come before authentication and any database work, as the
admission control's 503 does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingjinji import problems
from jingjinji.errors import InvalidInput

MIB = 1024 * 1024
#: Requests whose method carries a body the application reads.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: How many NUL findings one refusal lists.
MAX_NUL_ERRORS = 20
#: What a page says (message ids of the catalog, translated for the user; see html_refusal).
TOO_LARGE_FOR_PAGE = (
    "The file is too large: this form accepts at most %(limit)s. Nothing was read or stored."
)
NUL_FOR_PAGE = (
    "NUL characters (U+0000) are not accepted in text; found in %(where)s. Nothing was stored."
)


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, in bytes, each class of route accepts."""

    air_upload: int = 64 * MIB  # CSV of observations (the file itself: at most 50 MiB)
    air_batch: int = 16 * MIB  # JSON batch of observations (at most 100,000 rows)
    progress_upload: int = 5 * MIB + 64 * 1024  # a filled template (5 MiB) and the form
    json: int = 10 * MIB  # any other JSON body
    form: int = 1 * MIB  # forms, urlencoded or multipart, of the other routes
    default: int = 1 * MIB  # anything else


#: Routes with a class of their own: (method, path) -> the field of :class:`BodyLimits`.
ROUTE_CLASSES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/air/observations/csv"): "air_upload",
    ("POST", "/air/upload"): "air_upload",
    ("POST", "/api/v1/air/observations"): "air_batch",
    ("POST", "/api/v1/progress/upload"): "progress_upload",
    ("POST", "/progress/upload"): "progress_upload",
    # Water sample files are capped at 5 MiB too (water.service.samples_csv.MAX_CSV_BYTES).
    ("POST", "/api/v1/water/samples.csv"): "progress_upload",
    ("POST", "/water/upload"): "progress_upload",
    # EDIFACT interchanges: the kernel refuses more than 5,000,000 bytes itself.
    ("POST", "/api/v1/ports/edifact"): "progress_upload",
    ("POST", "/ports/edifact"): "progress_upload",
}


#: GET routes whose query their service checks for NUL characters itself, before anything
#: reads it, and refuses on the audit record (the catalog's reads: ``catalog.service.
#: validation.check_query``). Any other route's query is checked here.
SERVICE_CHECKED_QUERIES = re.compile(
    r"/api/v1/(?:access-requests|access-grants|datasets"
    r"|datasets/[^/]+/(?:records|records\.csv|activity|download\.[^/]*))"
)


def query_checked_by_service(method: str, path: str) -> bool:
    """Whether the service of ``method path`` checks its query for NUL characters itself."""
    return method == "GET" and SERVICE_CHECKED_QUERIES.fullmatch(path) is not None


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes its limit (the read stops there)."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _kind(content_type: str | None) -> str:
    """``json``, ``form`` (urlencoded), ``multipart`` or ``other``; no type is read as JSON
    (FastAPI parses a body without a content type as JSON)."""
    if content_type is None or not content_type.strip():
        return "json"
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    return "other"


def route_limit(limits: BodyLimits, method: str, path: str, kind: str) -> tuple[str, int]:
    """(route class, limit in bytes) of a request."""
    route_class = ROUTE_CLASSES.get((method, path.rstrip("/") or "/"))
    if route_class is None:
        route_class = {"json": "json", "form": "form", "multipart": "form"}.get(kind, "default")
    return route_class, int(getattr(limits, route_class))


def _size(limit: int) -> str:
    return f"{limit / MIB:.2f} MiB" if limit >= MIB else f"{limit} bytes"


def wants_html(scope: Scope) -> bool:
    """A browser's request for a page (not the API): an htmx request, or one accepting HTML.

    A person at a form reads the refusal on the page, in their language; problem+json is for
    API clients (a browser would show it raw, an htmx form not at all)."""
    if str(scope.get("path", "")).startswith("/api/"):
        return False
    if _header(scope, b"hx-request") is not None:
        return True
    return "text/html" in (_header(scope, b"accept") or "")


def html_refusal(
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    values: dict[str, str],
    errors: list[dict[str, Any]],
) -> Response:
    """The refusal as HTML in the user's language: for htmx the fragment that replaces the
    form's target (``HX-Target``), otherwise a page. ``detail`` is a message id with
    ``%(name)s`` placeholders filled from ``values`` after translation."""
    from starlette.requests import Request

    from jingjinji import i18n, web

    request = Request(scope)
    gettext = i18n.translations(web.language_of(request)).gettext
    target = _header(scope, b"hx-target")
    context = {
        "status": status,
        "title": gettext(title),
        "detail": gettext(detail) % values,
        "errors": [
            {"where": "/".join(str(p) for p in e.get("loc", [])), "msg": gettext(str(e["msg"]))}
            for e in errors
        ],
        "target": target,
    }
    template = "_refusal.html" if _header(scope, b"hx-request") is not None else "refusal.html"
    return web.render(request, template, context, status_code=status)


def too_large(scope: Scope, *, route_class: str, limit: int, length: int | None) -> Response:
    """413 naming the limit and the route."""
    method, path = scope.get("method", ""), str(scope.get("path", ""))
    sent = f"{length} bytes" if length is not None else "more"
    if wants_html(scope):
        return html_refusal(
            scope,
            413,
            "Content too large",
            TOO_LARGE_FOR_PAGE,
            {"limit": _size(limit)},
            [],
        )
    return problems.problem_response(
        413,
        "Content too large",
        f"The body of {method} {path} is limited to {limit} bytes ({_size(limit)}, the "
        f"{route_class} limit); this request sent {sent}. Nothing was read or stored.",
        type_slug="content-too-large",
        instance=path,
        errors=[
            {
                "loc": ["body"],
                "msg": f"at most {limit} bytes",
                "limit": limit,
                "route_class": route_class,
            }
        ],
    )


def has_nul(scope: Scope, errors: list[dict[str, Any]]) -> Response:
    """422 naming where the NUL characters are."""
    where = ", ".join("/".join(str(p) for p in e["loc"]) for e in errors)
    if wants_html(scope):
        return html_refusal(
            scope,
            InvalidInput.status,
            InvalidInput.title,
            NUL_FOR_PAGE,
            {"where": where},
            errors,
        )
    return problems.problem_response(
        InvalidInput.status,
        InvalidInput.title,
        f"NUL characters (U+0000) are not accepted in text; found in {where}. Nothing was stored.",
        type_slug=InvalidInput.type_slug,
        instance=str(scope.get("path", "")),
        errors=errors,
    )


def _nul(loc: list[str | int]) -> dict[str, Any]:
    return {"loc": loc, "msg": "contains a NUL character (U+0000)", "type": "nul_character"}


def query_nul_errors(query: bytes, where: str) -> list[dict[str, Any]]:
    """NUL characters in a query string or urlencoded form (raw or ``%00``), by name."""
    if b"\x00" not in query and b"%00" not in query:
        return []
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="replace")
    found = [
        _nul([where, name.replace("\x00", "\\u0000")])
        for name, value in pairs
        if "\x00" in name + value
    ]
    return found[:MAX_NUL_ERRORS]


def _json_paths(value: Any, path: list[str | int]) -> Iterator[list[str | int]]:
    """Paths of the strings (keys included) holding a NUL character in a JSON value."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield [*path, key.replace("\x00", "\\u0000")]
            yield from _json_paths(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, [*path, index])


def json_nul_errors(body: bytes) -> list[dict[str, Any]]:
    """NUL characters in the strings of a JSON body, by path (``body/observations/3/ts``).

    A body that is not JSON is left to the application (which says why it is not)."""
    if b"\\u0000" not in body:  # a raw NUL byte is no valid JSON: the parser refuses it
        return []
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return []
    errors = []
    for path in _json_paths(value, ["body"]):
        errors.append(_nul(path))
        if len(errors) == MAX_NUL_ERRORS:
            break
    return errors


class LimitsMiddleware:
    """Pure ASGI middleware: body size per route class and NUL characters (see the module)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = str(scope.get("path", "")), str(scope.get("method", ""))
        errors = [_nul(["path"])] if "\x00" in path else []
        if not query_checked_by_service(method, path):
            errors += query_nul_errors(bytes(scope.get("query_string", b"")), "query")
        if errors:
            await has_nul(scope, errors)(scope, receive, send)
            return
        if method not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        kind = _kind(_header(scope, b"content-type"))
        route_class, limit = route_limit(self.limits, method, str(scope["path"]), kind)
        declared = _header(scope, b"content-length")
        length = int(declared) if declared is not None and declared.strip().isdigit() else None
        if length is not None and length > limit:
            await too_large(scope, route_class=route_class, limit=limit, length=length)(
                scope, receive, send
            )
            return
        if kind in {"json", "form"}:
            await self._buffered(scope, receive, send, kind, route_class, limit)
        else:
            await self._streamed(scope, receive, send, route_class, limit)

    async def _buffered(
        self, scope: Scope, receive: Receive, send: Send, kind: str, route_class: str, limit: int
    ) -> None:
        """Read a JSON or form body whole (at most ``limit``), check it, then hand it on."""
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            part = message.get("body", b"")
            size += len(part)
            if size > limit:
                await too_large(scope, route_class=route_class, limit=limit, length=None)(
                    scope, receive, send
                )
                return
            parts.append(part)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        del parts
        errors = json_nul_errors(body) if kind == "json" else query_nul_errors(body, "body")
        if errors:
            await has_nul(scope, errors)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(
        self, scope: Scope, receive: Receive, send: Send, route_class: str, limit: int
    ) -> None:
        """Hand a body on as it arrives, counting; past the limit the read fails and the
        answer is 413 whatever the application made of the failure."""
        size = 0
        tripped = False
        started = False

        async def counted() -> Message:
            nonlocal size, tripped
            if tripped:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    tripped = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if tripped:
                return  # the application's answer to the failed read is replaced by the 413
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not tripped:
                raise
            # whatever the failed read became on its way out (BodyTooLarge, or FastAPI's
            # "error parsing the body"), the answer is the 413 below
        if tripped and not started:
            await too_large(scope, route_class=route_class, limit=limit, length=None)(
                scope, receive, send
            )
