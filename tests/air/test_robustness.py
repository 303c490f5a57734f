"""Odd input is a 4xx with a report, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People

ODD_BATCHES: list[Any] = [
    [{"station_code": 5, "ts": 7, "pm2_5": True, "wd": 3}],
    [{"station_code": ["x"], "ts": {"a": 1}, "co": [1]}],
    [None],
    ["text"],
    [{"station_code": "1001A", "ts": "9999-99-99T00:00:00Z"}],
    [{"station_code": "1001A", "ts": "2016-12-20T08:00:00+08:00", "wd": ""}],
    [{}],
]


@pytest.mark.parametrize("rows", ODD_BATCHES)
def test_odd_json_batches_are_reported(
    client: TestClient, session_factory: sessionmaker[Session], air: People, rows: Any
) -> None:
    r = client.post(
        "/api/v1/air/observations",
        json={"observations": rows},
        headers=air.headers(session_factory, "bj-env"),
    )
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("number", ["1e400", "NaN", "-Infinity"])
def test_non_finite_json_numbers_are_reported(
    client: TestClient, session_factory: sessionmaker[Session], air: People, number: str
) -> None:
    body = (
        '{"observations": [{"station_code": "1001A", "ts": "2016-12-20T08:00:00+08:00", '
        f'"pm2_5": {number}}}]}}'
    )
    r = client.post(
        "/api/v1/air/observations",
        content=body.encode(),
        headers={**air.headers(session_factory, "bj-env"), "content-type": "application/json"},
    )
    assert r.status_code in (400, 422), r.text
    if r.status_code == 422:
        assert r.json()["errors"][0]["msg"] == "not a finite number"


ODD_CSV = [
    b"station_code,ts,pm2_5\n",
    b"station_code,ts,pm2_5\n1001A,2016-12-20T00:00:00Z,1,2,3\n",
    b'"No","year","month","day","hour","PM2.5","station"\n1,2013,2,30,0,5,"Dongsi"\n',
    b'"No","year","month","day","hour","PM2.5","station"\n1,2013,2,28,25,5,"Nowhere"\n',
    b"station_code,ts,pm2_5,pm2_5\n1001A,2016-12-20T00:00:00Z,1,2\n",
    b"\n\n\n",
]


@pytest.mark.parametrize("content", ODD_CSV)
def test_odd_csv_files_are_reported(
    client: TestClient, session_factory: sessionmaker[Session], air: People, content: bytes
) -> None:
    r = client.post(
        "/api/v1/air/observations/csv",
        files={"file": ("odd.csv", content, "text/csv")},
        headers=air.headers(session_factory, "bj-env"),
    )
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


ODD_QUERIES = [
    "/api/v1/air/stations?limit=0",
    "/api/v1/air/stations?limit=abc",
    "/api/v1/air/stations?status=broken",
    "/api/v1/air/stations?bbox=",
    "/api/v1/air/stations?bbox=nan,nan,nan,nan",
    "/api/v1/air/latest?standard=hj633-1999",
    "/api/v1/air/stations/1001A/daily?start=2016-01-01&end=2030-01-01",
    "/api/v1/air/stations/1001A/daily?standard=x",
    "/api/v1/air/stations/1001A/hourly?start=2016-01-01&end=2016-03-01",
    "/api/v1/air/stations/1001A/observations?cursor=bad",
    "/api/v1/air/stations/1001A/observations?cursor=NQ",
    "/api/v1/air/stations/1001A/observations?limit=100000",
    "/api/v1/air/cities/110000/compliance?year=abc",
    "/api/v1/air/cities/110000/compliance?year=12",
    "/api/v1/air/cities/999999/compliance?year=2016",
    "/api/v1/air/export?station=1001A&city=110000",
    "/api/v1/air/export?station=1001A&format=xml",
    "/api/v1/air/export?station=NOPE",
    "/api/v1/air/ranking?date=yesterday",
    "/api/v1/datasets/AIR-110000-AQI-DAILY/records?date=notadate",
    "/api/v1/datasets/AIR-110000-AQI-HOURLY/records?ts=never",
    "/api/v1/datasets/AIR-110000-AQI-HOURLY/records?ts=0001-01-01T00:00:00%2B08:00",
    "/api/v1/datasets/AIR-110000-AQI-DAILY/records?cursor=WyJ4Il0",
]


@pytest.mark.parametrize("url", ODD_QUERIES)
def test_odd_queries_are_4xx(
    client: TestClient, session_factory: sessionmaker[Session], air: People, url: str
) -> None:
    r = client.get(url, headers=air.headers(session_factory, "bj-env"))
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
