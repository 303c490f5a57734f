"""RFC 9457 problem+json for every API error; never a bare 500 for bad input."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from jingjinji.errors import Busy, DomainError
from jingjinji.i18n import Items, Msg, msg, translate

PROBLEM_BASE = "https://jingjinji.example/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type_slug: str,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _clean_loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        entry: dict[str, Any] = {"loc": _clean_loc(err.get("loc", ())), "msg": err.get("msg")}
        if err.get("type"):
            entry["type"] = err["type"]
        value = err.get("input")
        # Non-finite floats (Infinity, NaN) cannot be written as JSON: leave them out.
        if isinstance(value, str | int | bool) or (
            isinstance(value, float) and math.isfinite(value)
        ):
            entry["input"] = value
        out.append(entry)
    return out


#: Pydantic's error types as a sentence a person reads, in their language (pydantic's own
#: ``msg`` is English only): the type, with the values of its ``ctx`` where the sentence names
#: them. A type not listed reads as :data:`_INVALID`.
_TYPE_MESSAGES: dict[str, Msg] = {
    "missing": msg("this field is required"),
    "string_type": msg("text is required"),
    "int_type": msg("a whole number is required"),
    "int_parsing": msg("a whole number is required"),
    "int_from_float": msg("a whole number is required"),
    "float_type": msg("a number is required"),
    "float_parsing": msg("a number is required"),
    "finite_number": msg("the value must be a finite number"),
    "decimal_parsing": msg("a number is required"),
    "bool_type": msg("true or false is required"),
    "bool_parsing": msg("true or false is required"),
    "date_type": msg("a date such as 2021-07-01 is required"),
    "date_parsing": msg("a date such as 2021-07-01 is required"),
    "date_from_datetime_parsing": msg("a date such as 2021-07-01 is required"),
    "date_from_datetime_inexact": msg("a date without a time of day is required"),
    "datetime_type": msg("a date and time such as 2021-07-01T08:00 is required"),
    "datetime_parsing": msg("a date and time such as 2021-07-01T08:00 is required"),
    "datetime_from_date_parsing": msg("a date and time such as 2021-07-01T08:00 is required"),
    "enum": msg("not one of the allowed values"),  # without its ctx: see _allowed_values
    "literal_error": msg("not one of the allowed values"),
    "string_pattern_mismatch": msg("the text does not have the expected form"),
    "json_invalid": msg("not valid JSON"),
    "extra_forbidden": msg("this field is not expected"),
    "url_parsing": msg("not a valid URL"),
    "url_scheme": msg("not a valid URL"),
    "uuid_parsing": msg("not a valid identifier"),
}


def _at_least(limit: object, unit: str) -> Msg:
    """A lower bound's sentence; a bound of one reads as "required", not "at least 1 ..."."""
    if unit == "characters":
        if limit == 1:
            return msg("must not be blank")
        return msg("at least {limit} characters", limit=limit)
    if limit == 1:
        return msg("choose at least one")
    return msg("at least {limit} items", limit=limit)


#: Types whose sentence names a bound: the ``ctx`` key, and the sentence made with it.
_BOUND_MESSAGES: dict[str, tuple[str, Callable[[object], Msg]]] = {
    "string_too_long": ("max_length", lambda n: msg("at most {limit} characters", limit=n)),
    "string_too_short": ("min_length", lambda n: _at_least(n, "characters")),
    "too_long": ("max_length", lambda n: msg("at most {limit} items", limit=n)),
    "too_short": ("min_length", lambda n: _at_least(n, "items")),
    "greater_than": ("gt", lambda n: msg("must be greater than {limit}", limit=n)),
    "greater_than_equal": ("ge", lambda n: msg("must be at least {limit}", limit=n)),
    "less_than": ("lt", lambda n: msg("must be less than {limit}", limit=n)),
    "less_than_equal": ("le", lambda n: msg("must be at most {limit}", limit=n)),
}
_INVALID = msg("the value is not valid")
#: One value as pydantic writes it in ``ctx["expected"]``: a quoted text, or a bare word/number.
_EXPECTED_VALUE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\s]+")


def _allowed_values(expected: str) -> Items:
    """The values of pydantic's ``'a', 'b' or 'c'`` (``ctx["expected"]`` of ``literal_error``
    and ``enum``), each as written; the whole text as one item where it cannot be split
    unambiguously."""
    values = _EXPECTED_VALUE.findall(expected)
    values = [v for v in values if v != "or"]
    joined = values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]
    return Items(values if values and joined == expected else [expected])


