"""Defaults end on the latest complete day: a few station-hours uploaded for a later date do not
move the ranking day, the city and station page windows, the series APIs nor the compliance year;
a later day on which at least half the reporting stations have a valid daily value does. A
window without data says so and links to the latest complete day (issue 15, defect 3)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import ingest
from jingjinji.security import SYSTEM_ACTOR
from tests.conftest import People

STATIONS = ("1001A", "1002A", "1003A", "1004A")  # Beijing
FULL_DAYS = (dt.date(2016, 12, 18), dt.date(2016, 12, 19), dt.date(2016, 12, 20))
LAST_FULL = FULL_DAYS[-1]
SPARSE_DAY = dt.date(2017, 1, 1)  # a new year too: the compliance default must not follow it
CST = dt.timezone(dt.timedelta(hours=8))


def _hours(station: str, day: dt.date, hours: range, *, seed: int) -> list[dict[str, Any]]:
    """Hourly rows of one station and local day, varying like a winter day in Beijing."""
    rows = []
    for h in hours:
        base = 60.0 + (seed * 29 + h * 13 + day.day * 7) % 180
        rows.append(
            {
                "station_code": station,
                "ts": dt.datetime.combine(day, dt.time(h), CST).isoformat(),
                "pm2_5": base,
                "pm10": base * 1.3,
                "so2": 8.0 + (seed + h) % 20,
                "no2": 40.0 + (seed * 3 + h * 5) % 60,
                "co": 1.0 + ((seed + h) % 15) / 10,
                "o3": 10.0 + (seed * 17 + h * 23) % 60,
                "temp": -3.0 + h % 6,
                "wd": "NW",
            }
        )
    return rows


def _store(factory: sessionmaker[Session], rows: list[dict[str, Any]]) -> None:
    """Through the ingest service, as an upload stores them (daily cache recomputed)."""
    with factory() as session:
        ingest.ingest(
            session, actor=SYSTEM_ACTOR, normalised=ingest.normalise_records(rows), channel="api"
        )
        session.commit()


@pytest.fixture
def loaded(session_factory: sessionmaker[Session], air: People) -> sessionmaker[Session]:
    """Three full days of four Beijing stations, then 3 station-hours of one station later."""
    rows = []
    for seed, station in enumerate(STATIONS):
        for day in FULL_DAYS:
            rows += _hours(station, day, range(24), seed=seed)
    _store(session_factory, rows)
    _store(session_factory, _hours("1001A", SPARSE_DAY, range(3), seed=0))
    return session_factory


def _window_end(html: str) -> str:
    match = re.search(r'<input type="date" name="end" value="([0-9-]+)"', html)
    assert match, "no end date in the range form of the page"
    return match.group(1)


def _defaults(client: TestClient) -> dict[str, str]:
    """Every default the air pages and APIs choose, as ISO dates (years as strings)."""
    ranking = client.get("/api/v1/air/ranking").json()
    overview = client.get("/air", headers={"Accept-Language": "en"}).text
    heading = re.search(r"City ranking · ([0-9-]+)", overview)
    compliance = client.get("/air/cities/110000/compliance").text
    year = re.search(r'<option value="([0-9]+)" selected>', compliance)
    return {
        "ranking api": ranking["date"],
        "overview": heading.group(1) if heading else "none",
        "city page": _window_end(client.get("/air/cities/110000").text),
        "station page": _window_end(client.get("/air/stations/1001A").text),
        "city daily api": client.get("/api/v1/air/cities/110000/daily").json()["end"],
        "station daily api": client.get("/api/v1/air/stations/1001A/daily").json()["end"],
        "compliance year": year.group(1) if year else "none",
    }


def test_sparse_upload_does_not_move_the_defaults(
    client: TestClient, loaded: sessionmaker[Session]
) -> None:
    day = LAST_FULL.isoformat()
    assert _defaults(client) == {
        "ranking api": day,
        "overview": day,
        "city page": day,
        "station page": day,
        "city daily api": day,
        "station daily api": day,
        "compliance year": str(LAST_FULL.year),
    }
    beijing = client.get("/api/v1/air/ranking").json()["items"]
    assert [(i["city_code"], i["stations"]) for i in beijing] == [("110000", 4)]
    assert beijing[0]["aqi"] is not None
    # the sparse day itself is still there for whoever asks for it
    assert client.get(f"/api/v1/air/ranking?date={SPARSE_DAY}").json()["date"] == str(SPARSE_DAY)


def test_a_later_day_with_enough_stations_moves_the_defaults(
    client: TestClient, loaded: sessionmaker[Session]
) -> None:
    complete = dt.date(2017, 1, 2)
    rows = []
    for seed, station in enumerate(STATIONS[:2]):  # half of the four reporting stations
        rows += _hours(station, complete, range(24), seed=seed)
    rows += _hours("1003A", complete, range(19), seed=2)  # 19 hours: no valid daily value
    rows += _hours("1002A", complete + dt.timedelta(days=1), range(4), seed=1)  # sparse again
    _store(loaded, rows)
    day = complete.isoformat()
    assert _defaults(client) == {
        "ranking api": day,
        "overview": day,
        "city page": day,
        "station page": day,
        "city daily api": day,
        "station daily api": day,
        "compliance year": str(complete.year),
    }
    # a station's own default follows its own data: 1003A has no valid day after 2016-12-20
    assert _window_end(client.get("/air/stations/1003A").text) == LAST_FULL.isoformat()
    # explicit parameters still win
    assert client.get(f"/api/v1/air/ranking?date={SPARSE_DAY}").json()["date"] == str(SPARSE_DAY)
    assert _window_end(client.get("/air/cities/110000?end=2016-12-19").text) == "2016-12-19"


@pytest.mark.parametrize(
    ("lang", "empty", "latest"),
    [
        ("en", "No daily data from 2016-06-01 to 2016-06-30.", "The latest day with enough data"),
        ("zh-CN", "2016-06-01 至 2016-06-30 没有日数据。", "数据充足的最近一天是"),
    ],
)
def test_an_empty_window_says_why_and_links_to_the_latest_day(
    client: TestClient, loaded: sessionmaker[Session], lang: str, empty: str, latest: str
) -> None:
    headers = {"Accept-Language": lang}
    link = f'href="?end={LAST_FULL}" data-testid="latest-day-link"'
    for url in ("/air/cities/110000", "/air/stations/1001A"):
        page = client.get(f"{url}?start=2016-06-01&end=2016-06-30", headers=headers).text
        assert 'data-testid="empty-window"' in page, url
        assert empty in page and latest in page and link in page, url
        # the default window has data: no such message
        assert 'data-testid="empty-window"' not in client.get(url, headers=headers).text, url
    overview = client.get("/air?date=2016-06-01", headers=headers).text
    assert f'href="?date={LAST_FULL}" data-testid="latest-day-link"' in overview
    assert latest in overview
