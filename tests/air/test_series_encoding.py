"""The series endpoints encode their frame with polars: the same JSON value, type for type, as
the row-by-row encoding they replaced (kept here as the reference)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import kernels, service
from jingjinji.air.formats import level_info
from jingjinji.air.router import series_response
from jingjinji.air.schemas import SeriesOut
from tests.air.support import day_hours, post
from tests.conftest import People

DAY = dt.date(2016, 12, 20)
PATHS = {"station": "stations", "city": "cities"}


def reference_items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The encoding the series endpoints had: a dict per row, dates by ``isoformat()``."""
    out = []
    for row in frame.iter_rows(named=True):
        item = {
            k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
            for k, v in row.items()
        }
        if "level" in item:
            item.update(level_info(int(item["level"] or 0)))
        out.append(item)
    return out


def reference_json(series: service.Series) -> Any:
    """What FastAPI answered for ``response_model=SeriesOut``: validated, then serialised."""
    out = SeriesOut(
        scope=series.scope,
        code=series.code,
        start=series.start,
        end=series.end,
        standard=series.standard,
        items=reference_items(series.frame),
    )
    return json.loads(out.model_dump_json())


def typed(value: Any) -> Any:
    """A JSON value with each scalar's type attached (so that 1 and 1.0 differ)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def assert_same(series: service.Series, body: bytes | memoryview) -> None:
    assert typed(json.loads(bytes(body))) == typed(reference_json(series))


def series_of(frame: pl.DataFrame, standard: str | None = None) -> service.Series:
    return service.Series("station", "1001A", DAY, DAY, standard, frame)


def test_synthetic_frames_encode_alike() -> None:
    utc = dt.UTC
    cst = ZoneInfo("Asia/Shanghai")
    frame = pl.DataFrame(
        {
            "ts": [
                dt.datetime(2016, 12, 20, 0, tzinfo=utc),
                dt.datetime(2016, 12, 20, 1, 0, 0, 123456, tzinfo=utc),
                None,
                dt.datetime(2016, 12, 20, 3, 0, 0, 500, tzinfo=utc),
                dt.datetime(2016, 12, 20, 4, tzinfo=utc),
                dt.datetime(2016, 12, 20, 5, tzinfo=utc),
                dt.datetime(2016, 12, 20, 6, tzinfo=utc),
                dt.datetime(2016, 12, 20, 7, tzinfo=utc),
                dt.datetime(2016, 12, 20, 8, tzinfo=utc),
            ],
            "date": [DAY, DAY, None, DAY, DAY, DAY, DAY, DAY, dt.date(1999, 1, 2)],
            "pm2_5": [
                1.0,
                None,
                float("nan"),
                float("inf"),
                -float("inf"),
                0.1 + 0.2,
                1e-7,
                1e20,
                -0.0,
            ],
            "aqi": [None, 0, 51, 101, 151, 201, 301, 500, 12],
            "level": [None, 0, 1, 2, 3, 4, 5, 6, 1],
            "primary_pollutants": [None, "", "PM2.5;O3_8h", 'a"b\\c', "优", None, "x", "y", "z"],
            "stations": [None, 1, 2, 3, 4, 5, 6, 7, 8],
        },
        schema_overrides={"level": pl.Int8, "ts": pl.Datetime("us", "UTC")},
    )
    local = frame.with_columns(pl.col("ts").dt.convert_time_zone("Asia/Shanghai"))
    naive = frame.with_columns(pl.col("ts").dt.replace_time_zone(None))
    assert local["ts"][0].tzinfo == cst
    for f in (frame, local, naive, frame.drop("level"), frame.head(0), frame.drop("level").head(0)):
        for standard in (None, *kernels.STANDARDS):
            assert_same(series_of(f, standard), series_response(series_of(f, standard)).body)


@pytest.fixture
def observed(client: TestClient, session_factory: sessionmaker[Session], air: People) -> People:
    """Two Beijing stations over two days: one full, one with hours and pollutants missing
    (nulls, invalid daily values, hours without an AQI)."""
    bj = air.headers(session_factory, "bj-env")
    for day in (DAY, DAY + dt.timedelta(days=1)):
        for station, pm in (("1001A", 180.0), ("1003A", 33.3)):
            rows = day_hours(station, day, pm2_5=pm, pm10=pm * 1.5, so2=10.0, no2=41.7, co=1.2)
            if day != DAY:
                rows = [dict(r, o3=55.5) for r in rows[:9]]
                for r in rows[3:6]:
                    del r["pm2_5"]
            r = post(client, bj, rows)
            assert r.status_code == 200, r.text
    return air


@pytest.mark.parametrize("scope,code", [("station", "1001A"), ("city", "110000")])
@pytest.mark.parametrize("kind", ["daily", "hourly"])
@pytest.mark.parametrize("standard", [None, *kernels.STANDARDS])
@pytest.mark.parametrize(
    "start,end", [(DAY, DAY + dt.timedelta(days=2)), (dt.date(2015, 1, 1), dt.date(2015, 1, 3))]
)
def test_series_endpoints_answer_as_before(
    client: TestClient,
    session_factory: sessionmaker[Session],
    observed: People,
    scope: service.Scope,
    code: str,
    kind: service.Kind,
    standard: str | None,
    start: dt.date,
    end: dt.date,
) -> None:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if standard is not None:
        params["standard"] = standard
    r = client.get(f"/api/v1/air/{PATHS[scope]}/{code}/{kind}", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    with session_factory() as session:
        series = service.series(
            session, kind=kind, scope=scope, code=code, start=start, end=end, standard=standard
        )
    assert_same(series, r.content)
    items = r.json()["items"]
    if start != DAY:
        assert items == []
    elif kind == "daily":  # the second day has too few hours: no daily values, level 0
        assert items[-1]["level"] == 0 and items[-1]["aqi"] is None
    else:
        assert items
