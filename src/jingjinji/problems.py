"""RFC 9457 problem+json for every API error; never a bare 500 for bad input."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jingjinji.errors import Busy, DomainError

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
