"""The hourly city ranking of the public air page (issue 15): the default hour is the latest at
which half the reporting stations have PM2.5 (a few later station-hours do not move it), cities
are ranked by hourly AQI with the HJ 633 advice of their level, cities without an AQI last;
``GET /api/v1/air/ranking/hourly`` serves it, ``GET /api/v1/air/levels`` the advice table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import kernels, service
from tests.air.hourly_support import (
    CST,
    DAYS,
    LAST_FULL_HOUR,
    LATER,
    hourly_rows,
    load_three_cities,
    store,
)
from tests.conftest import People


@pytest.fixture
def loaded(session_factory: sessionmaker[Session], air: People) -> sessionmaker[Session]:
    load_three_cities(session_factory)
    return session_factory


def test_default_hour_is_the_latest_with_enough_stations(
    loaded: sessionmaker[Session], client: TestClient
) -> None:
    with loaded() as session:
        assert service.latest_hour(session) == LAST_FULL_HOUR
    body = client.get("/api/v1/air/ranking/hourly").json()
    assert dt.datetime.fromisoformat(body["hour"]) == LAST_FULL_HOUR
    assert body["standard"] is None


def test_a_later_hour_with_half_the_stations_moves_the_default(
    loaded: sessionmaker[Session], client: TestClient
) -> None:
    # three of the six stations report the first five hours of a later day: half of them
    rows: list[dict[str, Any]] = []
    for station in ("1015A", "1002A", "1029A"):
        rows += hourly_rows(station, LATER, range(5), pm2_5=50.0, pm10=50.0)
    store(loaded, rows)
    body = client.get("/api/v1/air/ranking/hourly").json()
    assert dt.datetime.fromisoformat(body["hour"]) == dt.datetime(2017, 1, 1, 4, tzinfo=CST)
    assert sorted(i["city_code"] for i in body["items"]) == ["110000", "120000", "130100"]


def test_cities_ranked_best_first_with_their_advice(
    loaded: sessionmaker[Session], client: TestClient
) -> None:
    body = client.get("/api/v1/air/ranking/hourly").json()
    items = body["items"]
    assert [i["city_code"] for i in items] == ["120000", "110000", "130100"]
    assert [i["rank"] for i in items] == [1, 2, 3]
    # constant PM2.5 20, 100, 200 ug/m3 -> 24 h means the same -> HJ 633-2012 IAQI
    # ceil(50/35*20) = 29, ceil(100 + 50*25/40) = 132, 200 + 100*50/100 = 250
    assert [i["aqi"] for i in items] == [29, 132, 250]
    assert [i["level"] for i in items] == [1, 3, 5]
    tianjin, beijing, shijiazhuang = items
    assert beijing["name_zh"] == "北京市" and beijing["stations"] == 2
    assert beijing["category_zh"] == "轻度污染" and beijing["colour"] == "#FF7E00"
    assert beijing["primary_pollutants"] == "pm2_5_24h"  # the 24 h moving average (2012)
    assert tianjin["primary_pollutants"] is None  # AQI <= 50: no primary pollutant
    for item in items:
        advice = kernels.HEALTH_ADVICE[item["level"]]
        assert item["advice"]["measures_en"] == advice.measures_en
        assert item["advice"]["effects_zh"] == advice.effects_zh
    assert "stay indoors" in shijiazhuang["advice"]["measures_en"]


def test_a_city_without_an_aqi_that_hour_comes_last(
    loaded: sessionmaker[Session], client: TestClient
) -> None:
    # Tangshan reports weather only at the hour: it has a row but no AQI
    store(loaded, hourly_rows("1037A", DAYS[-1], range(23, 24), temp=-2.0))
    items = client.get("/api/v1/air/ranking/hourly").json()["items"]
    assert [i["city_code"] for i in items][-1] == "130200"
    last = items[-1]
    assert last["aqi"] is None and last["level"] == 0 and last["advice"] is None
    assert last["rank"] == 4


def test_an_explicit_hour_and_an_hour_without_data(
    loaded: sessionmaker[Session], client: TestClient
) -> None:
    noon = dt.datetime(2016, 12, 19, 12, tzinfo=CST)
    body = client.get("/api/v1/air/ranking/hourly", params={"hour": noon.isoformat()}).json()
    assert dt.datetime.fromisoformat(body["hour"]) == noon and len(body["items"]) == 3
    empty = client.get("/api/v1/air/ranking/hourly", params={"hour": "2015-01-01T08:00+08:00"})
    assert empty.status_code == 200 and empty.json()["items"] == []


@pytest.mark.parametrize(
    ("hour", "reason"),
    [
        ("2016-12-20T08:30+08:00", "beginning of an hour"),
        ("2016-12-20T08:00", "UTC offset"),
        ("1800-01-01T00:00Z", "must lie between"),
        ("yesterday", "ISO 8601"),
    ],
)
def test_a_bad_hour_is_a_422_naming_it(
    air: People, client: TestClient, hour: str, reason: str
) -> None:
    response = client.get("/api/v1/air/ranking/hourly", params={"hour": hour})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["query", "hour"] and reason in errors[0]["msg"]


def test_an_unknown_standard_is_a_422(air: People, client: TestClient) -> None:
    response = client.get("/api/v1/air/ranking/hourly", params={"standard": "hj633-1999"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "standard"]


def test_without_observations_there_is_no_hour(air: People, client: TestClient) -> None:
    assert client.get("/api/v1/air/ranking/hourly").json() == {
        "hour": None,
        "standard": None,
        "items": [],
    }


def test_levels_endpoint_serves_the_advice_table(air: People, client: TestClient) -> None:
    levels = client.get("/api/v1/air/levels").json()
    assert [lv["level"] for lv in levels] == [1, 2, 3, 4, 5, 6]
    assert [(lv["aqi_min"], lv["aqi_max"]) for lv in levels] == [
        (0, 50),
        (51, 100),
        (101, 150),
        (151, 200),
        (201, 300),
        (301, None),
    ]
    assert levels[0]["category_zh"] == "优" and levels[0]["colour"] == "#00E400"
    assert levels[5]["roman"] == "VI"
    assert levels[5]["advice"]["measures_zh"] == kernels.HEALTH_ADVICE[6].measures_zh
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/air/ranking/hourly" in schema["paths"]
    assert "/api/v1/air/levels" in schema["paths"]
