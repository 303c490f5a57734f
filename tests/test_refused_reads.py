"""Refusals a service raises without an audit entry of its own (a read of a dataset whose
fields are all withheld, a page refused by a view) are put on the record by the HTTP layer,
rate-limited per client address; refusals already audited are not recorded twice."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.catalog.support import audit_entries, build_catalog
from tests.conftest import People


def test_a_refused_record_read_is_audited_once_a_minute_per_address(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    build_catalog(session_factory, people)
    outsider = people.headers(session_factory, "he-analyst")
    for _ in range(3):
        refused = client.get("/api/v1/datasets/BJ-COND/records", headers=outsider)
        assert refused.status_code == 403
    entries = audit_entries(session_factory, action="request.refused")
    assert len(entries) == 1, [(e.actor_username, e.object_id) for e in entries]
    entry = entries[0]
    assert entry.outcome == "denied"
    assert entry.actor_username == "he-analyst"
    assert entry.object_id == "/api/v1/datasets/BJ-COND/records"
    assert '"earlier_unrecorded":0' in entry.detail_json
    assert "BJ-COND" in entry.detail_json  # the service's reason


def test_an_audited_refusal_is_not_recorded_twice(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    # Listing the audit trail needs an administrator: the service refuses through
    # security.deny, which writes its own entry.
    refused = client.get(
        "/api/v1/audit/entries", headers=people.headers(session_factory, "bj-analyst")
    )
    assert refused.status_code == 403
    assert [e.action for e in audit_entries(session_factory, outcome="denied")] == ["audit.read"]
