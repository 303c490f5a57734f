"""Series, ranking, latest values, export and the catalog grant on raw hourly data."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import datasets, kernels, service
from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import AccessRequestIn, DecisionIn
from jingjinji.timezone import china_today
from tests.air.support import day_hours, post
from tests.conftest import People

DAY = dt.date(2016, 12, 20)


@pytest.fixture
def data(client: TestClient, session_factory: sessionmaker[Session], air: People) -> People:
    """Two Beijing stations and one Shijiazhuang station, two full days each (24 hours of
    constant values; Beijing 100 ug/m3 more PM on the first day)."""
    bj = air.headers(session_factory, "bj-env")
    he = air.headers(session_factory, "he-env")
    for day in (DAY, DAY + dt.timedelta(days=1)):
        extra = 100.0 if day == DAY else 0.0
        for station, headers, pm in (
            ("1001A", bj, 200.0 + extra),
            ("1003A", bj, 300.0 + extra),
            ("1029A", he, 70.0),
        ):
            rows = day_hours(
                station,
                day,
                pm2_5=pm,
                pm10=pm,
                so2=10.0,
                no2=40.0,
                co=1.0,
                o3=50.0,
                temp=-2.0,
                pres=1020.0,
                wspm=1.5,
            )
            r = post(client, headers, rows)
            assert r.status_code == 200, r.text
    return air


def test_station_and_city_daily_series(client: TestClient, data: People) -> None:
    r = client.get(
        "/api/v1/air/stations/1001A/daily", params={"start": DAY.isoformat(), "end": "2016-12-21"}
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["date"] for i in items] == ["2016-12-20", "2016-12-21"]
    assert items[0]["pm2_5"] == pytest.approx(300.0) and items[0]["temp_mean"] == -2.0
    expected = kernels.compute_aqi(
        {
            "pm2_5": [300.0],
            "pm10": [300.0],
            "so2": [10.0],
            "no2": [40.0],
            "co": [1.0],
            "o3_1h": [50.0],
            "o3_8h": [50.0],
        },
        standard="hj633-2012",
        report="daily",
    )
    assert items[0]["aqi"] == int(expected.aqi[0]) and items[0]["level"] == 6
    city = client.get(
        "/api/v1/air/cities/110000/daily", params={"start": DAY.isoformat(), "end": DAY.isoformat()}
    ).json()
    row = city["items"][0]
    # City mean first (300 and 400 -> 350 PM2.5), then the IAQI.
    assert row["pm2_5"] == pytest.approx(350.0) and row["stations"] == 2
    city_aqi = kernels.compute_aqi(
        {
            "pm2_5": [350.0],
            "pm10": [350.0],
            "so2": [10.0],
            "no2": [40.0],
            "co": [1.0],
            "o3_1h": [50.0],
            "o3_8h": [50.0],
        },
        standard="hj633-2012",
        report="daily",
    )
    assert row["aqi"] == int(city_aqi.aqi[0])
    assert row["primary_pollutants"] == city_aqi.primary[0]
    # Explicit standard override: 2026 breakpoints for the same concentrations.
    new = client.get(
        "/api/v1/air/cities/130100/daily",
        params={"start": DAY.isoformat(), "end": DAY.isoformat(), "standard": "hj633-2026"},
    ).json()["items"][0]
    old = client.get(
        "/api/v1/air/cities/130100/daily", params={"start": DAY.isoformat(), "end": DAY.isoformat()}
    ).json()["items"][0]
    # PM2.5 70: IAQI 94 by HJ 633-2012, 110 by HJ 633-2026 (its 24h level II is 60).
    assert (old["aqi"], new["aqi"]) == (94, 110)


def test_city_daily_frame_contract(session: Session, data: People) -> None:
    frame = service.city_daily_frame(
        session, city_code="110000", start=DAY, end=DAY + dt.timedelta(days=1)
    )
    for column in (
        "date",
        "pm2_5",
        "pm10",
        "so2",
        "no2",
        "co",
        "o3_1h",
        "o3_8h",
        "aqi",
        "level",
        "primary_pollutants",
        "temp_mean",
        "temp_min",
        "temp_max",
        "pres_mean",
        "dewp_mean",
        "rain_sum",
        "wspm_mean",
    ):
        assert column in frame.columns, column
    assert frame.height == 2 and frame["date"].to_list() == [DAY, DAY + dt.timedelta(days=1)]
    assert frame["pres_mean"].to_list() == [1020.0, 1020.0]
    assert frame["dewp_mean"].to_list() == [None, None]  # never observed
    assert service.cities_with_data(session) == ["110000", "130100"]
    with pytest.raises(Exception, match="no air monitoring city"):
        service.city_daily_frame(session, city_code="999999", start=DAY, end=DAY)


def test_hourly_series_and_latest(client: TestClient, data: People) -> None:
    r = client.get(
        "/api/v1/air/stations/1001A/hourly",
        params={"start": DAY.isoformat(), "end": DAY.isoformat()},
    )
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 24 and items[0]["ts"] == "2016-12-19T16:00:00+00:00"
    # HJ 633-2012 hourly: PM uses the 24h moving average (20 valid hours needed).
    assert items[0]["aqi"] is not None  # CO/NO2/SO2/O3 1h values are there
    city = client.get(
        "/api/v1/air/cities/110000/hourly",
        params={"start": DAY.isoformat(), "end": DAY.isoformat()},
    ).json()
    assert len(city["items"]) == 24 and city["items"][0]["stations"] == 2
    too_long = client.get(
        "/api/v1/air/cities/110000/hourly", params={"start": "2016-01-01", "end": "2016-12-31"}
    )
    assert too_long.status_code == 422
    latest = {v["station_code"]: v for v in client.get("/api/v1/air/latest").json()}
    assert len(latest) == 135
    assert latest["1001A"]["ts"] == "2016-12-21T15:00:00Z"
    assert latest["1001A"]["level"] >= 1 and latest["1001A"]["colour"].startswith("#")
    assert latest["1050A"]["ts"] is None and latest["1050A"]["level"] == 0


def test_city_ranking_best_first(client: TestClient, data: People) -> None:
    body = client.get("/api/v1/air/ranking", params={"date": DAY.isoformat()}).json()
    assert [i["city_code"] for i in body["items"]] == ["130100", "110000"]
    assert [i["rank"] for i in body["items"]] == [1, 2]
    assert body["items"][0]["aqi"] < body["items"][1]["aqi"]
    assert body["items"][0]["name_en"] == "Shijiazhuang"
    empty = client.get("/api/v1/air/ranking", params={"date": "2001-01-01"}).json()
    assert empty["items"] == []
    assert client.get("/api/v1/air/ranking", params={"date": "2016-02-30"}).status_code == 422
    assert client.get("/api/v1/air/ranking", params={"standard": "x"}).status_code == 422


def test_city_compliance_report(client: TestClient, data: People) -> None:
    r = client.get("/api/v1/air/cities/110000/compliance", params={"year": 2016})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["city_code"], body["year"], body["days"]) == ("110000", 2016, 2)
    assert list(body["level_days"]) == [str(level) for level in range(7)]
    assert sum(body["level_days"].values()) == 2
    assert set(body["standards"]) == {"gb3095-2012", "gb3095-2026", "gb3095-2026-2031"}
    rows = {row["indicator"]: row for row in body["standards"]["gb3095-2012"]}
    annual = rows["pm2_5_annual"]
    # Two days are far from the 324 valid days an annual statistic needs.
    assert annual["valid_days"] == 2 and annual["passed"] is None and annual["value"] is None
    assert "valid daily values" in annual["reason"]
    exceeded = rows["pm2_5_exceedance_days"]
    assert exceeded["statistic"] == "exceedance_days" and exceeded["value"] == 2.0
    assert client.get("/api/v1/air/cities/110000/compliance?year=1989").status_code == 422
    assert client.get("/api/v1/air/cities/999999/compliance?year=2016").status_code == 404


def test_export_csv_and_parquet_read_back(client: TestClient, data: People) -> None:
    params = {
        "city": "110000",
        "kind": "daily",
        "start": DAY.isoformat(),
        "end": (DAY + dt.timedelta(days=1)).isoformat(),
    }
    csv_r = client.get("/api/v1/air/export", params={**params, "format": "csv"})
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_r.headers["content-disposition"]
    from_csv = pl.read_csv(io.BytesIO(csv_r.content))
    pq = client.get("/api/v1/air/export", params={**params, "format": "parquet"})
    assert pq.status_code == 200
    from_parquet = pl.read_parquet(io.BytesIO(pq.content))
    assert from_csv.height == from_parquet.height == 2
    assert from_parquet["aqi"].to_list() == from_csv["aqi"].to_list()
    assert from_parquet["pm2_5"].to_list() == pytest.approx([350.0, 250.0])
    hourly = pl.read_parquet(
        io.BytesIO(
            client.get(
                "/api/v1/air/export",
                params={
                    "station": "1001A",
                    "kind": "hourly",
                    "start": DAY.isoformat(),
                    "end": DAY.isoformat(),
                    "format": "parquet",
                },
            ).content
        )
    )
    assert hourly.height == 24 and "aqi" in hourly.columns and "pm2_5" not in hourly.columns
    assert client.get("/api/v1/air/export", params={"kind": "daily"}).status_code == 422
    assert (
        client.get("/api/v1/air/export", params={"city": "110000", "kind": "raw"}).status_code
        == 422
    )


def _grant(
    session_factory: sessionmaker[Session], air: People, requester: str, fields: list[str]
) -> None:
    with session_factory() as session:
        request = catalog.create_access_request(
            session,
            actor=air[requester],
            data=AccessRequestIn(
                dataset_code=datasets.dataset_code("110000", "HOURLY-RAW"),
                purpose="joint analysis",
                fields=fields,
                period_start=china_today() - dt.timedelta(days=1),
                period_end=china_today() + dt.timedelta(days=30),
            ),
        )
        catalog.decide_access_request(
            session, actor=air["bj-env"], request_id=request.id, data=DecisionIn(decision="approve")
        )
        session.commit()


def test_raw_hourly_needs_the_catalog_grant(
    client: TestClient, session_factory: sessionmaker[Session], data: People
) -> None:
    url = "/api/v1/air/stations/1001A/observations"
    params: dict[str, str | int] = {"start": DAY.isoformat(), "end": DAY.isoformat(), "limit": 10}
    owner = client.get(url, params=params, headers=data.headers(session_factory, "bj-env"))
    assert owner.status_code == 200, owner.text
    body = owner.json()
    assert len(body["items"]) == 10 and body["next_cursor"]
    assert body["items"][0]["pm2_5"] == 300.0 and "temp" in body["fields"]
    second = client.get(
        url,
        params={**params, "cursor": body["next_cursor"]},
        headers=data.headers(session_factory, "bj-env"),
    ).json()
    assert second["items"][0]["ts"] > body["items"][-1]["ts"]
    assert client.get(url, params=params).status_code == 401
    analyst = data.headers(session_factory, "tj-analyst")
    denied = client.get(url, params=params, headers=analyst)
    assert denied.status_code == 403
    assert {e["loc"][-1] for e in denied.json()["errors"]} >= {"pm2_5", "co"}
    _grant(session_factory, data, "tj-analyst", ["ts", "station_code", "pm2_5"])
    granted = client.get(url, params=params, headers=analyst)
    assert granted.status_code == 200, granted.text
    got = granted.json()
    assert got["fields"] == ["ts", "pm2_5"]
    assert set(got["items"][0]) == {"ts", "pm2_5"}
    assert "co" in {w["field"] for w in got["withheld_fields"]}
    with session_factory() as session:
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "catalog.records.read",
                AuditEntry.actor_username == "tj-analyst",
            )
        ).all()
        assert len(reads) == 1 and '"station_code":"1001A"' in reads[0].detail_json
    raw_csv = client.get(
        "/api/v1/air/export",
        params={
            "station": "1001A",
            "kind": "raw",
            "start": DAY.isoformat(),
            "end": DAY.isoformat(),
            "format": "csv",
        },
        headers=analyst,
    )
    assert raw_csv.status_code == 200
    assert pl.read_csv(io.BytesIO(raw_csv.content)).columns == ["ts", "pm2_5"]
    # Reads inside the owner's province are not audited as cross-jurisdiction reads.
    client.get(url, params=params, headers=data.headers(session_factory, "bj-analyst"))
    with session_factory() as session:
        assert not session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "catalog.records.read", AuditEntry.actor_username == "bj-env"
            )
        ).all()


def test_air_datasets_in_the_catalog(client: TestClient, data: People) -> None:
    code = datasets.dataset_code("110000", "AQI-DAILY")
    meta = client.get(f"/api/v1/datasets/{code}").json()
    assert meta["open_to_public"] is True and meta["sharing_class"] == "unconditional"
    assert meta["record_source"] == "registered"
    raw = client.get(
        f"/api/v1/datasets/{datasets.dataset_code('130000', 'HOURLY-RAW')}", headers={}
    )
    assert raw.status_code in (200, 401)
    records = client.get(
        f"/api/v1/datasets/{code}/records", params={"station_code": "1001A", "limit": 1}
    )
    assert records.status_code == 200, records.text
    page = records.json()
    assert page["items"][0]["station_code"] == "1001A" and page["items"][0]["aqi"] is not None
    follow = client.get(
        f"/api/v1/datasets/{code}/records",
        params={"station_code": "1001A", "limit": 1, "cursor": page["next_cursor"]},
    ).json()
    assert follow["items"][0]["date"] == "2016-12-21" and follow["next_cursor"] is None
    hourly = client.get(
        f"/api/v1/datasets/{datasets.dataset_code('110000', 'AQI-HOURLY')}/records",
        params={"limit": 5},
    ).json()
    assert len(hourly["items"]) == 5 and "aqi" in hourly["items"][0]
