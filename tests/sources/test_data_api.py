"""The data API: stored values (through the real loader) paged and filtered, read per policy
(the owner's province, the office, a jurisdiction involved in a case; audited), exported as
CSV and Parquet streamed over any period, and the chart series of an outlet with its limits."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.sources.loader import BatchLoader
from jingjinji.sources.models import Case, CaseJurisdiction, Enterprise
from jingjinji.sources.service import monitoring_grants, values_export
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.loader_support import message
from tests.statements import counting, engine_of

API = "/api/v1/sources"
RECEIVED = dt.datetime(2025, 7, 1, 6, 0, tzinfo=dt.UTC)
HOURS = (10, 11, 12)  # China time, 2025-07-01
Params = dict[str, str | int | None]


def _hourly_wastewater(hour: int) -> str:
    cod, nh3 = 40.0 + hour, 3.0 + hour / 10
    return (
        f"QN=20250701{hour:02d}0500000;ST=32;CN=2061;PW=123456;MN=HE-A-W-001;Flag=4;"
        f"CP=&&DataTime=20250701{hour:02d}0000;w01018-Avg={cod},w01018-Min=30.0,"
        f"w01018-Max=70.0,w01018-Flag=N;w21003-Avg={nh3},w21003-Flag=N&&"
    )


def _realtime_wastewater(minute: int) -> str:
    return (
        "ST=32;CN=2011;PW=123456;MN=HE-A-W-001;"
        f"CP=&&DataTime=202507011{minute:03d}00;w01018-Rtd={50 + minute}.5,w01018-Flag=N&&"
    )


def _hourly_flue_gas_2005(hour: int) -> str:
    # A 2005-era logger: old codes (02 is SO2), no QN, no Flag; the corrected value as ZsAvg.
    return (
        f"ST=31;CN=2061;PW=123456;MN=HE-A-G-001;CP=&&DataTime=20250701{hour:02d}0000000;"
        f"02-Avg={20 + hour}.0,02-ZsAvg={25 + hour}.0,02-Flag=N&&"
    )


def _load(session_factory: sessionmaker[Session]) -> None:
    segments = [_hourly_wastewater(h) for h in HOURS]
    segments += [_realtime_wastewater(m) for m in (0, 1)]
    segments += [_hourly_flue_gas_2005(h) for h in HOURS]
    loader = BatchLoader(session_factory, stats_prefix="t.stats.")
    stored = loader.load([message(i + 1, s, received_at=RECEIVED) for i, s in enumerate(segments)])
    assert stored.packets_stored == len(segments)


def _headers(people: People, session_factory: sessionmaker[Session], who: str) -> dict[str, str]:
    return people.headers(session_factory, who)


def _locs(problem: dict[str, Any]) -> list[list[str]]:
    return [e["loc"] for e in problem.get("errors", [])]


def test_values_are_paged_filtered_and_read_per_policy(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    _load(session_factory)
    outlet = registry.outlets["HE-A/DW001"]
    hebei = _headers(people, session_factory, "he-analyst")
    hourly: Params = {"outlet": outlet, "cn": 2061}
    first = client.get(f"{API}/values", params={**hourly, "limit": 4}, headers=hebei)
    assert first.status_code == 200, first.text
    page = first.json()
    rest = client.get(
        f"{API}/values", params={**hourly, "cursor": page["next_cursor"]}, headers=hebei
    ).json()
    items = page["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert [(i["data_time"][:16], i["factor"]) for i in items] == [
        (f"2025-07-01T{h - 8:02d}:00", f) for h in HOURS for f in ("w01018", "w21003")
    ]
    assert items[0]["avg"] == 50.0 and items[0]["mn"] == "HE-A-W-001"
    # A time without an offset is China time; with one, as written.
    for start in ("2025-07-01T11:00", "2025-07-01T03:00:00Z"):
        picked = client.get(
            f"{API}/values",
            params={**hourly, "factor": "w01018", "start": start},
            headers=hebei,
        ).json()["items"]
        assert [i["avg"] for i in picked] == [51.0, 52.0], start
    # Real-time values carry rtd; the 2005 logger's codes arrive mapped to 2017.
    realtime = client.get(
        f"{API}/values", params={"logger": "HE-A-W-001", "cn": 2011}, headers=hebei
    ).json()["items"]
    assert [i["rtd"] for i in realtime] == [50.5, 51.5]
    enterprise = client.get(
        f"{API}/values",
        params={"enterprise": registry.enterprises["HE-A"], "factor": "a21026"},
        headers=hebei,
    ).json()["items"]
    assert [(i["avg"], i["zs_avg"]) for i in enterprise] == [
        (30.0, 35.0),
        (31.0, 36.0),
        (32.0, 37.0),
    ]
    cases: list[tuple[Params, list[str]]] = [
        ({}, ["query", "outlet"]),
        ({"outlet": outlet, "logger": "HE-A-G-001"}, ["query", "logger"]),
        ({"outlet": 999999}, ["query", "outlet"]),
        ({"enterprise": registry.enterprises["BJ-A"], "outlet": outlet}, ["query", "outlet"]),
        ({"outlet": outlet, "cn": 2099}, ["query", "cn"]),
        ({"outlet": outlet, "start": "2025-07-02", "end": "2025-07-01T00:00"}, ["query", "start"]),
        (
            {"outlet": outlet, "start": "2025-07-02T00:00", "end": "2025-07-01T00:00"},
            ["query", "end"],
        ),
        ({"outlet": outlet, "cursor": "xyz"}, ["query", "cursor"]),
    ]
    for params, loc in cases:
        answer = client.get(f"{API}/values", params=params, headers=hebei)
        assert answer.status_code == 422 and loc in _locs(answer.json()), (params, answer.text)

    # Who reads: 401 anonymous, audited 403 for Beijing and Tianjin until a case involves them.
    assert client.get(f"{API}/values", params=hourly).status_code == 401
    beijing = _headers(people, session_factory, "bj-env")
    tianjin = _headers(people, session_factory, "tj-env")
    assert client.get(f"{API}/values", params=hourly, headers=beijing).status_code == 403
    assert client.get(f"{API}/values", params=hourly, headers=tianjin).status_code == 403
    office = _headers(people, session_factory, "office")
    assert len(client.get(f"{API}/values", params=hourly, headers=office).json()["items"]) == 6
    with session_factory() as session:
        case = Case(
            title="border case",
            enterprise_id=registry.enterprises["HE-A"],
            lead_jurisdiction_code="130000",
            opened_by="office",
        )
        session.add(case)
        session.flush()
        # The involvement's catalog grant is what lets Beijing's environment agency read.
        enterprise = session.get(Enterprise, registry.enterprises["HE-A"])
        assert enterprise is not None
        grant_id = monitoring_grants.grant_to_neighbour(
            session, actor=people["office"], case=case, enterprise=enterprise, province="110000"
        )
        session.add(
            CaseJurisdiction(
                case_id=case.id, jurisdiction_code="110000", reason="border", grant_id=grant_id
            )
        )
        session.commit()
    involved = client.get(f"{API}/values", params=hourly, headers=beijing)
    assert involved.status_code == 200 and len(involved.json()["items"]) == 6
    assert client.get(f"{API}/values", params=hourly, headers=tianjin).status_code == 403
    with session_factory() as session:
        entries = session.execute(
            select(AuditEntry.actor_username, AuditEntry.outcome, AuditEntry.detail_json).where(
                AuditEntry.action == "sources.values.read"
            )
        ).all()
    assert sorted((who, outcome) for who, outcome, _ in entries) == [
        ("bj-env", "denied"),
        ("bj-env", "ok"),
        ("tj-env", "denied"),
        ("tj-env", "denied"),
    ]
    crossing = next(json.loads(d) for who, o, d in entries if o == "ok")
    assert crossing["cross_jurisdiction"] is True


def test_exports_of_any_period(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    _load(session_factory)
    hebei = _headers(people, session_factory, "he-env")
    period: Params = {"start": "2025-07-01T00:00", "end": "2025-07-02T00:00"}
    query: Params = {"outlet": registry.outlets["HE-A/DW001"], "cn": 2061, **period}
    answer = client.get(f"{API}/values/export", params=query, headers=hebei)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(answer.content))
    assert frame.height == 6 and frame["factor"].to_list()[:2] == ["w01018", "w21003"]
    assert frame["data_time"].to_list()[0] == "2025-07-01T02:00:00+0000"
    parquet = client.get(
        f"{API}/values/export", params={**query, "format": "parquet"}, headers=hebei
    )
    table = pl.read_parquet(io.BytesIO(parquet.content))
    assert table.height == 6 and table["avg"].sum() == frame["avg"].sum()
    empty = client.get(
        f"{API}/values/export",
        params={**query, "start": "2024-01-01T00:00", "end": "2024-01-02T00:00"},
        headers=hebei,
    )
    assert empty.status_code == 200 and pl.read_csv(io.BytesIO(empty.content)).height == 0
    # No cap on the period: years of real-time data (once refused past 31 days) are streamed.
    long: Params = {"start": "2015-01-01T00:00", "end": "2026-01-01T00:00"}
    realtime = client.get(
        f"{API}/values/export", params={**query, **long, "cn": 2011}, headers=hebei
    )
    assert realtime.status_code == 200, realtime.text
    assert pl.read_csv(io.BytesIO(realtime.content))["rtd"].to_list() == [50.5, 51.5]
    allowed = client.get(f"{API}/values/export", params={**query, **long}, headers=hebei)
    assert allowed.status_code == 200 and pl.read_csv(io.BytesIO(allowed.content)).height == 6
    reversed_period = {**query, "start": "2025-07-02T00:00", "end": "2025-07-01T00:00"}
    refused = client.get(f"{API}/values/export", params=reversed_period, headers=hebei)
    assert refused.status_code == 422 and ["query", "end"] in _locs(refused.json())
    for params in ({"format": "xlsx"}, {"start": "0"}, {"end": None}):
        bad = {k: v for k, v in {**query, **params}.items() if v is not None}
        assert client.get(f"{API}/values/export", params=bad, headers=hebei).status_code == 422
    beijing = _headers(people, session_factory, "bj-env")
    assert client.get(f"{API}/values/export", params=query, headers=beijing).status_code == 403


def test_an_export_larger_than_a_window_is_streamed_whole_in_key_order(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows of 3 values over 11: every value once, by logger (MN), command, time and factor
    across the windows' edges, each window its own query (memory holds one window)."""
    _load(session_factory)
    monkeypatch.setattr(values_export, "EXPORT_WINDOW_ROWS", 3)
    hebei = _headers(people, session_factory, "he-env")
    query: Params = {
        "enterprise": registry.enterprises["HE-A"],
        "start": "2025-07-01T00:00",
        "end": "2025-07-02T00:00",
    }
    with counting(engine_of(client)) as statements:
        answer = client.get(f"{API}/values/export", params=query, headers=hebei)
    assert answer.status_code == 200, answer.text
    lines = answer.text.splitlines()
    assert lines[0] == (
        "mn,outlet_id,cn,data_time,factor,rtd,avg,min,max,cou,zs_rtd,zs_avg,zs_min,zs_max,flag"
    )
    rows = [r.split(",") for r in lines[1:]]
    keys = [(r[0], int(r[2]), r[3], r[4]) for r in rows]
    utc = [f"2025-07-01T{h - 8:02d}:00:00+0000" for h in HOURS]
    flue_gas = [("HE-A-G-001", 2061, t, "a21026") for t in utc]
    realtime = [("HE-A-W-001", 2011, f"2025-07-01T02:0{m}:00+0000", "w01018") for m in (0, 1)]
    hourly = [("HE-A-W-001", 2061, t, f) for t in utc for f in ("w01018", "w21003")]
    assert keys == flue_gas + realtime + hourly
    assert [r[6] for r in rows[:3]] == ["30", "31", "32"] and rows[3][5] == "50.5"
    windows = [s for s in statements if "FROM source_values" in s]
    # HE-A-G-001: 3, then none; HE-A-W-001: 3, 3, 2.
    assert len(windows) == 5 and all("LIMIT" in s for s in windows)
    parquet = client.get(
        f"{API}/values/export", params={**query, "format": "parquet"}, headers=hebei
    )
    assert pq.ParquetFile(io.BytesIO(parquet.content)).num_row_groups == 4
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert frame.height == 11 and frame["avg"].to_list()[:3] == [30.0, 31.0, 32.0]


