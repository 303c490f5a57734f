"""Self-declarations: published by the subject, marked self-declared, withdrawn by the
declarant or the subject's province administrator (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from tests.conftest import People
from tests.credit.records_support import audit_count
from tests.credit.services_support import HE_CO, make_record

DECLARATIONS = "/api/v1/credit/declarations"


def test_declare_list_and_withdraw(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    created = client.post(
        DECLARATIONS,
        json={
            "uscc": HE_CO,
            "kind": "honour",
            "title": "2025年度石家庄市守合同重信用企业",
            "content": "市场监管部门公示名单第12号",
            "declared_by_name": "李四",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["self_declared"] is True and body["withdrawn_at"] is None
    listed = client.get(DECLARATIONS, params={"uscc": HE_CO}).json()
    assert [d["id"] for d in listed] == [body["id"]] and listed[0]["self_declared"] is True

    # Anonymous declarants cannot withdraw; another province's administrator neither.
    assert client.post(f"{DECLARATIONS}/{body['id']}/withdraw").status_code == 401
    bj_admin = people.headers(session_factory, "bj-admin")
    assert client.post(f"{DECLARATIONS}/{body['id']}/withdraw", headers=bj_admin).status_code == 403
    he_admin = people.headers(session_factory, "he-admin")
    withdrawn = client.post(f"{DECLARATIONS}/{body['id']}/withdraw", headers=he_admin)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert client.get(DECLARATIONS, params={"uscc": HE_CO}).json() == []
    again = client.post(f"{DECLARATIONS}/{body['id']}/withdraw", headers=he_admin)
    assert again.status_code == 409
    session.expire_all()
    assert audit_count(session, "credit.declaration.create") == 1
    assert audit_count(session, "credit.declaration.withdraw") == 3


def test_a_signed_in_declarant_withdraws_their_own(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    make_record(session, people["he-samr"], kind="licence", severity=None)
    headers = people.headers(session_factory, "he-samr")
    created = client.post(
        DECLARATIONS,
        json={
            "uscc": HE_CO,
            "kind": "qualification",
            "title": "ISO 9001",
            "declared_by_name": "河北省市场监管局",
        },
        headers=headers,
    ).json()
    assert (
        client.post(f"{DECLARATIONS}/{created['id']}/withdraw", headers=headers).status_code == 200
    )


def test_unknown_subject_and_kind_name_the_field(client: TestClient, people: People) -> None:
    unknown = client.post(
        DECLARATIONS,
        json={
            "uscc": "91110000600037341L",
            "kind": "honour",
            "title": "x",
            "declared_by_name": "y",
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "uscc"]
    bad_kind = client.post(
        DECLARATIONS,
        json={"uscc": HE_CO, "kind": "medal", "title": "x", "declared_by_name": "y"},
    )
    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["loc"] == ["body", "kind"]


def test_withdrawing_a_declaration_that_does_not_exist_is_an_audited_404(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """Found in a review: it answered 404 without an audit entry (every refusal is on it)."""
    he_admin = people.headers(session_factory, "he-admin")
    assert client.post(f"{DECLARATIONS}/999999/withdraw", headers=he_admin).status_code == 404
    with session_factory() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "not_found")).all()
        refused = [(e.actor_username, e.action, e.object_type, e.object_id) for e in entries]
    assert refused == [("he-admin", "credit.declaration.withdraw", "credit_declaration", "999999")]
