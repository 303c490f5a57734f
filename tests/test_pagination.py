"""The one pagination helper: walking every page yields every row once, in key order, for single
and composite keys, ascending and descending, on both backends; foreign cursors are a 422."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput
from jingjinji.pagination import (
    MAX_LIMIT,
    KeyColumn,
    decode_key,
    encode_key,
    paginate,
)
from jingjinji.regions.models import Jurisdiction, Organisation
from tests.conftest import People


def _walk(
    session: Session, *keys: KeyColumn, limit: int, descending: bool = False, stmt: Any = None
) -> list[Any]:
    stmt = stmt if stmt is not None else select(Jurisdiction)
    seen: list[Any] = []
    cursor: str | None = None
    for _ in range(10_000):
        page = paginate(session, stmt, *keys, cursor=cursor, limit=limit, descending=descending)
        assert len(page.items) <= limit
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        assert page.items, "a page with a next cursor is never empty"
        cursor = page.next_cursor
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50, MAX_LIMIT])
@pytest.mark.parametrize("descending", [False, True])
def test_composite_key_walks_every_row_once_in_order(
    session: Session, limit: int, descending: bool
) -> None:
    everything = list(session.scalars(select(Jurisdiction)))
    assert len(everything) > 10
    expected = sorted(everything, key=lambda j: (j.level, j.code), reverse=descending)
    walked = _walk(
        session, Jurisdiction.level, Jurisdiction.code, limit=limit, descending=descending
    )
    assert [j.code for j in walked] == [j.code for j in expected]


@pytest.mark.parametrize("limit", [1, 4])
def test_integer_then_string_key_with_ties(session: Session, limit: int) -> None:
    # sort_order repeats across siblings, so the second column breaks the ties.
    everything = list(session.scalars(select(Jurisdiction)))
    expected = sorted(everything, key=lambda j: (j.sort_order, j.code))
    walked = _walk(session, Jurisdiction.sort_order, Jurisdiction.code, limit=limit)
    assert [j.code for j in walked] == [j.code for j in expected]


def test_datetime_and_id_key(session: Session, people: People) -> None:
    everything = list(session.scalars(select(Organisation)))
    assert len(everything) > 3
    expected = sorted(everything, key=lambda o: (o.created_at, o.id), reverse=True)
    walked = _walk(
        session,
        Organisation.created_at,
        Organisation.id,
        limit=2,
        descending=True,
        stmt=select(Organisation),
    )
    assert [o.id for o in walked] == [o.id for o in expected]


def test_single_id_cursor_is_the_bare_id() -> None:
    # Cursors issued before composite keys existed stay valid.
    assert decode_key(encode_key((42,)), [int]) == (42,)
    assert decode_key("NDI", [int]) == (42,)


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("%%%", [int]),
        (encode_key(("x",)), [int]),
        (encode_key((True,)), [int]),
        (encode_key((2**40,)), [int]),
        (encode_key((-1,)), [int]),
        (encode_key((1, 2)), [int]),
        (encode_key((1,)), [int, str]),
        (encode_key(("2024-01-01T00:00:00",)), [dt.datetime]),
        (encode_key(("yesterday",)), [dt.datetime]),
        (encode_key((5,)), [str]),
        (encode_key(("2024-02-30",)), [dt.date]),
    ],
)
def test_foreign_cursors_are_refused_naming_the_cursor(cursor: str, types: list[Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_key(cursor, types)
    assert refused.value.errors[0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limits_out_of_range_are_refused(session: Session, limit: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        paginate(session, select(Jurisdiction), Jurisdiction.code, cursor=None, limit=limit)
    assert refused.value.errors[0]["loc"] == ["query", "limit"]


def test_typed_keys_round_trip() -> None:
    moment = dt.datetime(2015, 12, 1, 8, 0, tzinfo=dt.UTC)
    key = (moment, dt.date(2015, 12, 1), "110000", 7)
    assert decode_key(encode_key(key), [dt.datetime, dt.date, str, int]) == key


def _pages_of_rows(session: Session, stmt: Any, limit: int) -> list[Any]:
    seen: list[Any] = []
    cursor: str | None = None
    while True:
        page = paginate(
            session, stmt, Jurisdiction.level, Jurisdiction.code, cursor=cursor, limit=limit,
            scalars=False, key=lambda row: (row.level, row.code),
        )  # fmt: skip
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_rows_of_columns_walk_as_the_entities_do(session: Session) -> None:
    everything = sorted(session.scalars(select(Jurisdiction)), key=lambda j: (j.level, j.code))
    rows = _pages_of_rows(
        session, select(Jurisdiction.level, Jurisdiction.code, Jurisdiction.name_en), limit=3
    )
    assert [(r.level, r.code, r.name_en) for r in rows] == [
        (j.level, j.code, j.name_en) for j in everything
    ]


def test_rows_of_columns_see_the_sessions_pending_changes_unless_autoflush_is_off(
    session: Session,
) -> None:
    first = session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)).first()
    assert first is not None
    stmt = select(Jurisdiction.level, Jurisdiction.code, Jurisdiction.name_en).where(
        Jurisdiction.code == first.code
    )
    first.name_en = "Renamed, not yet flushed"
    with session.no_autoflush:
        assert [r.name_en for r in _pages_of_rows(session, stmt, limit=5)] != [first.name_en]
    assert [r.name_en for r in _pages_of_rows(session, stmt, limit=5)] == [first.name_en]
    session.rollback()


def test_rows_holding_an_entity_keep_it(session: Session) -> None:
    stmt: Any = select(Jurisdiction, Jurisdiction.name_en)
    page = paginate(
        session, stmt, Jurisdiction.level, Jurisdiction.code,
        cursor=None, limit=2, scalars=False, key=lambda row: (row[0].level, row[0].code),
    )  # fmt: skip
    assert all(isinstance(row[0], Jurisdiction) for row in page.items)
    assert page.next_cursor is not None