def error_message(error: Mapping[str, Any]) -> Msg:
    """One pydantic error (an item of ``ValidationError.errors()``) as a message a page shows
    in the reader's language: a ``value_error`` raised with a :func:`~jingjinji.i18n.msg` keeps
    it; a known type reads as its sentence (with the bound it names); any other as "the value
    is not valid"."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        reason = ctx.get("error")
        if isinstance(reason, BaseException) and reason.args and isinstance(reason.args[0], Msg):
            return reason.args[0]
        return _INVALID
    if kind in _BOUND_MESSAGES and _BOUND_MESSAGES[kind][0] in ctx:
        key, sentence = _BOUND_MESSAGES[kind]
        return sentence(ctx[key])
    if kind in ("literal_error", "enum") and isinstance(ctx.get("expected"), str):
        return msg(
            "not one of the allowed values: {allowed}",
            allowed=_allowed_values(ctx["expected"]),
        )
    return _TYPE_MESSAGES.get(kind, _INVALID)


_REFUSED = msg("Refused.")


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """Where a problem is, as a form names it: its location less ``body``, ``query``, ``path``."""
    return ".".join(str(p) for p in _clean_loc(loc) if p not in ("body", "query", "path"))


def form_problems(exc: ValidationError | DomainError) -> list[tuple[str, str]]:
    """The problems of a refused form, each (field, reason): a pydantic error's reason is
    :func:`error_message`'s, a domain error's each of its ``errors`` (or its detail alone, with
    no field). A reason is a :class:`~jingjinji.i18n.Msg` wherever its maker marked it."""
    if isinstance(exc, ValidationError):
        return [(_field(e["loc"]), error_message(e)) for e in exc.errors()]
    if exc.errors:
        return [(_field(e.get("loc", [])), e.get("msg", "")) for e in exc.errors]
    return [("", exc.detail or _REFUSED)]


def problem_lines(
    lang: str, exc: ValidationError | DomainError, labels: Mapping[str, str] | None = None
) -> list[str]:
    """:func:`form_problems` as the lines a page shows in ``lang``: "field: reason", the field
    by its form label where ``labels`` has one for it or for its first part (a source string,
    translated)."""
    lines = []
    for field, reason in form_problems(exc):
        text = translate(lang, reason)
        if field:
            label = (labels or {}).get(field) or (labels or {}).get(field.split(".")[0])
            name = translate(lang, label) if label else field
            text = translate(lang, msg("{field}: {problem}", field=name, problem=text))
        lines.append(text)
    return lines


def page_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """:func:`validation_errors` for a page: each ``msg`` is :func:`error_message`'s (the API
    keeps pydantic's English text)."""
    return [
        {**entry, "msg": error_message(raw)}
        for entry, raw in zip(validation_errors(exc), exc.errors(), strict=True)
    ]


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    headers: dict[str, str] | None = None
    if exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, Busy):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem_response(
        exc.status,
        exc.title,
        exc.detail,
        type_slug=exc.type_slug,
        instance=request.url.path,
        errors=exc.errors,
        headers=headers,
    )


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return with_allow(
        request,
        problem_response(
            exc.status_code,
            {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error"),
            str(exc.detail),
            type_slug=str(exc.status_code),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        ),
    )


# --------------------------------------------------------------------------- 405 and Allow

ResponseT = TypeVar("ResponseT", bound=Response)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this request's path. The router's own 405
    names only the methods of the first route whose path matched (``GET`` for a path that also
    takes ``POST`` in another handler), and an error page for browsers names none."""
    allowed = []
    for method in HTTP_METHODS:
        # Matched from the application's root: inside a mount the scope's root_path has grown.
        root_path = request.scope.get("app_root_path", "")
        scope = {**request.scope, "method": method, "root_path": root_path}
        for route in request.app.router.routes:
            if route.matches(scope)[0] is not Match.FULL:
                continue
            if isinstance(route, Mount):  # static files: only GET and HEAD, whatever asked
                return ["GET", "HEAD"]
            allowed.append(method)
            break
    return allowed


def with_allow(request: Request, response: ResponseT) -> ResponseT:
    """A 405 names the methods the resource does take (RFC 9110, section 15.5.6)."""
    if response.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def install(app: FastAPI) -> None:
    """Validation and unexpected errors; the app adds DomainError and HTTP errors itself
    (they become pages for browsers)."""
    install_openapi(app)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(
                400,
                "Malformed JSON",
                "The request body is not valid JSON: "
                + "; ".join(str(e.get("msg")) + f" at {e['loc']}" for e in errors),
                type_slug="malformed-json",
                instance=request.url.path,
                errors=errors,
            )
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem_response(
            422,
            "Invalid input",
            detail,
            type_slug="invalid-input",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500,
            "Internal error",
            "The server failed on this request; it has been logged.",
            type_slug="internal",
            instance=request.url.path,
        )


# --------------------------------------------------------------------------- OpenAPI

API_PREFIX = "/api/v1/"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` lists the fields at fault.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                    "input": {},
                },
            },
        },
    },
}
# What any operation may answer: malformed input (400, 422), no or a bad token (401), refused
# (403), an unknown object or a hidden one (404), a rate limit (429), the server at capacity (503).
COMMON_PROBLEMS = {
    400: "Malformed request (a body that is not JSON, a header that cannot be read)",
    401: "Not logged in, or the token is unknown, expired or revoked",
    403: "Refused: the actor may not do this (on the audit record)",
    404: "No such object, or one the actor may not know of",
    422: "Invalid input: `errors` names each field and the reason",
    429: "Too many requests; `Retry-After` says when to come back",
    503: "The server is at capacity; nothing was done. `Retry-After` says when to try again",
}
# What a write may answer besides: the state forbids it (409), the body is too large (413).
WRITE_PROBLEMS = {
    409: "Conflict with the object's state or with a concurrent write; nothing was stored",
    413: "The request body is larger than the server takes",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _problem_content() -> dict[str, Any]:
    return {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every API operation documents the problem+json answers it can give, replacing FastAPI's
    422 (``HTTPValidationError`` as application/json, which this API never sends)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in operations.items():
            codes = dict(COMMON_PROBLEMS)
            if method in WRITE_METHODS:
                codes.update(WRITE_PROBLEMS)
            responses = operation.setdefault("responses", {})
            for status, description in sorted(codes.items()):
                responses[str(status)] = {
                    "description": description,
                    "content": _problem_content(),
                }
    used = str(schema.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in used:
            components.pop(name, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """The served OpenAPI document lists the problem responses of every operation."""

    generate = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, made once and kept in app.openapi_schema
        if not documented:
            documented.append(document_problems(schema))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
