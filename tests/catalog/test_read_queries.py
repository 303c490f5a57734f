"""The query of a read (records, their CSV and download, the activity stream) on both
backends: each filter's SQL clause is built once per read, a read's record keeps its filters
bounded, and a malformed paging parameter is refused on the record as an out-of-range one is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.service import records
from tests.catalog.support import build_catalog
from tests.conftest import People


@pytest.fixture
def catalog(session_factory: sessionmaker[Session], people: People) -> People:
    build_catalog(session_factory, people)
    return people


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
