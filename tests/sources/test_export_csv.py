"""The values' CSV export is for people (issue 15): numbers rounded (``jingjinji.numbers``),
text a spreadsheet would run as a formula defused; Parquet keeps full precision."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.loader import BatchLoader
from jingjinji.sources.service import values_export
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.loader_support import message

API = "/api/v1/sources"
RECEIVED = dt.datetime(2025, 7, 1, 6, 0, tzinfo=dt.UTC)
SEGMENT = (
    "QN=20250701100500000;ST=32;CN=2061;PW=123456;MN=HE-A-W-001;Flag=4;"
    "CP=&&DataTime=20250701100000;w01018-Avg=40.123456,w01018-Min=30.0,"
    "w01018-Max=70.98765,w01018-Flag=N;w21003-Avg=0.0123456,w21003-Flag=N&&"
)


def test_csv_values_are_rounded_and_parquet_keeps_them_whole(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    loader = BatchLoader(session_factory, stats_prefix="t.stats.")
    assert loader.load([message(1, SEGMENT, received_at=RECEIVED)]).packets_stored == 1
    hebei = people.headers(session_factory, "he-env")
    query: dict[str, str | int] = {
        "outlet": registry.outlets["HE-A/DW001"],
        "cn": 2061,
        "start": "2025-07-01T00:00",
        "end": "2025-07-02T00:00",
    }
    answer = client.get(f"{API}/values/export", params=query, headers=hebei)
    assert answer.status_code == 200, answer.text
    rows = {r["factor"]: r for r in csv.DictReader(io.StringIO(answer.text))}
    assert (rows["w01018"]["avg"], rows["w01018"]["min"], rows["w01018"]["max"]) == (
        "40.12",
        "30",
        "70.99",
    )
    assert rows["w21003"]["avg"] == "0.0123"
    assert rows["w01018"]["cn"] == "2061" and rows["w01018"]["flag"] == "N"
    assert rows["w01018"]["data_time"] == "2025-07-01T02:00:00+0000"
    parquet = client.get(
        f"{API}/values/export", params={**query, "format": "parquet"}, headers=hebei
    )
    whole = pl.read_parquet(io.BytesIO(parquet.content))
    assert sorted(whole["avg"].to_list()) == [0.0123456, 40.123456]


def test_csv_text_that_a_spreadsheet_would_run_is_defused() -> None:
    frame = pl.DataFrame(
        {
            "mn": ["@SUM(A1)", "HE-A-W-001"],
            "data_time": [dt.datetime(2025, 7, 1, tzinfo=dt.UTC)] * 2,
            "avg": [-1.5, 3.0],
            "flag": ["=1+1", "+N"],
        },
        schema_overrides={"data_time": pl.Datetime("us", "UTC")},
    )
    text = b"".join(values_export.csv_chunks([frame])).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["mn"], r["flag"], r["avg"]) for r in rows] == [
        ("'@SUM(A1)", "'=1+1", "-1.5"),
        ("HE-A-W-001", "'+N", "3"),
    ]
