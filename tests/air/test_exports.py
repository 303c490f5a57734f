"""Downloads of any date span, streamed; monthly and yearly means (GB 3095 day counts); CSV
rounded per quantity (issue 15)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.air import exports
from jingjinji.air.schemas import ExportQuery
from jingjinji.cli import app as cli_app
from jingjinji.config import get_settings
from tests.air.support import day_hours, hour, obs, post
from tests.conftest import People

FIRST = dt.date(2015, 1, 10)
LAST = dt.date(2016, 3, 1)  # 417 days after FIRST: more than the 366 refused before
BETWEEN = dt.date(2015, 7, 1)  # in the second window of an hourly download


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def _post_days(
    client: TestClient, headers: dict[str, str], station: str, days: list[dt.date], **values: float
) -> None:
    rows = [row for day in days for row in day_hours(station, day, **values)]
    r = post(client, headers, rows)
    assert r.status_code == 200, r.text


@pytest.fixture
def two_years(client: TestClient, session_factory: sessionmaker[Session], air: People) -> People:
    """Two full days of 1001A, 417 days apart."""
    _post_days(client, air.headers(session_factory, "bj-env"), "1001A", [FIRST, LAST], pm2_5=80)
    return air


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"station": "1001A", "kind": "hourly"}, 48),
        ({"city": "110000", "kind": "hourly"}, 48),
        ({"station": "1001A", "kind": "daily"}, 2),
        ({"city": "110000", "kind": "daily"}, 2),
        ({"station": "1001A", "kind": "raw"}, 48),
    ],
)
def test_a_span_over_366_days_is_exported_whole(
    client: TestClient,
    session_factory: sessionmaker[Session],
    two_years: People,
    params: dict[str, str],
    expected: int,
) -> None:
    span = {"start": "2014-06-01", "end": "2016-12-31"}  # 945 days
    headers = two_years.headers(session_factory, "bj-env")
    r = client.get("/api/v1/air/export", params={**params, **span}, headers=headers)
    rows = _rows(r)
    assert len(rows) == expected
    # sent as it is written: no length known in advance
    assert "content-length" not in r.headers
    pq = client.get(
        "/api/v1/air/export", params={**params, **span, "format": "parquet"}, headers=headers
    )
    assert pq.status_code == 200
    assert pl.read_parquet(io.BytesIO(pq.content)).height == expected
    if params["kind"] != "daily":
        stamps = [r.get("ts") for r in rows]
        assert stamps[0] == "2015-01-09T16:00:00Z" and stamps[-1] == "2016-03-01T15:00:00Z"


def test_an_empty_span_is_a_header_only_file(client: TestClient, two_years: People) -> None:
    params = {"station": "1001A", "kind": "hourly", "start": "1990-01-01", "end": "1999-12-31"}
    r = client.get("/api/v1/air/export", params=params)
    assert r.status_code == 200
    assert r.text.strip() == "ts,date,aqi,level,primary_pollutants"
    pq = client.get("/api/v1/air/export", params={**params, "format": "parquet"})
    frame = pl.read_parquet(io.BytesIO(pq.content))
    assert frame.height == 0 and frame.columns == [
        "ts",
        "date",
        "aqi",
        "level",
        "primary_pollutants",
    ]


def test_the_download_reads_a_window_only_when_the_previous_one_is_sent(
    client: TestClient, session_factory: sessionmaker[Session], two_years: People
) -> None:
    """The generator is lazy: rows stored after the first chunk was sent, in a later window,
    are in the rest of the file (a file built whole before sending would lack them)."""
    query = ExportQuery(station="1001A", kind="hourly", start=FIRST, end=LAST)
    with session_factory() as session, session_factory() as reader:
        plan = exports.plan_export(session, actor=None, query=query)
        session.commit()
        chunks = exports.export_chunks(reader, plan)
        first = next(chunks).decode()
        assert first.startswith("ts,date,aqi") and "2015-01-10" in first
        assert BETWEEN.isoformat() not in first
        _post_days(client, two_years.headers(session_factory, "bj-env"), "1001A", [BETWEEN])
        rest = b"".join(chunks).decode()
    dates = [r["date"] for r in csv.DictReader(io.StringIO(first + rest))]
    assert dates.count(BETWEEN.isoformat()) == 24 and len(dates) == 72


def test_csv_rounds_each_quantity_and_parquet_keeps_full_precision(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    day = dt.date(2016, 12, 20)
    rows = [
        obs("1001A", hour(day.isoformat(), h), pm2_5=75.0 + h % 2, co=2.0 if h == 0 else 1.0)
        for h in range(24)
    ]
    assert post(client, air.headers(session_factory, "bj-env"), rows).status_code == 200
    params = {"station": "1001A", "kind": "daily", "start": "2016-12-20", "end": "2016-12-20"}
    (row,) = _rows(client.get("/api/v1/air/export", params=params))
    # 75.5 -> 76 (half to even, GB/T 8170), CO 25/24 = 1.0416.. mg/m3 -> 1.0, AQI an integer
    assert (row["pm2_5"], row["co"], row["aqi"]) == ("76", "1.0", "101")
    pq = client.get("/api/v1/air/export", params={**params, "format": "parquet"})
    full = pl.read_parquet(io.BytesIO(pq.content)).row(0, named=True)
    assert full["pm2_5"] == 75.5 and full["co"] == pytest.approx(25 / 24)


def test_monthly_and_yearly_means_per_station_and_city(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    """January 2016: 1001A 13 days of 100 and 14 of 200 ug/m3 (27 days: valid), 1003A 27 days
    of 50; February: 24 days of 1001A only (fewer than 25: no mean)."""
    headers = air.headers(session_factory, "bj-env")
    january = [dt.date(2016, 1, d) for d in range(1, 28)]
    _post_days(client, headers, "1001A", january[:13], pm2_5=100, co=1.04)
    _post_days(client, headers, "1001A", january[13:], pm2_5=200, co=1.04)
    _post_days(client, headers, "1003A", january, pm2_5=50, co=1.04)
    _post_days(client, headers, "1001A", [dt.date(2016, 2, d) for d in range(1, 25)], pm2_5=10)
    base = {"kind": "monthly", "start": "2016-01-15", "end": "2016-02-10"}  # whole months
    station = client.get("/api/v1/air/export", params={**base, "station": "1001A"})
    assert (
        'filename="air-monthly-1001A-2016-01-01-2016-02-29.csv"'
        in (station.headers["content-disposition"])
    )
    jan, feb = _rows(station)
    # (13 * 100 + 14 * 200) / 27 = 151.85...
    assert (jan["year"], jan["month"], jan["pm2_5"], jan["days_pm2_5"]) == (
        "2016",
        "1",
        "152",
        "27",
    )
    assert jan["co"] == "1.0"
    assert (feb["month"], feb["pm2_5"], feb["days_pm2_5"]) == ("2", "", "24")
    # the city's days are the mean over its stations: 75 (13 days) and 125 (14 days)
    (city_jan, city_feb) = _rows(
        client.get("/api/v1/air/export", params={**base, "city": "110000"})
    )
    assert (city_jan["pm2_5"], city_jan["days_pm2_5"]) == ("101", "27")  # 2725 / 27
    assert city_feb["days_pm2_5"] == "24"
    parquet = pl.read_parquet(
        io.BytesIO(
            client.get(
                "/api/v1/air/export", params={**base, "station": "1001A", "format": "parquet"}
            ).content
        )
    )
    assert parquet["pm2_5"].to_list()[0] == pytest.approx(4100 / 27)
    # a year with 51 valid days has no annual mean (324 needed, 27 in every month)
    (year,) = _rows(client.get("/api/v1/air/export", params={"kind": "yearly", "station": "1001A"}))
    assert (year["year"], year["pm2_5"], year["days_pm2_5"]) == ("2016", "", "51")


def test_csv_text_that_a_spreadsheet_would_run_is_defused() -> None:
    """No air column takes free text today (codes, compass points, pollutant names): the
    encoder defuses any that would come."""
    frame = pl.DataFrame({"date": [dt.date(2016, 1, 1)], "wd": ["=1+1"], "pm2_5": [-0.4]})
    text = b"".join(exports.csv_chunks([frame])).decode()
    assert text == "date,wd,pm2_5\r\n2016-01-01,'=1+1,0\r\n"


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_jjj_air_export_writes_any_span(two_years: People, tmp_path: Path, cli_env: None) -> None:
    runner = CliRunner()
    span = ["--station", "1001A", "--from", "2014-06-01", "--to", "2016-12-31"]
    out = tmp_path / "hourly.csv"
    result = runner.invoke(cli_app, ["air", "export", *span, "--kind", "hourly", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(out.read_text())))) == 48
    parquet = tmp_path / "raw.parquet"
    result = runner.invoke(
        cli_app,
        ["air", "export", *span, "--kind", "raw", "--file-format", "parquet", "-o", str(parquet)],
    )
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(parquet)["pm2_5"].to_list() == [80.0] * 48
    to_stdout = runner.invoke(cli_app, ["air", "export", *span, "--kind", "monthly"])
    assert to_stdout.exit_code == 0
    months = list(csv.DictReader(io.StringIO(to_stdout.output)))
    assert [(m["year"], m["month"], m["days_pm2_5"]) for m in months] == [
        ("2015", "1", "1"),
        ("2016", "3", "1"),
    ]
    bad = runner.invoke(cli_app, ["air", "export", *span, "--kind", "weekly"])
    assert bad.exit_code != 0 and "kind" in bad.output
    unknown = runner.invoke(cli_app, ["air", "export", "--station", "NOPE"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
