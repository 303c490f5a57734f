"""Cursor (keyset) pagination for API listings.

A cursor is an opaque token naming the last key of the previous page; clients pass it back as
``?cursor=``. Keys are ascending integer ids unless a listing says otherwise.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Integer, Select
from sqlalchemy.orm import InstrumentedAttribute

from jingjinji.db import MAX_DB_INT
from jingjinji.errors import InvalidInput, field_error

T = TypeVar("T")
MAX_LIMIT = 1000


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "cursor is not one this API issued",
            errors=[field_error(["query", "cursor"], "malformed cursor")],
        ) from exc


def _bad_cursor() -> InvalidInput:
    return InvalidInput(
        "cursor is not one this API issued",
        errors=[field_error(["query", "cursor"], "malformed cursor")],
    )


def decode_id_cursor(cursor: str | None) -> int | None:
    """The integer key a cursor names (None without a cursor). Anything else this API never
    issues (a string, a boolean, an id beyond the column's range) is a 422."""
    if not cursor:
        return None
    last = decode_cursor(cursor)
    if isinstance(last, bool) or not isinstance(last, int) or not 0 <= last <= MAX_DB_INT:
        raise _bad_cursor()
    return last


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}",
            errors=[field_error(["query", "limit"], f"must be between 1 and {MAX_LIMIT}")],
        )
    return limit


def keyset(
    stmt: Select[Any], key_column: InstrumentedAttribute[Any], *, cursor: str | None, limit: int
) -> Select[Any]:
    """Restrict ``stmt`` to the page after ``cursor``, ordered by ``key_column``."""
    check_limit(limit)
    if cursor is not None:
        last: int | str | None
        if isinstance(key_column.type, Integer):
            last = decode_id_cursor(cursor)
        else:
            last = decode_cursor(cursor)
            if not isinstance(last, str):
                raise _bad_cursor()
        if last is not None:
            stmt = stmt.where(key_column > last)
    return stmt.order_by(key_column).limit(limit + 1)


def page_of(rows: Sequence[T], *, limit: int, key: Any) -> tuple[list[T], str | None]:
    """Split ``limit + 1`` fetched rows into a page and the cursor of the next one."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(rows) > limit and items else None
    return items, next_cursor
