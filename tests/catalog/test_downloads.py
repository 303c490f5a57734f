"""Whole-dataset downloads, on both backends: CSV, JSON Lines and Parquet carry exactly the
fields and rows the reader's grant allows (as ``records.csv`` does), the formats parse back,
a download spanning several batches is complete, and a refusal is problem+json and audited."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.service import downloads as download_service
from tests.catalog.support import PROBLEM, audit_entries, build_catalog, dataset_in
from tests.conftest import People

ROWS = [
    {"district": "110101", "n": 1, "share": 0.123456, "day": "2026-01-02", "secret": "s1"},
    {"district": "110101", "n": 2, "share": 2.5, "day": "2026-01-03", "secret": "s2"},
    {"district": "110105", "n": 3, "share": None, "day": None, "secret": "s3"},
    {"district": "110108", "n": 4, "share": 4.0, "day": "2026-01-05", "secret": "=cmd()"},
]


def _build_scoped(session_factory: sessionmaker[Session], people: People) -> None:
    """BJ-ROWS (conditional) with a grant to Tianjin's bureau of the rows of district 110101."""
    owner = people["bj-env"]
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in(
                "BJ-ROWS",
                people.organisations["bj_env"],
                sharing_class="conditional",
                specs=(
                    ("district", "string", "conditional"),
                    ("n", "integer", "conditional"),
                    ("share", "number", "conditional"),
                    ("day", "date", "conditional"),
                    ("secret", "string", "not_shared"),
                ),
            ),
        )
        service.write_records(session, actor=owner, dataset_code="BJ-ROWS", rows=ROWS)
        service.grant_scoped(
            session,
            actor=owner,
            dataset_code="BJ-ROWS",
            organisation_id=people.organisations["tj_env"],
            row_scope={"district": ["110101"]},
            reason="linked enforcement case 12",
        )
        session.commit()


def test_each_format_holds_the_granted_fields_and_rows_only(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build_scoped(session_factory, people)
    headers = people.headers(session_factory, "tj-env")
    base = "/api/v1/datasets/BJ-ROWS/download"

    r = client.get(f"{base}.csv", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="BJ-ROWS.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [list(row) for row in table[:1]] == [["district", "n", "share", "day"]]
    assert [(row["district"], row["n"], row["share"]) for row in table] == [
        ("110101", "1", "0.123"),
        ("110101", "2", "2.5"),
    ]

    r = client.get(f"{base}.jsonl", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines == [
        {"district": "110101", "n": 1, "share": 0.123456, "day": "2026-01-02"},
        {"district": "110101", "n": 2, "share": 2.5, "day": "2026-01-03"},
    ]

    r = client.get(f"{base}.parquet", headers=headers)
    assert r.status_code == 200
    frame = pq.read_table(io.BytesIO(r.content))
    assert frame.column_names == ["district", "n", "share", "day"]
    assert str(frame.schema.field("n").type) == "int64"
    assert str(frame.schema.field("day").type) == "date32[day]"
    assert frame.column("n").to_pylist() == [1, 2]
    assert frame.column("share").to_pylist() == [0.123456, 2.5]

    # The owner reads every row and field; a filter narrows.
    owner = people.headers(session_factory, "bj-env")
    r = client.get(f"{base}.jsonl", headers=owner)
    assert [json.loads(x)["secret"] for x in r.text.splitlines()] == ["s1", "s2", "s3", "=cmd()"]
    r = client.get(f"{base}.csv?district=110108", headers=owner)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["secret"] for row in rows] == ["'=cmd()"]  # formula-safe, like records.csv
    frame = pq.read_table(io.BytesIO(client.get(f"{base}.parquet", headers=owner).content))
    assert frame.num_rows == 4
    assert frame.column("day").to_pylist()[2] is None


def test_a_download_reads_every_batch(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_catalog(session_factory, people)
    monkeypatch.setattr(download_service, "DOWNLOAD_BATCH", 1)
    r = client.get("/api/v1/datasets/BJ-OPEN/download.parquet")  # open to the public
    frame = pq.read_table(io.BytesIO(r.content))
    assert frame.column_names == ["a"]
    assert frame.column("a").to_pylist() == [1, 2, 3]
    assert pq.ParquetFile(io.BytesIO(r.content)).num_row_groups == 3
    lines = client.get("/api/v1/datasets/BJ-OPEN/download.jsonl").text.splitlines()
    assert [json.loads(x) for x in lines] == [{"a": 1}, {"a": 2}, {"a": 3}]


def test_a_refused_download_is_problem_json_and_audited(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    build_catalog(session_factory, people)
    r = client.get(
        "/api/v1/datasets/BJ-SECRET/download.csv",
        headers=people.headers(session_factory, "tj-env"),
    )
    assert r.status_code == 403
    assert r.headers["content-type"].startswith(PROBLEM)
    r = client.get("/api/v1/datasets/BJ-INTERNAL/download.jsonl")
    assert r.status_code == 401
    r = client.get(
        "/api/v1/datasets/BJ-OPEN/download.csv?c=1.5",
        headers=people.headers(session_factory, "tj-env"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "c"]
    refused = audit_entries(session_factory, action="catalog.records.download", outcome="refused")
    assert [(e.actor_username, e.object_id) for e in refused] == [
        ("tj-env", "BJ-SECRET"),
        ("anonymous", "BJ-INTERNAL"),
        ("tj-env", "BJ-OPEN"),
    ]
    assert client.get("/api/v1/datasets/NOPE/download.csv").status_code == 404
    assert client.get("/api/v1/datasets/BJ-OPEN/download.xlsx").status_code == 422


def test_a_download_across_provinces_is_audited_as_a_read(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build_scoped(session_factory, people)
    r = client.get(
        "/api/v1/datasets/BJ-ROWS/download.parquet",
        headers=people.headers(session_factory, "tj-env"),
    )
    assert r.status_code == 200
    reads = audit_entries(session_factory, action="catalog.records.read", object_id="BJ-ROWS")
    assert len(reads) == 1
    detail = json.loads(reads[0].detail_json)
    assert detail["download"] == "parquet"
    assert detail["withheld"] == ["secret"]
