"""Ingestion: idempotency, revisions, validation report, units, batch policy (both backends)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import ingest
from jingjinji.air.models import Ingestion, Observation, ObservationRevision, StationDaily
from jingjinji.audit.models import AuditEntry
from tests.air.support import day_hours, hour, obs, post
from tests.conftest import People


def count(session_factory: sessionmaker[Session], model: Any) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored(session_factory: sessionmaker[Session], station: str, ts: str) -> Observation | None:
    when = dt.datetime.fromisoformat(ts).astimezone(dt.UTC)
    with session_factory() as session:
        return session.get(Observation, (station, when))


def issues_of(response: Any) -> set[tuple[int, str, str]]:
    """(row, column, reason) of a 422 problem or of a partial answer."""
    body = response.json()
    if "errors" in body:
        return {(e["row"], e["column"], e["msg"]) for e in body["errors"]}
    return {(i["row"], i["column"], i["reason"]) for i in body["issues"]}


def test_same_batch_twice_is_stored_once(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    rows = [obs("1001A", hour("2016-12-20", h), pm2_5=300 + h, co=3.5, wd="NE") for h in range(3)]
    first = post(client, headers, rows)
    assert first.status_code == 200, first.text
    assert first.json()["inserted"] == 3 and first.json()["status"] == "accepted"
    again = post(client, headers, rows)
    assert again.status_code == 200
    assert (again.json()["inserted"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        3,
    )
    assert count(session_factory, Observation) == 3
    assert count(session_factory, ObservationRevision) == 0
    row = stored(session_factory, "1001A", hour("2016-12-20", 1))
    assert row is not None and row.pm2_5 == 301 and row.version == 1
    assert row.ts == dt.datetime(2016, 12, 19, 17, tzinfo=dt.UTC)  # 01:00 CST
    assert row.recorded_by == "bj-env" and row.wd == "NE"


def test_changed_value_is_kept_as_a_revision(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    steward = air.headers(session_factory, "bj-env")
    admin = air.headers(session_factory, "bj-admin")
    ts = hour("2016-12-20", 8)
    assert post(client, steward, [obs("1001A", ts, pm2_5=300, pm10=350)]).status_code == 200
    changed = post(client, admin, [obs("1001A", ts, pm2_5=310)])  # pm10 not sent: kept
    assert changed.status_code == 200
    assert changed.json()["updated"] == 1 and changed.json()["inserted"] == 0
    current = stored(session_factory, "1001A", ts)
    assert current is not None
    assert (current.pm2_5, current.pm10, current.version) == (310, 350, 2)
    assert current.recorded_by == "bj-admin"
    with session_factory() as session:
        revisions = session.scalars(select(ObservationRevision)).all()
        assert len(revisions) == 1
        old = revisions[0]
        assert (old.pm2_5, old.pm10, old.version) == (300, 350, 1)
        assert old.recorded_by == "bj-env" and old.superseded_by == "bj-admin"
        assert old.superseded_at >= old.recorded_at
    # Sending the changed value again changes nothing more.
    assert post(client, admin, [obs("1001A", ts, pm2_5=310)]).json()["unchanged"] == 1
    assert count(session_factory, ObservationRevision) == 1


def test_each_validation_rule_reports_row_column_and_reason(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    future = (
        (dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
        .replace(minute=0, second=0, microsecond=0)
        .isoformat()
    )
    rows = [
        obs("1001A", hour("2016-12-20", 0), pm2_5=80),  # 1 valid
        obs("9999Z", hour("2016-12-20", 0), pm2_5=80),  # 2 unknown station
        obs("1001A", future, pm2_5=80),  # 3 future
        obs("1001A", "2016-12-20T08:30:00+08:00", pm2_5=80),  # 4 not on the hour
        obs("1001A", hour("2016-12-20", 1), pm2_5=-3),  # 5 negative
        obs("1001A", hour("2016-12-20", 2), pm10=9000),  # 6 implausible
        obs("1001A", hour("2016-12-20", 0), pm2_5=81),  # 7 duplicate of 1
        obs("1001A", hour("2016-12-20", 3), co=800),  # 8 CO in ug/m3?
        obs("1001A", hour("2016-12-20", 4), pm2_5="lots"),  # 9 not a number
        obs("1001A", "2016-12-20 05:00", pm2_5=80),  # 10 no offset
        obs("1001A", hour("2016-12-20", 6), wd="UP"),  # 11 wind direction
        obs("1001A", hour("2016-12-20", 7), temp=80),  # 12 temperature
        {"station_code": "1001A", "ts": hour("2016-12-20", 9), "pm25x": 1},  # 13 column
        obs("1001A", "yesterday", pm2_5=80),  # 14 timestamp
    ]
    r = post(client, headers, rows)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    found = issues_of(r)
    reasons = {(row, col): reason for row, col, reason in found}
    assert reasons[(2, "station_code")] == "unknown station"
    assert reasons[(3, "ts")] == "timestamp in the future"
    assert reasons[(4, "ts")] == "not the beginning of an hour"
    assert reasons[(5, "pm2_5")] == "negative value"
    assert reasons[(6, "pm10")].startswith("above the plausible maximum 5000")
    assert reasons[(7, "ts")] == "duplicate of row 1"
    assert "looks like ug/m3" in reasons[(8, "co")]
    assert reasons[(9, "pm2_5")] == "not a number"
    assert "no UTC offset" in reasons[(10, "ts")]
    assert reasons[(11, "wd")].startswith("unknown wind direction")
    assert reasons[(12, "temp")].startswith("outside the plausible range")
    assert reasons[(13, "pm25x")] == "unknown column"
    assert reasons[(14, "ts")] == "not an ISO 8601 timestamp"
    assert 1 not in {row for row, _, _ in found}
    # Rejected whole: nothing stored, the rejection itself is on record.
    assert count(session_factory, Observation) == 0
    with session_factory() as session:
        ingestion = session.scalars(select(Ingestion)).one()
        assert ingestion.status == "rejected" and ingestion.rows_rejected == 13
        assert {i["row"] for i in ingestion.report} == set(range(2, 15))


def test_partial_batch_stores_the_valid_rows_and_reports_the_rest(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    rows = [
        obs("1001A", hour("2016-12-20", 0), pm2_5=80),
        obs("1001A", hour("2016-12-20", 1), pm2_5=-1),
        obs("1002A", hour("2016-12-20", 0), pm2_5=90),
    ]
    r = post(client, headers, rows, partial=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "partial" and body["inserted"] == 2 and body["rows_rejected"] == 1
    assert issues_of(r) == {(2, "pm2_5", "negative value")}
    assert count(session_factory, Observation) == 2


def test_a_rejected_batch_loses_nothing_stored_earlier(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    ts = hour("2016-12-20", 0)
    assert post(client, headers, [obs("1001A", ts, pm2_5=80)]).status_code == 200
    bad = post(client, headers, [obs("1001A", ts, pm2_5=95), obs("1001A", ts, pm2_5=-5)])
    assert bad.status_code == 422
    current = stored(session_factory, "1001A", ts)
    assert current is not None and current.pm2_5 == 80 and current.version == 1


def test_a_rejected_batch_is_on_record_with_its_audit_entry(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    rows = [obs("1001A", hour("2016-12-20", 0), pm2_5=80), obs("1001A", "yesterday", pm2_5=1)]
    bad = post(client, headers, rows)
    assert bad.status_code == 422
    message = (
        "1 of 2 rows are invalid; nothing was stored (send ?partial=true to store the valid rows)"
    )
    assert bad.json()["detail"] == message
    assert count(session_factory, Observation) == 0
    with session_factory() as session:
        ingestion = session.scalars(select(Ingestion)).one()
        assert (ingestion.status, ingestion.rows_received, ingestion.rows_rejected) == (
            "rejected",
            2,
            1,
        )
        assert ingestion.finished_at is not None
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "air.observations.ingest")
        ).one()
        assert entry.outcome == "rejected" and entry.actor_username == "bj-env"
        assert (entry.object_type, entry.object_id) == ("air_ingestion", str(ingestion.id))
        assert json.loads(entry.detail_json) == {
            "reason": message,
            "channel": "api",
            "source": "api batch",
            "rows": 2,
            "rows_rejected": 1,
        }


def test_declared_units_are_converted(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    r = post(
        client,
        headers,
        [obs("1001A", hour("2016-12-20", 0), co=3500, pm2_5=0.3, so2=12)],
        units={"co": "μg/m³", "pm2_5": "mg/m3"},
    )
    assert r.status_code == 200, r.text
    row = stored(session_factory, "1001A", hour("2016-12-20", 0))
    assert row is not None
    assert row.co == pytest.approx(3.5) and row.pm2_5 == pytest.approx(300)
    assert row.so2 == 12
    bad = post(client, headers, [obs()], units={"co": "ppm"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "units", "co"]
    bad = post(client, headers, [obs()], units={"temp": "ug/m3"})
    assert bad.status_code == 422


def test_naive_timestamps_use_the_declared_timezone(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    r = post(client, headers, [obs("1001A", "2016-12-20T08:00:00", pm2_5=1)], timezone="+08:00")
    assert r.status_code == 200, r.text
    assert stored(session_factory, "1001A", "2016-12-20T00:00:00+00:00") is not None
    r = post(client, headers, [obs("1001A", "2016-12-20T08:00:00", pm2_5=1)], timezone="Mars")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "timezone"]


def test_csv_upload_with_header_units_and_idempotency(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    content = (
        b"station_code,ts,PM2.5,co [ug/m3],o3,wd\n"
        b"1001A,2016-12-20T08:00:00+08:00,300,3500,10,NE\n"
        b"1001A,2016-12-20T09:00:00+08:00,310,3600,,N\n"
    )
    files = {"file": ("obs.csv", content, "text/csv")}
    r = client.post("/api/v1/air/observations/csv", files=files, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["inserted"] == 2
    row = stored(session_factory, "1001A", hour("2016-12-20", 9))
    assert row is not None and row.co == pytest.approx(3.6) and row.o3 is None
    r = client.post("/api/v1/air/observations/csv", files=files, headers=headers)
    assert r.json()["unchanged"] == 2 and count(session_factory, Observation) == 2
    # A form field declares units as well; an undeclared ug/m3 CO column is caught.
    plain = b"station_code,ts,co\n1001A,2016-12-20T10:00:00+08:00,3700\n"
    r = client.post(
        "/api/v1/air/observations/csv",
        files={"file": ("o.csv", plain, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 422 and "looks like ug/m3" in r.json()["errors"][0]["msg"]
    r = client.post(
        "/api/v1/air/observations/csv",
        data={"units": "co=ug/m3"},
        files={"file": ("o.csv", plain, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 200
    assert stored(session_factory, "1001A", hour("2016-12-20", 10)).co == pytest.approx(3.7)  # type: ignore[union-attr]


def test_bad_csv_files_are_4xx(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    cases = [
        b"",
        b"\xff\xfe\x00bad",
        b"station_code,pm2_5\n1001A,3\n",
        b"station_code,ts,nonsense\n1001A,2016-01-01T00:00:00Z,1\n",
    ]
    for content in cases:
        r = client.post(
            "/api/v1/air/observations/csv",
            files={"file": ("x.csv", content, "text/csv")},
            headers=headers,
        )
        assert r.status_code == 422, (content, r.text)
        assert r.json()["errors"]


def test_uci_layout_upload_is_local_time_and_converts_co(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    content = (
        b'"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES",'
        b'"DEWP","RAIN","wd","WSPM","station"\r\n'
        b'1,2013,3,1,0,4,4,4,7,300,77,-0.7,1023,-18.8,0,"NNW",4.4,"Dongsi"\r\n'
        b'2,2013,3,1,1,8,8,4,7,NA,77,-1.1,1023.2,-18.2,0,"N",4.7,"Dongsi"\r\n'
    )
    r = client.post(
        "/api/v1/air/observations/csv",
        files={"file": ("PRSA_Data_Dongsi.csv", content, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    row = stored(session_factory, "1003A", "2013-02-28T16:00:00+00:00")
    assert row is not None and row.co == pytest.approx(0.3) and row.wd == "NNW"
    assert row.temp == pytest.approx(-0.7)


def test_daily_cache_follows_ingestion_with_gb3095_validity(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    day = dt.date(2016, 12, 20)
    rows = day_hours("1001A", day, pm2_5=100.0, pm10=150.0)
    # 20 valid PM2.5 hours: a valid mean; PM10 only 19 hours: no daily value.
    for row in rows[20:]:
        row["pm2_5"] = None
    for row in rows[19:]:
        row["pm10"] = None
    assert post(client, headers, rows).status_code == 200
    with session_factory() as session:
        daily = session.get(StationDaily, ("1001A", day))
        assert daily is not None
        assert daily.pm2_5 == pytest.approx(100.0) and daily.hours_pm2_5 == 20
        assert daily.pm10 is None and daily.hours_pm10 == 19
    # A correction of one hour is reflected in the cached daily mean.
    assert post(client, headers, [obs("1001A", rows[0]["ts"], pm2_5=120.0)]).status_code == 200
    with session_factory() as session:
        daily = session.get(StationDaily, ("1001A", day), populate_existing=True)
        assert daily is not None and daily.pm2_5 == pytest.approx(101.0)


def test_normalise_records_rejects_non_objects() -> None:
    normalised = ingest.normalise_records([{"station_code": "1001A"}, 5])  # type: ignore[list-item]
    assert {(i["row"], i["reason"]) for i in normalised.issues} >= {
        (2, "observation must be a JSON object")
    }


def test_empty_or_malformed_batch_bodies_are_4xx(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "bj-env")
    assert (
        client.post(
            "/api/v1/air/observations", json={"observations": []}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/air/observations",
            content=b"{not json",
            headers={**headers, "content-type": "application/json"},
        ).status_code
        == 400
    )
    assert (
        client.post("/api/v1/air/observations", json={"rows": []}, headers=headers).status_code
        == 422
    )
