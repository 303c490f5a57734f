"""Domain errors. The HTTP layer turns them into RFC 9457 problem+json responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        # Set once the refusal has its own audit entry (``audit.audited_refusal``, the CSRF
        # check); the HTTP layer puts every other 403 on the record itself (rate-limited).
        self.audited = False


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class NotAuthenticated(DomainError):
    status = 401
    title = "Authentication required"
    type_slug = "not-authenticated"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class Busy(DomainError):
    """The database is busy with other writes; the client may retry shortly."""

    status = 503
    title = "Busy"  # translated where shown (core_messages.po)
    type_slug = "busy"
    retry_after_seconds = 2


class InvalidInput(DomainError):
    """Input that is well-formed but wrong: each entry of ``errors`` names where and why."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


def field_error(loc: list[str | int], msg: str, **extra: Any) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, **extra}
