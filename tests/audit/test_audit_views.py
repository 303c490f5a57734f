"""The audit trail page and API: administrators only, jurisdiction admins see their province."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import checkpoints
from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditEntry
from tests.conftest import People, login


def _entries(session_factory: sessionmaker[Session], people: People) -> None:
    with session_factory() as session:
        audit.record(
            session,
            actor=people["bj-env"],
            action="dataset.update",
            object_type="dataset",
            object_id="BJ-1",
            jurisdiction_code="110000",
        )
        audit.record(
            session,
            actor=people["he-env"],
            action="dataset.update",
            object_type="dataset",
            object_id="HE-1",
            jurisdiction_code="130000",
        )
        session.commit()


def test_office_admin_sees_all_and_chain_status(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _entries(session_factory, people)
    login(client, "office", people.password)
    page = client.get("/audit")
    assert page.status_code == 200
    assert 'data-testid="chain-status"' in page.text
    assert "BJ-1" in page.text and "HE-1" in page.text


def test_jurisdiction_admin_sees_own_province(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _entries(session_factory, people)
    headers = people.headers(session_factory, "he-admin")
    items = client.get("/api/v1/audit/entries", headers=headers).json()["items"]
    assert {e["object_id"] for e in items if e["action"] == "dataset.update"} == {"HE-1"}
    assert client.get("/api/v1/audit/verify", headers=headers).status_code == 403


def test_analyst_is_refused_and_refusal_is_audited(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "bj-analyst", people.password)
    assert client.get("/audit").status_code == 403
    office = people.headers(session_factory, "office")
    denied = client.get(
        "/api/v1/audit/entries", params={"outcome": "denied"}, headers=office
    ).json()["items"]
    assert any(e["actor_username"] == "bj-analyst" and e["action"] == "audit.read" for e in denied)


def test_audit_api_paginates_and_verifies(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "office")
    first = client.get("/api/v1/audit/entries", params={"limit": 10}, headers=headers).json()
    assert len(first["items"]) == 10 and first["next_cursor"]
    second = client.get(
        "/api/v1/audit/entries",
        params={"limit": 10, "cursor": first["next_cursor"]},
        headers=headers,
    ).json()
    assert second["items"][0]["seq"] == first["items"][-1]["seq"] + 1
    assert client.get("/api/v1/audit/verify", headers=headers).json()["ok"] is True


def test_jurisdiction_admin_sees_entries_of_cities_and_districts(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    """Writes are audited with the owner's own jurisdiction (a district such as Binhai New Area
    120116, a Hebei city 130600); the province's administrator sees them, other provinces not."""
    with session_factory() as session:
        for code, object_id in (("120116", "TJ-BINHAI-1"), ("130600", "HE-BAODING-1")):
            audit.record(
                session,
                actor=people["office"],
                action="dataset.update",
                object_type="dataset",
                object_id=object_id,
                jurisdiction_code=code,
            )
        session.commit()

    def seen(who: str) -> set[str]:
        headers = people.headers(session_factory, who)
        items = client.get(
            "/api/v1/audit/entries", params={"action": "dataset.update"}, headers=headers
        ).json()["items"]
        return {e["object_id"] for e in items}

    assert seen("tj-admin") == {"TJ-BINHAI-1"}
    assert seen("he-admin") == {"HE-BAODING-1"}
    assert seen("bj-admin") == set()
    login(client, "tj-admin", people.password)
    page = client.get("/audit", params={"action": "dataset.update"})
    assert "TJ-BINHAI-1" in page.text and "HE-BAODING-1" not in page.text


def test_the_page_says_when_nothing_is_signed(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "office", people.password)  # tests start without a signing key
    page = client.get("/audit?lang=en").text
    assert 'data-testid="checkpoint-status"' in page
    assert "No signed checkpoint yet" in page


def test_the_page_shows_the_signed_checkpoints(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
) -> None:
    login(client, "office", people.password)
    _entries(session_factory, people)  # entries after whatever checkpoint the setup made
    with session_factory() as session:
        before = checkpoints.count(session)
        assert audit.checkpoint(session) is not None
        session.commit()
        head = session.scalar(select(func.max(AuditEntry.seq)))
    page = client.get("/audit?lang=en").text
    assert f"Signed checkpoints checked: {before + 1}" in page
    assert f"the last one covers entry {head}" in page
    assert "No signed checkpoint yet" not in page
