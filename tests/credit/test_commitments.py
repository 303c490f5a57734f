"""Credit commitments: signed online, judged by the agency; a broken one becomes a record and
lowers the subject's class (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord, CreditSubject
from tests.conftest import People
from tests.credit.records_support import audit_count
from tests.credit.services_support import HE_CO, days_ago, make_record, today

COMMITMENTS = "/api/v1/credit/commitments"


def _sign(client: TestClient, people: People, **extra: object) -> dict[str, object]:
    body = {
        "uscc": HE_CO,
        "representative_name": "李四",
        "purpose": "食品经营许可告知承诺",
        "content": "承诺三个月内补齐冷链设施并接受核查。",
        "organisation_id": people.organisations["tj_samr"],
        "due_date": today().isoformat(),
        **extra,
    }
    response = client.post(COMMITMENTS, json=body)
    assert response.status_code == 201, response.text
    out: dict[str, object] = response.json()
    return out


def test_a_broken_commitment_becomes_a_record_and_lowers_the_class(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    subject = session.scalars(select(CreditSubject).where(CreditSubject.uscc == HE_CO)).one()
    score_before = subject.risk_score
    signed = _sign(client, people)
    assert signed["status"] == "active" and signed["may_decide"] is False
    listed = client.get(COMMITMENTS, params={"uscc": HE_CO}).json()["items"]
    assert [c["id"] for c in listed] == [signed["id"]]

    # Only the agency it was made to judges it.
    he = people.headers(session_factory, "he-samr")
    denied = client.post(
        f"{COMMITMENTS}/{signed['id']}/outcome", json={"outcome": "broken"}, headers=he
    )
    assert denied.status_code == 403
    tj = people.headers(session_factory, "tj-samr")
    desk = client.get(COMMITMENTS, headers=tj).json()["items"]
    assert desk[0]["may_decide"] is True
    broken = client.post(
        f"{COMMITMENTS}/{signed['id']}/outcome",
        json={"outcome": "broken", "note": "到期核查未补齐冷链设施"},
        headers=tj,
    )
    assert broken.status_code == 200, broken.text
    record_id = broken.json()["broken_record_id"]
    assert broken.json()["status"] == "broken" and record_id
    session.expire_all()
    record = session.get(CreditRecord, record_id)
    assert record is not None
    assert record.kind == "broken_commitment" and record.status == "published"
    assert record.source_organisation_id == people.organisations["tj_samr"]
    after = session.get(CreditSubject, subject.id)
    assert after is not None and after.risk_score is not None and score_before is not None
    assert after.risk_score < score_before
    twice = client.post(
        f"{COMMITMENTS}/{signed['id']}/outcome", json={"outcome": "kept"}, headers=tj
    )
    assert twice.status_code == 409
    assert audit_count(session, "credit.commitment.decide") == 3


def test_a_kept_commitment_changes_no_record(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    signed = _sign(client, people)
    tj = people.headers(session_factory, "tj-samr")
    kept = client.post(
        f"{COMMITMENTS}/{signed['id']}/outcome", json={"outcome": "kept"}, headers=tj
    )
    assert kept.json()["status"] == "kept" and kept.json()["broken_record_id"] is None
    session.expire_all()
    kinds = session.scalars(select(CreditRecord.kind)).all()
    assert list(kinds) == ["licence"]


def test_bad_commitments_name_the_fields(
    client: TestClient, session: Session, people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    response = client.post(
        COMMITMENTS,
        json={
            "uscc": "91110000600037341L",
            "representative_name": "李四",
            "purpose": "x",
            "content": "y",
            "organisation_id": 999999,
            "due_date": days_ago(5),
        },
    )
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert locs == [["body", "uscc"], ["body", "organisation_id"], ["body", "due_date"]]
    not_a_date = client.post(
        COMMITMENTS,
        json={
            "uscc": HE_CO,
            "representative_name": "李四",
            "purpose": "x",
            "content": "y",
            "organisation_id": people.organisations["tj_samr"],
            "due_date": 0,
        },
    )
    assert not_a_date.status_code == 422
    assert not_a_date.json()["errors"][0]["loc"] == ["body", "due_date"]
