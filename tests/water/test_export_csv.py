"""The samples' CSV export is for people (issue 15): values rounded (``jingjinji.numbers``),
text a spreadsheet would run as a formula defused; Parquet keeps full precision."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.water.service.samples import export
from tests.conftest import People
from tests.water.conftest import WaterNetwork

API = "/api/v1/water"


def test_csv_values_are_rounded_and_parquet_keeps_them_whole(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    values = {"nh3n": 1.23456789, "tp": 0.000123456, "cod": 15.0}
    rows = [
        {
            "section_code": "BJ-HE-01",
            "sampled_at": "2025-07-01T10:00",
            "kind": "automatic",
            "item": item,
            "value": value,
        }
        for item, value in values.items()
    ]
    beijing = people.headers(session_factory, "bj-env")
    assert client.post(f"{API}/samples", json={"rows": rows}, headers=beijing).status_code == 200
    period = {"start": "2025-07-01T00:00Z", "end": "2025-07-02T00:00Z"}
    answer = client.get(f"{API}/samples/export", params=period)
    assert answer.status_code == 200
    read = {r["item"]: r for r in csv.DictReader(io.StringIO(answer.text))}
    assert {item: r["value"] for item, r in read.items()} == {
        "nh3n": "1.23",
        "tp": "0.000123",
        "cod": "15",
    }
    assert read["cod"]["sampled_at"] == "2025-07-01T02:00:00+0000"
    assert read["cod"]["version"] == "1" and read["cod"]["below_detection"] == "false"
    parquet = client.get(f"{API}/samples/export", params={**period, "format": "parquet"})
    whole = pl.read_parquet(io.BytesIO(parquet.content))
    assert dict(zip(whole["item"], whole["value"], strict=True)) == pytest.approx(values)


def test_csv_text_that_a_spreadsheet_would_run_is_defused() -> None:
    frame = pl.DataFrame(
        {
            "section_code": ["BJ-HE-01", "BJ-HE-01"],
            "sampled_at": [dt.datetime(2025, 7, 1, tzinfo=dt.UTC)] * 2,
            "item": ["nh3n", "do"],
            "value": [-0.5, 2.0],
            "recorded_by": ['=HYPERLINK("http://x")', "-2+3"],
            "version": [1, 2],
        },
        schema_overrides={"sampled_at": pl.Datetime("us", "UTC")},
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(export.csv_chunks([frame])).decode())))
    assert [r["recorded_by"] for r in rows] == ['\'=HYPERLINK("http://x")', "'-2+3"]
    assert [r["value"] for r in rows] == ["-0.5", "2"]  # numbers stay numbers
