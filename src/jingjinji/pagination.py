"""Cursor (keyset) pagination: the one way every listing pages, in services.

A cursor is an opaque token naming the key of the last row of the previous page; clients pass
it back as ``?cursor=``. The key is one column (usually the id) or several (a composite key
such as ``(station_code, ts)``), all ascending or all descending. A cursor this API never issued
(wrong shape, wrong type, an id beyond the column's range) is a 422 naming ``query.cursor``.

Services call :func:`paginate` (a ``Select`` and its key columns) and return a :class:`Paged`;
routers only copy it into their response model. Listings that page something other than a
``Select`` (a computed frame) use :func:`decode_key` / :func:`encode_key` with the same rules.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy import Date, DateTime, Integer, Select, String, Text, and_, or_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from jingjinji.db import MAX_DB_INT
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg

T = TypeVar("T")
MAX_LIMIT = 1000

# What a key column holds, as far as a cursor is concerned.
KeyType = type[int] | type[str] | type[dt.datetime] | type[dt.date]
# A key column: a mapped attribute (``Dataset.id``) or any column expression.
KeyColumn = QueryableAttribute[Any] | ColumnElement[Any]


class Page(BaseModel, Generic[T]):
    """The response shape of every listing: ``{"items": [...], "next_cursor": ...}``."""

    items: list[T]
    next_cursor: str | None = None


class Paged(NamedTuple, Generic[T]):
    """One page as a service returns it: the rows and the cursor of the next page."""

    items: list[T]
    next_cursor: str | None


def _bad_cursor(why: str = "malformed cursor") -> InvalidInput:
    return InvalidInput(
        msg("cursor is not one this API issued"),
        errors=[field_error(["query", "cursor"], why)],
    )


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def encode_key(values: Sequence[Any]) -> str:
    """The cursor naming a key; one column encodes as a bare value, several as a list."""
    parts = [_to_json(v) for v in values]
    payload = parts[0] if len(parts) == 1 else parts
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode_json(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        # validate: urlsafe_b64decode drops characters outside the alphabet, so junk such as
        # `" OR ""="` decoded to the cursor 9 ("OR") and paged on from a key nobody sent.
        return json.loads(base64.b64decode(padded.encode(), altchars=b"-_", validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc


def _typed(value: Any, kind: KeyType) -> Any:
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DB_INT:
            raise _bad_cursor()
        return value
    if not isinstance(value, str):
        raise _bad_cursor()
    if kind is str:
        return value
    try:
        if kind is dt.datetime:
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise _bad_cursor()
            return moment
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _bad_cursor() from exc


def decode_key(cursor: str | None, types: Sequence[KeyType]) -> tuple[Any, ...] | None:
    """The typed key a cursor names (None without a cursor), checked against ``types``."""
    if not cursor:
        return None
    raw = _decode_json(cursor)
    values = [raw] if len(types) == 1 else raw
    if not isinstance(values, list) or len(values) != len(types):
        raise _bad_cursor()
    return tuple(_typed(v, kind) for v, kind in zip(values, types, strict=True))


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            msg("limit must be between 1 and {max_limit}", max_limit=MAX_LIMIT),
            errors=[
                field_error(
                    ["query", "limit"],
                    msg("must be between 1 and {max_limit}", max_limit=MAX_LIMIT),
                )
            ],
        )
    return limit


def _expression(column: KeyColumn) -> ColumnElement[Any]:
    if isinstance(column, QueryableAttribute):
        return column.expression
    return column


def _key_type(column: KeyColumn) -> KeyType:
    sql_type = _expression(column).type
    if isinstance(sql_type, Integer):
        return int
    if isinstance(sql_type, DateTime):
        return dt.datetime
    if isinstance(sql_type, Date):
        return dt.date
    if isinstance(sql_type, String | Text):
        return str
    # UTCDateTime and other TypeDecorators report what they store.
    impl = getattr(sql_type, "impl", None)
    if isinstance(impl, DateTime):
        return dt.datetime
    raise TypeError(f"cannot page on a column of type {sql_type!r}")


def _after(columns: Sequence[KeyColumn], last: Sequence[Any], descending: bool) -> Any:
    """``(c1, c2, ...) > (v1, v2, ...)`` spelled out, so every backend can use its index.

    The OR alone is no index bound: PostgreSQL then scans the index from its start and filters,
    so a page half way through 10 million events took a second (benchmarks/
    bench_ports_events.py). The redundant ``c1 >= v1`` in front is the bound it starts from."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == last[j] for j in range(i)]
        beyond = column < last[i] if descending else column > last[i]
        clauses.append(and_(*equal, beyond))
    if len(columns) == 1:
        return clauses[0]
    first = columns[0] <= last[0] if descending else columns[0] >= last[0]
    return and_(first, or_(*clauses))


