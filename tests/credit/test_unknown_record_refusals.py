"""Found in a review: publishing or lifting a credit record that does not exist answered 404
without an audit entry, while every other refusal of these operations is on the audit record
(and so did judging a commitment that does not exist, at the end).
Each is now one entry (who, the action, the record id asked for, ``not_found``), and the answer
is still a 404, from the service, the API and the agency's page (both databases)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.schemas.records import RecordRevisionIn
from jingjinji.credit.schemas.services import CommitmentOutcomeIn
from jingjinji.credit.service import commitments, publication, record_page, records
from jingjinji.errors import NotFound
from jingjinji.security import Actor
from tests.conftest import People, csrf_from, login

UNKNOWN = 999_999

#: Each operation on a record id, called as ``he-samr`` from the service.
OPERATIONS: dict[str, Callable[[Session, Actor], object]] = {
    "credit.record.publish": lambda s, actor: publication.publish_record(
        s, actor=actor, record_id=UNKNOWN
    ),
    "credit.record.lift": lambda s, actor: records.lift_entry(
        s, actor=actor, record_id=UNKNOWN, reason="退出名单"
    ),
    # audited already before the review's fix; kept here so that it stays so
    "credit.record.revise": lambda s, actor: record_page.revise_record(
        s,
        actor=actor,
        record_id=UNKNOWN,
        changes=RecordRevisionIn(title="改", legal_basis="改", decision_date="2026-11-02"),
    ),
}


def _refusals(session_factory: sessionmaker[Session]) -> list[tuple[str, str, str | None, str]]:
    """The audit entries about a credit record not found: (who, action, record id, outcome)."""
    with session_factory() as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "credit_record", AuditEntry.outcome == "not_found")
            .order_by(AuditEntry.seq)
        ).all()
        return [(e.actor_username, e.action, e.object_id, e.outcome) for e in entries]


@pytest.mark.parametrize("action", sorted(OPERATIONS))
def test_the_service_refuses_an_unknown_record_on_the_audit_record(
    session_factory: sessionmaker[Session], people: People, action: str
) -> None:
    with session_factory() as s, pytest.raises(NotFound):
        OPERATIONS[action](s, people["he-samr"])
    assert _refusals(session_factory) == [("he-samr", action, str(UNKNOWN), "not_found")]


@pytest.mark.parametrize(
    ("path", "body", "action"),
    [
        ("publish", None, "credit.record.publish"),
        ("lift", {"reason": "退出名单"}, "credit.record.lift"),
    ],
)
def test_the_api_answers_404_and_audits_it(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    path: str,
    body: dict[str, str] | None,
    action: str,
) -> None:
    answer = client.post(
        f"/api/v1/credit/records/{UNKNOWN}/{path}",
        json=body,
        headers=people.headers(session_factory, "he-samr"),
    )
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert _refusals(session_factory) == [("he-samr", action, str(UNKNOWN), "not_found")]


@pytest.mark.parametrize(
    ("path", "action"),
    [("publish", "credit.record.publish"), ("lift", "credit.record.lift")],
)
def test_the_page_answers_404_and_audits_it(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    path: str,
    action: str,
) -> None:
    login(client, "he-samr", people.password)
    token = csrf_from(client.get("/credit/agency").text)
    answer = client.post(
        f"/credit/agency/records/{UNKNOWN}/{path}",
        data={"csrf_token": token, "reason": "退出名单"},
        follow_redirects=False,
    )
    assert answer.status_code == 404
    assert "<html" in answer.text.lower()  # an error page, never problem+json
    assert _refusals(session_factory) == [("he-samr", action, str(UNKNOWN), "not_found")]


def _commitment_refusals(
    session_factory: sessionmaker[Session],
) -> list[tuple[str, str, str | None, str]]:
    with session_factory() as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "credit_commitment")
            .order_by(AuditEntry.seq)
        ).all()
        return [(e.actor_username, e.action, e.object_id, e.outcome) for e in entries]


def test_judging_an_unknown_commitment_is_an_audited_404(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    outcome = CommitmentOutcomeIn(outcome="kept")
    with session_factory() as s, pytest.raises(NotFound):
        commitments.decide_commitment(
            s, actor=people["he-samr"], commitment_id=UNKNOWN, data=outcome
        )
    answer = client.post(
        f"/api/v1/credit/commitments/{UNKNOWN}/outcome",
        json={"outcome": "broken"},
        headers=people.headers(session_factory, "he-samr"),
    )
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    refusal = ("he-samr", commitments.DECIDE, str(UNKNOWN), "not_found")
    assert _commitment_refusals(session_factory) == [refusal, refusal]