def test_the_series_of_an_outlet_carries_its_limits(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    _load(session_factory)
    hebei = _headers(people, session_factory, "he-admin")
    outlet = registry.outlets["HE-A/DW001"]
    answer = client.get(f"{API}/outlets/{outlet}/series", headers=hebei)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Without a period: the week up to the latest stored hour.
    assert body["cn"] == 2061 and body["end"].startswith("2025-07-01T04:00:01")
    series = {s["factor"]: s for s in body["series"]}
    assert set(series) == {"w01018", "w21003"}
    cod = series["w01018"]
    assert (cod["unit"], cod["hourly_limit"], cod["daily_limit"]) == ("mg/L", 50.0, 40.0)
    assert cod["values"] == [50.0, 51.0, 52.0] and cod["flags"] == ["N", "N", "N"]
    assert [t[:13] for t in cod["times"]] == ["2025-07-01T02", "2025-07-01T03", "2025-07-01T04"]
    realtime = client.get(
        f"{API}/outlets/{outlet}/series",
        params={
            "cn": 2011,
            "factor": "w01018",
            "start": "2025-07-01T10:00",
            "end": "2025-07-01T11:00",
        },
        headers=hebei,
    ).json()
    assert [s["values"] for s in realtime["series"]] == [[50.5, 51.5]]
    gas = client.get(
        f"{API}/outlets/{registry.outlets['HE-A/DA001']}/series",
        params={"factor": "a21026"},
        headers=hebei,
    ).json()["series"]
    assert [(s["values"], s["zs"], s["hourly_limit"]) for s in gas] == [
        ([30.0, 31.0, 32.0], [35.0, 36.0, 37.0], 35.0)
    ]
    too_long = client.get(
        f"{API}/outlets/{outlet}/series",
        params={"cn": 2011, "start": "2025-01-01T00:00", "end": "2025-07-01T00:00"},
        headers=hebei,
    )
    assert too_long.status_code == 422 and ["query", "end"] in _locs(too_long.json())
    year_one = client.get(
        f"{API}/outlets/{outlet}/series", params={"end": "0001-01-01T00:00Z"}, headers=hebei
    )
    assert year_one.status_code == 422 and ["query", "end"] in _locs(year_one.json())
    assert client.get(f"{API}/outlets/{outlet}/series").status_code == 401
    assert client.get(f"{API}/outlets/999999/series", headers=hebei).status_code == 404
