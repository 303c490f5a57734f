"""The joint check: a Hebei black-list entry changes a Beijing agency's answer at once; the
public is refused on the record; every check is audited (both databases)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from tests.conftest import People
from tests.credit.records_support import audit_count
from tests.credit.services_support import HE_CO, days_ago, make_record

CHECK = "/api/v1/credit/check"


def test_a_hebei_black_list_entry_changes_the_answer_for_a_beijing_agency(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    # The subject is known (a licence from Hebei), not listed.
    make_record(session, people["he-samr"], kind="licence", title="食品经营许可", severity=None)
    bj = people.headers(session_factory, "bj-samr")
    before = client.get(CHECK, params={"uscc": HE_CO, "purpose": "procurement"}, headers=bj)
    assert before.status_code == 200, before.text
    body = before.json()
    assert body["name"] == "河北测试示例建材有限公司（虚构）"
    assert body["black_listed"] is False and body["restricted"] is False
    assert body["measures"] == [] and body["entries"] == []

    # Hebei's agency lists the subject, naming the procurement ban and stricter inspection.
    he = people.headers(session_factory, "he-samr")
    created = client.post(
        "/api/v1/credit/records",
        json={
            "kind": "black_list",
            "uscc": HE_CO,
            "document_number": "冀市监失信〔2026〕7号",
            "title": "严重违法失信名单",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
            "measures": ["B01_PROCUREMENT_BAN", "B03_STRICT_INSPECTION"],
            "decision_date": days_ago(1),
        },
        headers=he,
    )
    assert created.status_code in (200, 201), created.text

    after = client.get(CHECK, params={"uscc": HE_CO, "purpose": "procurement"}, headers=bj)
    assert after.status_code == 200
    body = after.json()
    assert body["black_listed"] is True and body["restricted"] is True
    assert [m["code"] for m in body["measures"]] == ["B01_PROCUREMENT_BAN"]
    assert body["entries"][0]["jurisdiction_code"].startswith("13")
    assert body["entries"][0]["measures"] == ["B01_PROCUREMENT_BAN", "B03_STRICT_INSPECTION"]
    # For an inspection the other measure applies; for subsidies none of the two.
    inspection = client.get(CHECK, params={"uscc": HE_CO, "purpose": "inspection"}, headers=bj)
    assert [m["code"] for m in inspection.json()["measures"]] == ["B03_STRICT_INSPECTION"]
    subsidy = client.get(CHECK, params={"uscc": HE_CO, "purpose": "subsidy"}, headers=bj)
    assert subsidy.json()["measures"] == [] and subsidy.json()["black_listed"] is True
    assert subsidy.json()["restricted"] is False
    # The class reflects the entry (recomputed on the write) with its supervision frequency.
    assert body["risk_class"] in ("C", "D") and body["supervision_frequency"]

    # Every check is on the record: who, which organisation, why, what was answered.
    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "credit.check").order_by(AuditEntry.seq)
    ).all()
    assert len(entries) == 4
    last = entries[-1]
    detail = json.loads(last.detail_json)
    assert last.actor_username == "bj-samr" and last.object_id == HE_CO
    assert detail["purpose"] == "subsidy"
    assert detail["organisation_id"] == people.organisations["bj_samr"]
    assert detail["black_listed"] is True
    assert json.loads(entries[1].detail_json)["measures"] == ["B01_PROCUREMENT_BAN"]


def test_the_public_is_refused_on_the_record(
    client: TestClient, session: Session, people: People
) -> None:
    make_record(session, people["he-samr"])
    response = client.get(CHECK, params={"uscc": HE_CO, "purpose": "procurement"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    session.expire_all()
    assert audit_count(session, "credit.check") == 1
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "credit.check")).one()
    assert entry.outcome == "denied" and entry.actor_username == "anonymous"


def test_bad_input_names_the_field(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(session, people["he-samr"])
    headers = people.headers(session_factory, "tj-samr")
    bad_purpose = client.get(CHECK, params={"uscc": HE_CO, "purpose": "lottery"}, headers=headers)
    assert bad_purpose.status_code == 422
    assert bad_purpose.json()["errors"][0]["loc"] == ["query", "purpose"]
    assert "procurement" in bad_purpose.json()["errors"][0]["msg"]
    missing = client.get(CHECK, params={"uscc": HE_CO}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["query", "purpose"]
    unknown = client.get(
        CHECK, params={"uscc": "91110000600037341L", "purpose": "bidding"}, headers=headers
    )
    assert unknown.status_code == 404
    session.expire_all()
    assert audit_count(session, "credit.check") == 2  # both refusals are on the record


def test_a_red_list_entry_gives_its_incentives_and_a_lifted_one_none(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(
        session,
        people["tj-samr"],
        kind="red_list",
        title="守合同重信用企业",
        severity=None,
        measures=["R01_GREEN_CHANNEL", "R04_COMMITMENT_INSTEAD"],
        decision_date=days_ago(3),
    )
    headers = people.headers(session_factory, "he-samr")
    answer = client.get(CHECK, params={"uscc": HE_CO, "purpose": "licensing"}, headers=headers)
    body = answer.json()
    assert body["red_listed"] is True and body["black_listed"] is False
    assert [m["code"] for m in body["measures"]] == ["R01_GREEN_CHANNEL", "R04_COMMITMENT_INSTEAD"]
    assert body["restricted"] is False
