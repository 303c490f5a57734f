"""Each station's latest hour (/api/v1/air/latest): one set-based read whatever the number of
stations, and the same answer as a plain per-station computation (the reference below reads each
station's rows on its own and works the moving averages out by hand)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import ingest, kernels, service
from jingjinji.air.models import Observation
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.timezone import CHINA_TZ
from tests.conftest import People
from tests.statements import count_request

HOUR = dt.timedelta(hours=1)
POLLUTANTS = ("pm2_5", "pm10", "so2", "no2", "co", "o3")


def _hours(
    station: str, last: dt.datetime, count: int, *, seed: int, skip: set[int] | None = None
) -> list[dict[str, Any]]:
    """``count`` hourly rows of a station ending at ``last`` (rows in ``skip`` absent), with
    values that vary by hour; every fifth hour lacks PM2.5 and every seventh O3."""
    rows = []
    for back in range(count):
        if skip and back in skip:
            continue
        ts = last - back * HOUR
        row: dict[str, Any] = {
            "station_code": station,
            "ts": ts.isoformat(),
            "pm2_5": None if back % 5 == 4 else 40.0 + (seed * 37 + back * 11) % 230,
            "pm10": 60.0 + (seed * 13 + back * 7) % 300,
            "so2": 5.0 + (seed + back) % 40,
            "no2": 20.0 + (seed * 3 + back * 5) % 150,
            "co": 0.4 + ((seed + back) % 30) / 10,
            "o3": None if back % 7 == 6 else 10.0 + (seed * 17 + back * 23) % 260,
            "temp": -3.0 + back % 5,
            "wd": "NW",
        }
        rows.append(row)
    return rows


def _store(factory: sessionmaker[Session], rows: list[dict[str, Any]]) -> None:
    with factory() as session:
        ingest.ingest(
            session, actor=SYSTEM_ACTOR, normalised=ingest.normalise_records(rows), channel="api"
        )
        session.commit()


def _data(stations: list[str]) -> list[dict[str, Any]]:
    """Windows of every shape: full days, short series, gaps, different latest hours, and one
    station in HJ 633-2026's time (from 2026-03-01)."""
    base = dt.datetime(2016, 12, 21, 5, tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []
    for i, code in enumerate(stations):
        shape = i % 4
        if shape == 0:  # two full days
            rows += _hours(code, base, 48, seed=i)
        elif shape == 1:  # ten hours only, ending earlier: no valid 24h means
            rows += _hours(code, base - (i + 3) * HOUR, 10, seed=i)
        elif shape == 2:  # a day and a half with missing hours inside the last 24
            rows += _hours(code, base - HOUR, 36, seed=i, skip={2, 3, 9, 17})
        else:  # after the switch to HJ 633-2026
            rows += _hours(code, dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC), 30, seed=i)
    return rows


def _window_mean(values: dict[dt.datetime, float | None], last: dt.datetime, hours: int) -> float:
    """Mean of the valid values of the ``hours`` clock hours ending with ``last``; NaN unless
    GB 3095's minimum count is met (8h: 6, 24h: 20)."""
    got = [values.get(last - k * HOUR) for k in range(hours)]
    valid = [v for v in got if v is not None and v >= 0]
    need = 6 if hours == 8 else 20
    return sum(valid) / len(valid) if len(valid) >= need else math.nan


def _reference(session: Session, standard: str | None) -> dict[str, dict[str, Any]]:
    """Per station, on its own: the latest row, its moving averages, the kernel's AQI."""
    out: dict[str, dict[str, Any]] = {}
    for station in service.list_stations(session):
        rows = list(
            session.scalars(
                select(Observation)
                .where(Observation.station_code == station.code)
                .order_by(Observation.ts)
            )
        )
        if not rows:
            out[station.code] = {"ts": None, "aqi": None, "level": 0, "primary": None}
            continue
        last = rows[-1]
        by_hour = {c: {r.ts: getattr(r, c) for r in rows} for c in POLLUTANTS}

        def now(column: str, last: Observation = last) -> float:
            value = getattr(last, column)
            return math.nan if value is None else float(value)

        columns = {
            "pm2_5": [now("pm2_5")],
            "pm10": [now("pm10")],
            "so2": [now("so2")],
            "no2": [now("no2")],
            "co": [now("co")],
            "o3_1h": [now("o3")],
            "o3_8h": [_window_mean(by_hour["o3"], last.ts, 8)],
            "pm2_5_24h": [_window_mean(by_hour["pm2_5"], last.ts, 24)],
            "pm10_24h": [_window_mean(by_hour["pm10"], last.ts, 24)],
            "so2_24h": [_window_mean(by_hour["so2"], last.ts, 24)],
        }
        if standard is None:
            day = np.array([last.ts.astimezone(CHINA_TZ).date()], dtype="datetime64[D]")
            result = kernels.compute_aqi_by_date(columns, days=day, report="hourly")
        else:
            result = kernels.compute_aqi(columns, standard=standard, report="hourly")  # type: ignore[arg-type]
        aqi = float(result.aqi[0])
        out[station.code] = {
            "ts": last.ts,
            "aqi": None if math.isnan(aqi) else round(aqi),
            "level": int(result.level[0]),
            "primary": result.primary[0] or None,
        }
    return out


@pytest.mark.parametrize("standard", [None, "hj633-2012", "hj633-2026"])
def test_latest_equals_the_per_station_reference(
    client: TestClient,
    session_factory: sessionmaker[Session],
    air: People,
    standard: str | None,
) -> None:
    with session_factory() as session:
        codes = [s.code for s in service.list_stations(session)][:24]
    _store(session_factory, _data(codes))
    params = {"standard": standard} if standard else {}
    body = client.get("/api/v1/air/latest", params=params).json()
    with session_factory() as session:
        expected = _reference(session, standard)
    assert len(body) == len(expected) == 135
    got = {
        item["station_code"]: {
            "ts": dt.datetime.fromisoformat(item["ts"]) if item["ts"] else None,
            "aqi": item["aqi"],
            "level": item["level"],
            "primary": item["primary_pollutants"],
        }
        for item in body
    }
    assert got == expected
    assert sum(1 for v in expected.values() if v["ts"] is not None) == 24
    levels = {v["level"] for v in expected.values()}
    assert 0 in levels and len(levels) >= 4, levels  # stations without data, several levels


def test_latest_reads_all_stations_in_constant_statements(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    with session_factory() as session:
        codes = [s.code for s in service.list_stations(session)]
    counts = []
    for stations in (codes[:4], codes[4:40]):  # 4 stations with data, then 40
        _store(session_factory, _data(stations))
        for url in ("/api/v1/air/latest", "/api/v1/air/latest?jurisdiction=110000"):
            counted = count_request(client, url)
            assert counted.response.status_code == 200
            counts.append(counted.count)
    assert counts[:2] == counts[2:], counts
    # the stations, then one read of every station's window; the filter checks the code
    assert counts[:2] == [2, 3], counts