def keyset(
    stmt: Select[Any],
    *key_columns: KeyColumn,
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> Select[Any]:
    """Restrict ``stmt`` to the page after ``cursor``, ordered by ``key_columns``, fetching one
    row more than ``limit`` so that :func:`page_of` can tell whether another page follows."""
    if not key_columns:
        raise TypeError("keyset needs at least one key column")
    check_limit(limit)
    last = decode_key(cursor, [_key_type(c) for c in key_columns])
    if last is not None:
        stmt = stmt.where(_after(key_columns, last, descending))
    order = [c.desc() if descending else c.asc() for c in key_columns]
    return stmt.order_by(*order).limit(limit + 1)


def page_of(
    rows: Sequence[T], *, limit: int, key: Callable[[T], Any | tuple[Any, ...]]
) -> Paged[T]:
    """Split ``limit + 1`` fetched rows into a page and the cursor of the next one.
    ``key`` gives a row's key: one value, or a tuple for a composite key."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return Paged(items, None)
    last = key(items[-1])
    return Paged(items, encode_key(last if isinstance(last, tuple) else (last,)))


def _attribute_key(key_columns: Sequence[KeyColumn]) -> Callable[[Any], tuple[Any, ...]]:
    names = [getattr(c, "key", None) for c in key_columns]
    if any(not isinstance(n, str) for n in names):
        raise TypeError("pass key= when a key column is not a mapped attribute")
    return lambda row: tuple(getattr(row, str(n)) for n in names)


def paginate(
    session: Session,
    stmt: Select[Any],
    *key_columns: KeyColumn,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    key: Callable[[Any], Any | tuple[Any, ...]] | None = None,
    scalars: bool = True,
) -> Paged[Any]:
    """Run one page of ``stmt``, keyed by ``key_columns``.

    With ``scalars`` (the default) the page holds the first entity of each row (``select(Model)``)
    and the key is read from its attributes; otherwise it holds the rows and ``key`` says how to
    read a row's key."""
    paged = keyset(stmt, *key_columns, cursor=cursor, limit=limit, descending=descending)
    rows: Sequence[Any]
    if scalars:
        rows = session.scalars(paged).all()
    elif _columns_only(paged):
        # Rows of plain columns need none of the ORM's result machinery: run on the session's
        # connection, after the flush the ORM would do (a DCSA page: 60-100 us less, 0 rows or
        # 100; docs/ports.md, "The request's own cost").
        if session.autoflush:
            session.flush()
        rows = session.connection().execute(paged).all()
    else:
        rows = session.execute(paged).all()
    return page_of(rows, limit=limit, key=key or _attribute_key(key_columns))


def _columns_only(stmt: Select[Any]) -> bool:
    """Whether each of ``stmt``'s columns is a SQL expression (no mapped entity in a row)."""
    return all(isinstance(d["type"], TypeEngine) for d in stmt.column_descriptions)


def keyset_batches(
    session: Session,
    stmt: Select[Any],
    *key_columns: KeyColumn,
    size: int,
    key: Callable[[Any], tuple[Any, ...]],
) -> Iterator[Sequence[Any]]:
    """Every row of ``stmt`` in the order of ``key_columns`` (ascending; together they must be
    unique), ``size`` rows at a time: each batch is one query starting after the key of the
    previous batch's last row (``key`` reads it from a row), run when the batch is asked for.
    For a streamed export: memory holds one batch, however many rows there are."""
    if not key_columns:
        raise TypeError("keyset_batches needs at least one key column")
    ordered = stmt.order_by(*(c.asc() for c in key_columns)).limit(size)
    last: tuple[Any, ...] | None = None
    while True:
        page = ordered if last is None else ordered.where(_after(key_columns, last, False))
        rows = session.execute(page).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = key(rows[-1])
