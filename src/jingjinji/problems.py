"""RFC 9457 problem+json for every API error; never a bare 500 for bad input."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jingjinji.errors import DomainError

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


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
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
    return problem_response(
        exc.status_code,
        {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error"),
        str(exc.detail),
        type_slug=str(exc.status_code),
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def install(app: FastAPI) -> None:
    """Validation and unexpected errors; the app adds DomainError and HTTP errors itself
    (they become pages for browsers)."""

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

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check uniqueness first; this is the race two concurrent writers can still
        # lose. Nothing was stored by the failed request, so it can simply be sent again.
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return problem_response(
            409,
            "Conflict",
            "The write conflicts with data stored at the same moment (a duplicate or a "
            "missing reference); nothing was stored. Reload and try again.",
            type_slug="conflict",
            instance=request.url.path,
        )

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" not in str(exc.orig).lower():
            log.exception("database error on %s", request.url.path)
            return problem_response(
                500,
                "Internal error",
                "The server failed on this request; it has been logged.",
                type_slug="internal",
                instance=request.url.path,
            )
        return problem_response(
            503,
            "Busy",
            "The database is busy with other writes; nothing was stored. Try again shortly.",
            type_slug="busy",
            instance=request.url.path,
            headers={"Retry-After": "2"},
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
