"""The query of a read (records, their CSV and download, the activity stream) on both
backends: each filter's SQL clause is built once per read, a read's record keeps its filters
bounded, and a malformed paging parameter is refused on the record as an out-of-range one is."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.service import records
from jingjinji.catalog.service.validation import KEPT_CHARS, KEPT_PROBLEMS, clipped
from tests.catalog.support import Caller, audit_entries, dataset_in
from tests.conftest import People


@pytest.fixture
def clauses_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the filter clauses built from here on, one entry each time."""
    built: list[str] = []
    build: Callable[[str, str, str], ColumnElement[bool]] = records._filter_clause

    def counted(name: str, field_type: str, value: str) -> ColumnElement[bool]:
        built.append(name)
        return build(name, field_type, value)

    monkeypatch.setattr(records, "_filter_clause", counted)
    return built


# --- each filter's clause built once ------------------------------------------------------


def test_a_filtered_read_builds_each_clause_once(
    session_factory: sessionmaker[Session], catalog: People, clauses_built: list[str]
) -> None:
    with session_factory() as session:
        page = service.read_records(
            session, actor=catalog["bj-env"], dataset_code="BJ-COND", filters={"x": "x1", "y": "10"}
        )
    assert [row["x"] for row in page.items] == ["x1"]
    assert sorted(clauses_built) == ["x", "y"]


def test_a_download_builds_each_clause_once_for_all_its_batches(
    session_factory: sessionmaker[Session], catalog: People, clauses_built: list[str]
) -> None:
    with session_factory() as session:
        rows = [{"a": 4, "b": "two"}, {"a": 5, "b": "two"}]
        service.write_records(session, actor=catalog["bj-env"], dataset_code="BJ-OPEN", rows=rows)
        plan = service.plan_download(
            session,
            actor=catalog["bj-env"],
            dataset_code="BJ-OPEN",
            filters={"b": "two"},
            file_format="csv",
        )
        session.commit()
    batches: list[list[dict[str, Any]]] = list(
        service.record_batches(session_factory, plan, batch=1)
    )
    assert [row["a"] for batch in batches for row in batch] == [2, 4, 5]
    assert len(batches) >= 3  # the last batch may be empty
    assert clauses_built == ["b"]


# --- a read's record keeps its filters bounded --------------------------------------------

LONG = "v" * 5000
TWELVE = tuple((f"f{i:02d}", "string", "unconditional") for i in range(12))


def _read_entry(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """The detail of the one read on the record (he-analyst's, across provinces)."""
    [entry] = audit_entries(session_factory, action="catalog.records.read", outcome="ok")
    assert entry.actor_username == "he-analyst"
    assert "v" * 100 not in entry.detail_json
    detail: dict[str, Any] = json.loads(entry.detail_json)
    return detail


@pytest.mark.parametrize("path", ["records", "records.csv", "download.csv", "download.jsonl"])
def test_a_read_across_provinces_keeps_a_long_filter_value_cut_short(
    call: Caller, path: str
) -> None:
    call("GET", f"/api/v1/datasets/BJ-INTERNAL/{path}", "he-analyst", 200, params={"u": LONG})
    detail = _read_entry(call.session_factory)
    assert detail["filters"] == {"u": clipped(LONG)}
    assert len(detail["filters"]["u"]) == KEPT_CHARS


def test_a_read_across_provinces_keeps_so_many_filters(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    with session_factory() as session:
        owner = catalog["bj-env"]
        org = catalog.organisations["bj_env"]
        service.create_dataset(session, actor=owner, data=dataset_in("BJ-WIDE", org, specs=TWELVE))
        session.commit()
    filters = {name: LONG for name, _, _ in TWELVE}
    with session_factory() as session:
        page = service.read_records(
            session, actor=catalog["he-analyst"], dataset_code="BJ-WIDE", filters=filters
        )
        session.commit()
    assert page.items == []
    kept = _read_entry(session_factory)["filters"]
    assert kept == {f"f{i:02d}": clipped(LONG) for i in range(KEPT_PROBLEMS)}


# --- a limit that is no number: refused on the record once the dataset is readable ---------

READ_ROUTES = ["records", "records.csv", "activity"]


@pytest.mark.parametrize("path", READ_ROUTES)
def test_a_limit_that_is_no_number_is_refused_on_the_record(call: Caller, path: str) -> None:
    url = f"/api/v1/datasets/BJ-OPEN/{path}"
    response = call("GET", url, "he-analyst", 422, params={"limit": "abc", "a": "1"})
    assert response.json()["detail"] == "limit must be between 1 and 1000"
    assert [(e["loc"], e["msg"]) for e in response.json()["errors"]] == [
        (["query", "limit"], "a whole number is required")
    ]
    entry = call.refused("audit.read" if path == "activity" else "catalog.records.read")
    assert (entry.actor_username, entry.object_id) == ("he-analyst", "BJ-OPEN")
    detail = json.loads(entry.detail_json)
    assert detail["problems"] == [{"field": "query.limit", "rule": "a whole number is required"}]
    assert audit_entries(call.session_factory, outcome="ok", action="catalog.records.read") == []


@pytest.mark.parametrize(
    ("path", "code", "username", "status"),
    [
        (path, code, username, status)
        for path in READ_ROUTES
        for code, username, status in [
            ("NOPE", "he-analyst", 404),
            ("BJ-INTERNAL", None, 401),
            # a logged-in user sees every catalogue entry, and so its activity stream
            *([("BJ-SECRET", "he-analyst", 403)] if path != "activity" else []),
        ]
    ],
)
def test_a_reader_refused_the_dataset_hears_that_before_a_limit_that_is_no_number(
    call: Caller, path: str, code: str, username: str | None, status: int
) -> None:
    call("GET", f"/api/v1/datasets/{code}/{path}", username, status, params={"limit": "x"})
    assert audit_entries(call.session_factory, action="catalog.records.read") == []
    assert audit_entries(call.session_factory, action="audit.read") == []


@pytest.mark.parametrize("path", READ_ROUTES)
def test_the_api_documents_the_limit_as_an_integer(client: TestClient, path: str) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        f"/api/v1/datasets/{{code}}/{path}"
    ]["get"]
    [limit] = [p for p in operation["parameters"] if p["name"] == "limit"]
    assert limit["in"] == "query" and not limit["required"]
    assert {k: limit["schema"][k] for k in ("type", "minimum", "maximum")} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
    }
    assert "when not given" in limit["description"]


def test_a_download_takes_paging_names_as_filters_refused_on_the_record(call: Caller) -> None:
    """A download has no paging: ``limit`` and ``cursor`` are filters on fields BJ-OPEN lacks."""
    url = "/api/v1/datasets/BJ-OPEN/download.csv"
    response = call("GET", url, None, 422, params={"limit": "abc", "cursor": "x"})
    assert sorted(e["loc"][1] for e in response.json()["errors"]) == ["cursor", "limit"]
    detail = json.loads(call.refused("catalog.records.download").detail_json)
    assert detail["filters"] == ["cursor", "limit"]
    assert [p["rule"] for p in detail["problems"]] == ["unknown field", "unknown field"]
