"""Credit repair: refused before the minimum publicity period (with the date), decided by the
source agency of another jurisdiction; approval ends public display and lifts the class."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.models import CreditRecord, CreditSubject
from tests.conftest import People
from tests.credit.records_support import audit_count
from tests.credit.services_support import days_ago, make_record

REPAIRS = "/api/v1/credit/repairs"


def _apply(client: TestClient, record_id: int) -> Any:
    return client.post(
        REPAIRS,
        json={
            "record_id": record_id,
            "applicant_name": "河北测试示例建材有限公司（虚构）",
            "evidence": "罚款已于缴清，整改报告经复查合格。",
        },
    )


def test_repair_is_refused_before_the_minimum_period_with_the_date(
    client: TestClient, session: Session, people: People
) -> None:
    record = make_record(session, people["tj-samr"], decision_date=days_ago(10))
    min_end = record.publicity_min_end
    assert min_end is not None
    response = _apply(client, record.id)
    assert response.status_code == 409
    assert min_end.isoformat() in response.json()["detail"]
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "credit.repair.apply")
    ).one()
    assert entry.outcome == "refused" and min_end.isoformat() in entry.detail_json


def test_an_approved_repair_ends_public_display_and_recomputes_the_class(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    record = make_record(
        session, people["tj-samr"], decision_date=days_ago(200), severity="serious"
    )
    subject_id = record.subject_id
    session.expire_all()
    before = session.get(CreditSubject, subject_id)
    assert before is not None
    score_before = before.risk_score
    applied = _apply(client, record.id)
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert repair["status"] == "pending" and repair["due_date"]
    # A second application while one is pending: 409.
    assert _apply(client, record.id).status_code == 409

    tj = people.headers(session_factory, "tj-samr")
    desk = client.get(REPAIRS, params={"status": "pending"}, headers=tj).json()["items"]
    assert [r["id"] for r in desk] == [repair["id"]] and desk[0]["may_decide"] is True
    bj = people.headers(session_factory, "bj-samr")
    assert client.get(REPAIRS, headers=bj).json()["items"] == []
    he_admin = people.headers(session_factory, "he-admin")
    denied = client.post(
        f"{REPAIRS}/{repair['id']}/decision", json={"outcome": "approved"}, headers=he_admin
    )
    assert denied.status_code == 403

    approved = client.post(
        f"{REPAIRS}/{repair['id']}/decision",
        json={"outcome": "approved", "note": "整改到位"},
        headers=tj,
    )
    assert approved.status_code == 200, approved.text
    assert [e["event"] for e in approved.json()["timeline"]] == ["applied", "approved"]
    session.expire_all()
    stored = session.get(CreditRecord, record.id)
    assert stored is not None
    assert stored.status == "withdrawn" and stored.withdrawn_reason == "repaired"
    after = session.get(CreditSubject, subject_id)
    assert after is not None and after.risk_score is not None and score_before is not None
    assert after.risk_score > score_before  # the repaired penalty no longer weighs
    # The Hebei administrator follows it in the desk.
    followed = client.get(f"{REPAIRS}/{repair['id']}", headers=he_admin).json()
    assert followed["status"] == "approved" and followed["may_decide"] is False
    assert audit_count(session, "credit.repair.decide") == 2  # the 403 and the approval


def test_a_rejection_needs_a_note(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    record = make_record(session, people["tj-samr"], decision_date=days_ago(200))
    repair = _apply(client, record.id).json()
    tj = people.headers(session_factory, "tj-samr")
    bare = client.post(
        f"{REPAIRS}/{repair['id']}/decision", json={"outcome": "rejected"}, headers=tj
    )
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["loc"] == ["body", "note"]
    rejected = client.post(
        f"{REPAIRS}/{repair['id']}/decision",
        json={"outcome": "rejected", "note": "整改报告未经复查"},
        headers=tj,
    )
    assert rejected.status_code == 200
    assert rejected.json()["decision_note"] == "整改报告未经复查"
    session.expire_all()
    stored = session.get(CreditRecord, record.id)
    assert stored is not None and stored.status == "published"


def test_licences_are_not_repaired(client: TestClient, session: Session, people: People) -> None:
    record = make_record(
        session, people["tj-samr"], kind="licence", severity=None, decision_date=days_ago(200)
    )
    response = _apply(client, record.id)
    assert response.status_code == 409
    assert "licence" in response.json()["detail"]
