"""Station registry: package data, city mapping, owners, API filters."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.air import service
from jingjinji.air.models import Station
from tests.conftest import People


def test_registry_loads_every_station_with_its_city_and_owner(
    session: Session, air: People
) -> None:
    stations = {s.code: s for s in session.scalars(select(Station))}
    assert len(stations) == 135
    assert sum(s.status == "stopped" for s in stations.values()) == 9
    assert stations["1013A"].status == "stopped"  # 市监测中心(停运150702)
    assert stations["1001A"].status == "active"
    # Every city of the list maps to its GB/T 2260 code; 14 cities including Xiong'an.
    assert {s.city_code for s in stations.values()} == set(service.CITY_CODES.values())
    assert len(service.CITY_CODES) == 14
    by_city: dict[str, int] = {}
    for s in stations.values():
        by_city[s.city_code] = by_city.get(s.city_code, 0) + 1
    assert by_city["110000"] == 24 and by_city["120000"] == 27 and by_city["133100"] == 6
    # Owners: the provincial environment agency (Xiong'an belongs to Hebei).
    orgs = air.organisations
    assert stations["1001A"].organisation_id == orgs["bj_env"]
    assert stations["1013A"].organisation_id == orgs["tj_env"]
    xiongan = [s for s in stations.values() if s.city_code == "133100"]
    assert {s.organisation_id for s in xiongan} == {orgs["he_env"]}
    assert {s.province_code for s in xiongan} == {"130000"}
    # English names: UCI names for the 12 Beijing stations, the code elsewhere.
    assert stations["1001A"].name_en == "Wanshouxigong"
    assert stations["1011A"].name_en == "Aotizhongxin" and stations["1011A"].uci_name
    assert stations["1050A"].name_en == "1050A"
    assert sum(s.uci_name is not None for s in stations.values()) == 12


def test_loading_twice_is_idempotent(session: Session, air: People) -> None:
    assert service.load_stations(session) == 135
    session.commit()
    assert len(session.scalars(select(Station)).all()) == 135


def test_station_filters(client: TestClient, air: People) -> None:
    beijing = client.get(
        "/api/v1/air/stations", params={"jurisdiction": "110000", "limit": 1000}
    ).json()
    assert len(beijing["items"]) == 24
    assert {s["province_code"] for s in beijing["items"]} == {"110000"}
    hebei = client.get(
        "/api/v1/air/stations", params={"jurisdiction": "130000", "limit": 1000}
    ).json()["items"]
    assert len(hebei) == 84
    city = client.get("/api/v1/air/stations", params={"city": "130100", "limit": 1000}).json()
    assert len(city["items"]) == 14 and {s["city_code"] for s in city["items"]} == {"130100"}
    box = client.get(
        "/api/v1/air/stations", params={"bbox": "116.3,39.85,116.45,39.95", "limit": 1000}
    ).json()["items"]
    codes = {s["code"] for s in box}
    assert {"1001A", "1003A", "1004A"} <= codes
    assert all(116.3 <= s["longitude"] <= 116.45 and 39.85 <= s["latitude"] <= 39.95 for s in box)
    assert "1002A" not in codes  # Dingling lies north, outside the box


def test_station_listing_paginates_with_cursor(client: TestClient, air: People) -> None:
    seen: list[str] = []
    url = "/api/v1/air/stations?limit=50"
    cursor = None
    while True:
        body = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [s["code"] for s in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 135 and seen == sorted(seen) and len(set(seen)) == 135


def test_bad_filters_are_4xx_naming_the_field(client: TestClient, air: People) -> None:
    for bbox in ("1,2,3", "a,b,c,d", "117,39,116,40", "116,95,117,96"):
        r = client.get("/api/v1/air/stations", params={"bbox": bbox})
        assert r.status_code == 422, bbox
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["loc"] == ["query", "bbox"]
    r = client.get("/api/v1/air/stations", params={"jurisdiction": "990000"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "jurisdiction"]
    assert client.get("/api/v1/air/stations/9999Z").status_code == 404
    assert client.get("/api/v1/air/stations?cursor=@@@").status_code == 422
