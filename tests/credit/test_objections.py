"""Objections: a Hebei subject objects to a Tianjin penalty; the Tianjin agency answers; the
record is under objection meanwhile; overdue ones reach the office (both databases)."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.config import get_settings
from jingjinji.credit.models import CreditObjection, CreditRecord
from jingjinji.credit.service.forms import FormLimiter
from jingjinji.workdays import calendar_from_settings
from tests.conftest import People
from tests.credit.records_support import audit_count
from tests.credit.services_support import HE_CO, make_record, today

OBJECTIONS = "/api/v1/credit/objections"


def _object(client: TestClient, record_id: int, **extra: object) -> dict[str, object]:
    response = client.post(
        OBJECTIONS,
        json={
            "record_id": record_id,
            "objector_name": "王五（河北测试示例建材有限公司）",
            "objector_contact": "wangwu@example.invalid",
            "reason": "处罚决定书载明的罚款金额有误，应为1万元。",
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_anonymous_objection_marks_the_record_and_is_due_in_ten_working_days(
    client: TestClient, session: Session, people: People
) -> None:
    record = make_record(session, people["tj-samr"])
    body = _object(client, record.id)
    expected = calendar_from_settings(get_settings()).add_working_days(today(), 10)
    assert body["due_date"] == expected.isoformat()
    assert body["status"] == "pending" and body["overdue"] is False
    assert body["objector_contact"] is None  # the public does not read contacts back
    assert body["may_decide"] is False
    session.expire_all()
    assert session.get(CreditRecord, record.id).under_objection is True  # type: ignore[union-attr]
    # The record page shows it under objection (public records API of the registry).
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "credit.objection.submit")
    ).one()
    assert entry.actor_username == "anonymous"
    assert "wangwu@example.invalid" not in entry.detail_json  # contact is personal data
    # A second objection while one is pending: 409, on the record.
    again = client.post(
        OBJECTIONS,
        json={
            "record_id": record.id,
            "objector_name": "王五",
            "objector_contact": "x",
            "reason": "again",
        },
    )
    assert again.status_code == 409
    session.expire_all()
    assert audit_count(session, "credit.objection.submit") == 2


def test_the_tianjin_agency_corrects_and_the_hebei_admin_sees_the_outcome(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    record = make_record(session, people["tj-samr"])
    objection = _object(client, record.id)
    tj = people.headers(session_factory, "tj-samr")
    desk = client.get(OBJECTIONS, params={"status": "pending"}, headers=tj).json()
    assert [o["id"] for o in desk["items"]] == [objection["id"]]
    assert desk["items"][0]["may_decide"] is True
    assert desk["items"][0]["objector_contact"] == "wangwu@example.invalid"
    # Another agency (Beijing) neither lists nor answers it.
    bj = people.headers(session_factory, "bj-samr")
    assert client.get(OBJECTIONS, headers=bj).json()["items"] == []
    refused = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "upheld", "answer": "no"},
        headers=bj,
    )
    assert refused.status_code == 404
    # Hebei's own market regulator is not the source agency: 403 on the record.
    he_admin = people.headers(session_factory, "he-admin")
    denied = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "upheld", "answer": "no"},
        headers=he_admin,
    )
    assert denied.status_code == 403
    answered = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "corrected", "answer": "经复核，处罚信息录入有误，已撤下。"},
        headers=tj,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "corrected"
    assert [e["event"] for e in answered.json()["timeline"]] == ["submitted", "corrected"]
    session.expire_all()
    stored = session.get(CreditRecord, record.id)
    assert stored is not None
    assert stored.status == "corrected" and stored.withdrawn_reason == "objection_corrected"
    assert stored.under_objection is False and stored.withdrawn_at is not None
    # The Hebei administrator (the subject's province) sees the outcome.
    seen = client.get(f"{OBJECTIONS}/{objection['id']}", headers=he_admin)
    assert seen.status_code == 200
    assert seen.json()["status"] == "corrected"
    assert seen.json()["answer"] == "经复核，处罚信息录入有误，已撤下。"
    # Answering twice: 409.
    twice = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "upheld", "answer": "again"},
        headers=tj,
    )
    assert twice.status_code == 409
    session.expire_all()
    assert audit_count(session, "credit.objection.answer") == 4  # 404 (unseen), 403, ok, 409


def test_a_correction_makes_a_new_revision_and_upheld_leaves_the_record(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    tj = people.headers(session_factory, "tj-samr")
    first = make_record(session, people["tj-samr"])
    objection = _object(client, first.id)
    answered = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={
            "outcome": "corrected",
            "answer": "金额更正",
            "correction": {"content": "罚款人民币1万元"},
        },
        headers=tj,
    )
    assert answered.status_code == 200, answered.text
    session.expire_all()
    stored = session.get(CreditRecord, first.id)
    assert stored is not None
    assert stored.status == "published" and stored.revision == 2
    assert stored.content == "罚款人民币1万元"
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "credit.objection.answer")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert json.loads(entry.detail_json)["before"] == {"content": "罚款人民币3万元"}

    second = make_record(session, people["tj-samr"])
    objection = _object(client, second.id)
    upheld = client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "upheld", "answer": "事实清楚，维持。"},
        headers=tj,
    )
    assert upheld.json()["status"] == "upheld"
    session.expire_all()
    kept = session.get(CreditRecord, second.id)
    assert kept is not None and kept.status == "published" and kept.under_objection is False


def test_overdue_objections_are_escalated_to_the_office(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    record = make_record(session, people["tj-samr"])
    objection = _object(client, record.id)
    # Eleven working days later nobody has answered: move the due date into the past.
    session.execute(
        update(CreditObjection)
        .where(CreditObjection.id == objection["id"])
        .values(due_date=today() - dt.timedelta(days=1))
    )
    session.commit()
    office = people.headers(session_factory, "office")
    overdue = client.get(OBJECTIONS, params={"overdue": "true"}, headers=office).json()["items"]
    assert [o["id"] for o in overdue] == [objection["id"]]
    assert overdue[0]["overdue"] is True
    assert [e["event"] for e in overdue[0]["timeline"]] == ["submitted", "escalated"]
    # An answer after the due date is marked late in the audit.
    tj = people.headers(session_factory, "tj-samr")
    client.post(
        f"{OBJECTIONS}/{objection['id']}/answer",
        json={"outcome": "upheld", "answer": "late"},
        headers=tj,
    )
    assert client.get(OBJECTIONS, params={"overdue": "true"}, headers=office).json()["items"] == []
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "credit.objection.answer", AuditEntry.outcome == "ok"
        )
    ).one()
    assert json.loads(entry.detail_json)["late"] is True
    # The public cannot read the desk.
    assert client.get(OBJECTIONS).status_code == 401


def test_bad_input_and_unseen_records(client: TestClient, session: Session, people: People) -> None:
    missing = client.post(OBJECTIONS, json={"record_id": 1, "objector_name": "x", "reason": "y"})
    assert missing.status_code == 422
    assert ["body", "objector_contact"] in [e["loc"] for e in missing.json()["errors"]]
    unknown = client.post(
        OBJECTIONS,
        json={"record_id": 999999, "objector_name": "x", "objector_contact": "y", "reason": "z"},
    )
    assert unknown.status_code == 404


def test_public_forms_are_rate_limited_per_address(
    client: TestClient, session: Session, people: People
) -> None:
    clock = [0.0]
    client.app.state.credit_form_limiter = FormLimiter(limit=2, clock=lambda: clock[0])  # type: ignore[attr-defined]
    records = [make_record(session, people["tj-samr"]) for _ in range(3)]
    _object(client, records[0].id)
    _object(client, records[1].id)
    third = client.post(
        OBJECTIONS,
        json={
            "record_id": records[2].id,
            "objector_name": "x",
            "objector_contact": "y",
            "reason": "z",
        },
    )
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) > 0
    clock[0] += 601
    _object(client, records[2].id)
    session.expire_all()
    refused = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "throttled")).all()
    assert len(refused) == 1


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_public_form_pages_show_refusals(
    client: TestClient, session: Session, people: People
) -> None:
    record = make_record(session, people["tj-samr"])
    uscc = HE_CO
    for kind in ("object", "repair", "commit", "declare"):
        page = client.get(f"/credit/subjects/{uscc}/{kind}")
        assert page.status_code == 200, kind
        assert f'data-testid="credit-form-{kind}"' in page.text
    assert str(record.id) in client.get(f"/credit/subjects/{uscc}/object").text
    assert client.get("/credit/subjects/91110000600037341L/object").status_code == 404
    page = client.get(f"/credit/subjects/{uscc}/object")
    missing = client.post(
        f"/credit/subjects/{uscc}/object",
        data={
            "record_id": str(record.id),
            "objector_name": "王五",
            "csrf_token": _token(page.text),
        },
    )
    assert missing.status_code == 422
    assert 'data-testid="credit-form-errors"' in missing.text and "objector_contact" in missing.text
    done = client.post(
        f"/credit/subjects/{uscc}/object",
        data={
            "record_id": str(record.id),
            "objector_name": "王五",
            "objector_contact": "x",
            "reason": "金额有误",
            "csrf_token": _token(page.text),
        },
    )
    assert done.status_code == 201 and 'data-testid="credit-form-due"' in done.text
    again = client.post(
        f"/credit/subjects/{uscc}/object",
        data={
            "record_id": str(record.id),
            "objector_name": "王五",
            "objector_contact": "x",
            "reason": "again",
            "csrf_token": _token(page.text),
        },
    )
    # the refusal in the page's language (Chinese by default), not the service's English
    assert again.status_code == 409 and "已有待处理的异议" in again.text
    assert "already has a pending objection" not in again.text
    client.app.state.credit_form_limiter = FormLimiter(limit=0)  # type: ignore[attr-defined]
    throttled = client.post(
        f"/credit/subjects/{uscc}/declare",
        data={
            "kind": "honour",
            "title": "x",
            "declared_by_name": "y",
            "csrf_token": _token(page.text),
        },
    )
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
