"""Only the owning agency's stewards (and administrators) write a station's data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air.models import Ingestion, Observation
from jingjinji.audit.models import AuditEntry
from tests.air.support import hour, obs, post
from tests.conftest import People


def _observations(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Observation)) or 0)


def test_hebei_steward_posting_beijing_observations_gets_403_audited(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "he-env")
    r = post(client, headers, [obs("1001A", hour("2016-12-20", 8))])
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "110000" in r.json()["detail"]
    assert _observations(session_factory) == 0
    with session_factory() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
        assert len(denied) == 1
        entry = denied[0]
        assert entry.actor_username == "he-env"
        assert entry.action == "air.observations.write"
        assert entry.object_id == "1001A" and entry.jurisdiction_code == "110000"
        assert session.scalar(select(func.count()).select_from(Ingestion)) == 0


def test_a_mixed_batch_is_refused_whole(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    headers = air.headers(session_factory, "he-env")
    rows = [obs("1050A", hour("2016-12-20", 8)), obs("1001A", hour("2016-12-20", 8))]
    assert post(client, headers, rows).status_code == 403
    assert _observations(session_factory) == 0


def test_owners_and_administrators_write(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    for username, station, h in (
        ("he-env", "1050A", 1),
        ("he-admin", "3631A", 2),
        ("office", "1001A", 3),
        ("bj-admin", "1001A", 4),
        ("bj-env", "1001A", 5),
    ):
        r = post(
            client, air.headers(session_factory, username), [obs(station, hour("2016-12-20", h))]
        )
        assert r.status_code == 200, (username, r.text)
    assert _observations(session_factory) == 5
    with session_factory() as session:
        ok = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "air.observations.ingest", AuditEntry.outcome == "ok"
            )
        ).all()
        assert len(ok) == 5


def test_others_may_not_write(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    for username in ("bj-stats", "bj-analyst", "tj-env", "tj-admin"):
        r = post(client, air.headers(session_factory, username), [obs("1001A")])
        assert r.status_code == 403, username
    assert post(client, {}, [obs("1001A")]).status_code == 401
    files = {"file": ("o.csv", b"station_code,ts,pm2_5\n1001A,2016-12-20T00:00:00Z,5\n")}
    r = client.post(
        "/api/v1/air/observations/csv", files=files, headers=air.headers(session_factory, "tj-env")
    )
    assert r.status_code == 403
    assert _observations(session_factory) == 0


def test_an_analyst_batch_of_unknown_stations_is_403_not_recorded(
    client: TestClient, session_factory: sessionmaker[Session], air: People
) -> None:
    """A role that writes no observations is refused even when the batch names no station it
    could be refused for: before, such a batch was validated and stored as an ingestion."""
    headers = air.headers(session_factory, "bj-analyst")
    for rows in ([obs("NOPE")], [obs("NOPE"), obs("ALSO-NOPE")]):
        for partial in ("false", "true"):
            r = client.post(
                f"/api/v1/air/observations?partial={partial}",
                json={"observations": rows},
                headers=headers,
            )
            assert r.status_code == 403, r.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Ingestion)) == 0
        denied = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
        assert [(e.actor_username, e.action) for e in denied] == [
            ("bj-analyst", "air.observations.write")
        ] * 4
    # a steward's batch of unknown stations is still a 422 listing the rows
    r = post(client, air.headers(session_factory, "bj-env"), [obs("NOPE")])
    assert r.status_code == 422
