"""The credit registry: subjects by USCC, jurisdiction of registration, name history."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import subjects
from jingjinji.errors import InvalidInput, PermissionDenied
from tests.conftest import People
from tests.credit.records_support import BJ_CO, HE_CO, HE_SHOP, TJ_CO, audit_count


def test_register_decodes_the_code_and_owns_by_region(session: Session, people: People) -> None:
    for code, province, kind in (
        (BJ_CO, "110000", "legal_person"),
        (TJ_CO, "120000", "legal_person"),
        (HE_CO, "130000", "legal_person"),
        (HE_SHOP, "130000", "individual_business"),
        (synthetic_uscc("12", "110108", 7), "110000", "other_organisation"),
    ):
        s = subjects.register_subject(
            session, actor=people["he-samr"], data=SubjectIn(uscc=code, name=f"虚构 {code}")
        )
        assert (s.jurisdiction_code, s.kind) == (province, kind)
        assert s.registration_authority == code[0] and s.category == code[:2]
        assert s.region_code == code[2:8]
    session.commit()
    assert audit_count(session, "credit.subject.register") == 5


def test_bad_codes_name_the_expected_character(session: Session, people: People) -> None:
    wrong = BJ_CO[:17] + ("0" if BJ_CO[17] != "0" else "1")
    with pytest.raises(InvalidInput) as info:
        subjects.register_subject(
            session, actor=people["bj-samr"], data=SubjectIn(uscc=wrong, name="x")
        )
    err = info.value.errors[0]
    assert err["loc"] == ["body", "uscc"] and err["expected"] == BJ_CO[17]
    assert "position 18" in err["msg"]
    # Registered in Shanghai (31): outside the region, refused with the reason.
    with pytest.raises(InvalidInput, match="outside Beijing, Tianjin and Hebei"):
        subjects.register_subject(
            session,
            actor=people["bj-samr"],
            data=SubjectIn(uscc="12310000425022547M", name="上海某单位"),
        )


def test_only_agencies_and_administrators_register(session: Session, people: People) -> None:
    with pytest.raises(PermissionDenied):
        subjects.register_subject(
            session, actor=people["bj-analyst"], data=SubjectIn(uscc=BJ_CO, name="x")
        )
    assert audit_count(session, "credit.subject.register") == 1  # the refusal


def test_idempotent_and_renames_keep_history(session: Session, people: People) -> None:
    actor = people["bj-samr"]
    first = subjects.register_subject(
        session,
        actor=actor,
        data=SubjectIn(uscc=BJ_CO, name="旧名称有限公司", registered_on=dt.date(2015, 3, 1)),
    )
    session.commit()
    again = subjects.register_subject(
        session, actor=actor, data=SubjectIn(uscc=BJ_CO.lower(), name="旧名称有限公司")
    )
    session.commit()
    assert again.id == first.id
    assert audit_count(session, "credit.subject.register") == 1
    assert audit_count(session, "credit.subject.update") == 0
    subjects.register_subject(
        session,
        actor=actor,
        data=SubjectIn(uscc=BJ_CO, name="新名称科技有限公司", renamed_on=dt.date(2024, 6, 1)),
    )
    session.commit()
    assert audit_count(session, "credit.subject.rename") == 1
    assert subjects.former_names(session, subject_id=first.id) == ["旧名称有限公司"]
    found = subjects.search_subjects(session, q="旧名称", cursor=None, limit=10)
    assert [s.uscc for s in found.items] == [BJ_CO]
    by_prefix = subjects.search_subjects(session, q=BJ_CO[:10], cursor=None, limit=10)
    assert [s.name for s in by_prefix.items] == ["新名称科技有限公司"]
    assert subjects.search_subjects(session, q="%", cursor=None, limit=10).items == []


def test_api_register_get_and_search(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "tj-samr")
    r = client.post(
        "/api/v1/credit/subjects",
        json={"uscc": TJ_CO, "name": "滨海示例物流有限公司"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["jurisdiction_code"] == "120000"
    bad = client.post(
        "/api/v1/credit/subjects",
        json={"uscc": TJ_CO[:-1] + "I", "name": "x"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "uscc"]
    assert client.get(f"/api/v1/credit/subjects/{TJ_CO}").json()["name"] == "滨海示例物流有限公司"
    missing = client.get(f"/api/v1/credit/subjects/{BJ_CO}")
    assert missing.status_code == 404 and BJ_CO in missing.json()["detail"]
    page = client.get("/api/v1/credit/subjects", params={"q": "滨海"}).json()
    assert [s["uscc"] for s in page["items"]] == [TJ_CO]
    assert (
        client.post("/api/v1/credit/subjects", json={"uscc": TJ_CO, "name": "x"}).status_code == 401
    )
