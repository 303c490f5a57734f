"""Writing record batches (all or nothing) and reading them, also from registered sources."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.models import Record
from jingjinji.catalog.rows import row_errors, value_problem
from jingjinji.catalog.service import sources
from tests.catalog.support import PROBLEM, build_catalog, dataset_in
from tests.conftest import People

TYPED = (
    ("s", "string", "unconditional"),
    ("i", "integer", "unconditional"),
    ("n", "number", "unconditional"),
    ("b", "boolean", "unconditional"),
    ("d", "date", "unconditional"),
    ("t", "datetime", "unconditional"),
)


@pytest.mark.parametrize(
    ("field_type", "value", "ok"),
    [
        ("string", "x", True),
        ("string", 1, False),
        ("integer", 3, True),
        ("integer", 3.5, False),
        ("integer", True, False),
        ("integer", "3", False),
        ("number", 3, True),
        ("number", 2.5, True),
        ("number", "2.5", False),
        ("number", False, False),
        ("number", float("nan"), False),
        ("boolean", False, True),
        ("boolean", 0, False),
        ("date", "2026-11-22", True),
        ("date", "2026-02-30", False),
        ("date", "2026-11-22T10:00:00", False),
        ("datetime", "2026-11-22T10:00:00+08:00", True),
        ("datetime", "2026-11-22", False),
        ("datetime", "yesterday", False),
        ("string", None, True),
        ("integer", None, True),
    ],
)
def test_value_checks(field_type: str, value: Any, ok: bool) -> None:
    assert (value_problem(field_type, value) is None) is ok


def test_row_errors_name_row_field_and_reason() -> None:
    errors = row_errors(
        {"i": "integer"}, [{"i": 1}, {"i": "x", "zz": 1}, 7], loc_prefix=["body", "rows"]
    )
    assert errors == [
        {
            "loc": ["body", "rows", 1, "i"],
            "msg": "expected an integer, got the string 'x'",
            "row": 1,
            "field": "i",
        },
        {"loc": ["body", "rows", 1, "zz"], "msg": "unknown field", "row": 1, "field": "zz"},
        {"loc": ["body", "rows", 2], "msg": "a row is a JSON object", "row": 2},
    ]


def _make_typed(session_factory: sessionmaker[Session], people: People) -> None:
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=people["bj-env"],
            data=dataset_in("BJ-TYPED", people.organisations["bj_env"], specs=TYPED),
        )
        session.commit()


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(Record.id))) or 0


def test_batch_is_all_or_nothing(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _make_typed(session_factory, people)
    headers = people.headers(session_factory, "bj-env")
    good = [
        {
            "s": "a",
            "i": 1,
            "n": 1.5,
            "b": True,
            "d": "2026-01-02",
            "t": "2026-01-02T03:04:05+08:00",
        },
        {"s": "b"},
    ]
    first = client.post("/api/v1/datasets/BJ-TYPED/records", json={"rows": good}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"dataset_code": "BJ-TYPED", "inserted": 2, "total_records": 2}
    bad = [{"s": "c"}, {"i": "7"}, {"s": "d", "colour": "red"}, {"n": 1, "b": "yes"}]
    response = client.post("/api/v1/datasets/BJ-TYPED/records", json={"rows": bad}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problems = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in problems] == [(1, "i"), (2, "colour"), (3, "b")]
    assert problems[1]["msg"] == "unknown field"
    assert problems[0]["loc"] == ["body", "rows", 1, "i"]
    assert "nothing was stored" in response.json()["detail"]
    assert _count(session_factory) == 2
    read = client.get("/api/v1/datasets/BJ-TYPED/records", headers=headers).json()
    assert [row["s"] for row in read["items"]] == ["a", "b"]
    assert read["items"][1] == {"s": "b", "i": None, "n": None, "b": None, "d": None, "t": None}


def test_only_the_owner_side_writes_records(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    build_catalog(session_factory, people)
    before = _count(session_factory)
    for username in ("he-env", "bj-analyst", "bj-stats"):
        response = client.post(
            "/api/v1/datasets/BJ-OPEN/records",
            json={"rows": [{"a": 9}]},
            headers=people.headers(session_factory, username),
        )
        assert response.status_code == 403, username
    assert _count(session_factory) == before
    not_object = client.post(
        "/api/v1/datasets/BJ-OPEN/records",
        json={"rows": [[1, 2]]},
        headers=people.headers(session_factory, "bj-env"),
    )
    assert not_object.status_code == 422
    assert not_object.json()["errors"][0]["loc"][:3] == ["body", "rows", 0]
    empty = client.post(
        "/api/v1/datasets/BJ-OPEN/records",
        json={"rows": []},
        headers=people.headers(session_factory, "bj-env"),
    )
    assert empty.status_code == 422


def test_filters_and_cursor_pages(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _make_typed(session_factory, people)
    rows = [{"s": f"r{k}", "i": k % 3, "n": k / 2, "b": k % 2 == 0} for k in range(7)]
    with session_factory() as session:
        service.write_records(session, actor=people["bj-env"], dataset_code="BJ-TYPED", rows=rows)
        session.commit()
    headers = people.headers(session_factory, "bj-analyst")
    url = "/api/v1/datasets/BJ-TYPED/records"

    def names(**params: Any) -> list[str]:
        response = client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [row["s"] for row in response.json()["items"]]

    assert names(i="1") == ["r1", "r4"]
    assert names(n="1.5") == ["r3"]
    assert names(b="true") == ["r0", "r2", "r4", "r6"]
    assert names(s="r5") == ["r5"]
    assert names(i="2", b="false") == ["r5"]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(url, params=params, headers=headers).json()
        seen += [row["s"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"r{k}" for k in range(7)]
    for params, loc in (
        ({"i": "one"}, ["query", "i"]),
        ({"colour": "red"}, ["query", "colour"]),
        ({"b": "maybe"}, ["query", "b"]),
        ({"cursor": "%%%"}, ["query", "cursor"]),
        ({"limit": "0"}, ["query", "limit"]),
    ):
        response = client.get(url, params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["loc"] == loc


def test_registered_record_source(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []

    def reader(
        session: Session,
        *,
        dataset_code: str,
        filters: dict[str, str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        calls.append({"code": dataset_code, "filters": filters, "cursor": cursor, "limit": limit})
        rows = [{"station": f"S{k}", "aqi": 50 + k, "operator": "secret"} for k in range(3)]
        rows = [r for r in rows if filters.get("station") in (None, r["station"])]
        return rows[:limit], "next-page" if len(rows) > limit else None

    monkeypatch.setitem(sources._record_sources, "ZZ-AIR-", reader)
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=people["bj-env"],
            data=dataset_in(
                "ZZ-AIR-HOURLY",
                people.organisations["bj_env"],
                specs=(
                    ("station", "string", "unconditional"),
                    ("aqi", "integer", "unconditional"),
                    ("operator", "string", "conditional"),
                ),
            ),
        )
        session.commit()
    headers = people.headers(session_factory, "he-analyst")
    page = client.get(
        "/api/v1/datasets/ZZ-AIR-HOURLY/records", params={"limit": 2}, headers=headers
    ).json()
    assert page["items"] == [{"station": "S0", "aqi": 50}, {"station": "S1", "aqi": 51}]
    assert page["next_cursor"] == "next-page"
    assert page["withheld_fields"] == [{"field": "operator", "reason": "conditional: no grant"}]
    filtered = client.get(
        "/api/v1/datasets/ZZ-AIR-HOURLY/records",
        params={"station": "S2", "cursor": "abc"},
        headers=headers,
    ).json()
    assert filtered["items"] == [{"station": "S2", "aqi": 52}]
    assert calls[-1] == {
        "code": "ZZ-AIR-HOURLY",
        "filters": {"station": "S2"},
        "cursor": "abc",
        "limit": 100,
    }
    # A filter on a withheld field never reaches the source.
    leaked = client.get(
        "/api/v1/datasets/ZZ-AIR-HOURLY/records", params={"operator": "secret"}, headers=headers
    )
    assert leaked.status_code == 422 and len(calls) == 2
    meta = client.get("/api/v1/datasets/ZZ-AIR-HOURLY", headers=headers).json()
    assert meta["record_source"] == "registered"
    write = client.post(
        "/api/v1/datasets/ZZ-AIR-HOURLY/records",
        json={"rows": [{"station": "S9"}]},
        headers=people.headers(session_factory, "bj-env"),
    )
    assert write.status_code == 409


def test_longest_registered_prefix_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    def a(session: Session, **kw: Any) -> tuple[list[dict[str, Any]], str | None]:
        return [], None

    def b(session: Session, **kw: Any) -> tuple[list[dict[str, Any]], str | None]:
        return [], None

    monkeypatch.setattr(sources, "_record_sources", {})
    service.register_record_source("BJ-", a)
    service.register_record_source("BJ-ENV-AIR-", b)
    assert service.record_source_for("BJ-ENV-AIR-DAILY") is b
    assert service.record_source_for("BJ-STATS-X") is a
    assert service.record_source_for("HE-X") is None
    with pytest.raises(ValueError):
        service.register_record_source("", a)


def test_integer_filters_beyond_32_bits(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    """Integer fields hold any 64-bit value; filtering on them works whatever the stored values
    (PostgreSQL must not cast them to its 32-bit integer), and a filter value beyond 64 bits is
    a 422 naming the field."""
    _make_typed(session_factory, people)
    big = 2**40
    rows = [{"s": "small", "i": 5}, {"s": "big", "i": big}, {"s": "huge", "i": -(2**63) + 1}]
    with session_factory() as session:
        service.write_records(session, actor=people["bj-env"], dataset_code="BJ-TYPED", rows=rows)
        session.commit()
    headers = people.headers(session_factory, "bj-analyst")
    url = "/api/v1/datasets/BJ-TYPED/records"
    for value, expected in (("5", ["small"]), (str(big), ["big"]), ("7", [])):
        response = client.get(url, params={"i": value}, headers=headers)
        assert response.status_code == 200, response.text
        assert [row["s"] for row in response.json()["items"]] == expected
    for value in (str(2**63), str(10**30)):
        response = client.get(url, params={"i": value}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["query", "i"]


def test_integer_values_beyond_64_bits_are_refused(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _make_typed(session_factory, people)
    response = client.post(
        "/api/v1/datasets/BJ-TYPED/records",
        json={"rows": [{"i": 2**64}]},
        headers=people.headers(session_factory, "bj-env"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "rows", 0, "i"]
