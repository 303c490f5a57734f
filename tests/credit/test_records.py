"""Credit records: writers, idempotence and revisions, visibility, personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord
from jingjinji.credit.service import publication, records
from jingjinji.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingjinji.regions import service as regions
from tests.conftest import People
from tests.credit.records_support import BJ_CO, HE_CO, ID_NUMBER, audit_count, record_in


def test_create_is_idempotent_and_revisions_are_audited(session: Session, people: People) -> None:
    actor = people["bj-samr"]
    first = records.create_record(session, actor=actor, data=record_in())
    session.commit()
    assert first.status == "pending" and first.revision == 1
    assert first.source_organisation_id == people.organisations["bj_samr"]
    # 7 working days after Monday 2026-11-02: Wednesday 2026-11-11.
    assert first.publication_deadline == dt.date(2026, 11, 11)
    again = records.create_record(session, actor=actor, data=record_in())
    session.commit()
    assert again.id == first.id and again.revision == 1
    assert audit_count(session, "credit.record.create") == 1
    assert audit_count(session, "credit.record.revise") == 0
    revised = records.create_record(session, actor=actor, data=record_in(fine_10k_cny="3"))
    session.commit()
    assert revised.id == first.id and revised.revision == 2
    assert audit_count(session, "credit.record.revise") == 1


def test_writers_and_refusals(session: Session, people: People) -> None:
    with pytest.raises(PermissionDenied):
        records.create_record(
            session,
            actor=people["he-samr"],
            data=record_in(source_organisation_id=people.organisations["bj_samr"]),
        )
    with pytest.raises(InvalidInput) as info:
        records.create_record(
            session,
            actor=people["bj-samr"],
            data=record_in(decision_date="2099-01-01", uscc=BJ_CO[:17] + "I"),
        )
    columns = {e["loc"][-1] for e in info.value.errors}
    assert columns == {"uscc", "decision_date"}
    # The office names the agency; without one it is refused.
    with pytest.raises(InvalidInput, match="source agency"):
        records.create_record(session, actor=people["office"], data=record_in())
    made = records.create_record(
        session,
        actor=people["office"],
        data=record_in(source_organisation_id=people.organisations["he_samr"]),
    )
    assert made.jurisdiction_code.startswith("13")
    session.commit()
    assert audit_count(session, "credit.record.create") == 4  # one write, three refusals


def test_measures_are_checked_and_list_entries_published_at_once(
    session: Session, people: People
) -> None:
    with pytest.raises(InvalidInput, match="unknown measure"):
        records.create_record(
            session,
            actor=people["he-samr"],
            data=record_in(kind="black_list", uscc=HE_CO, measures=["no_such_measure"]),
        )
    entry = records.create_record(
        session,
        actor=people["he-samr"],
        data=record_in(kind="black_list", uscc=HE_CO, document_number="冀黑〔2026〕1号"),
    )
    session.commit()
    assert entry.status == "published" and entry.measures  # the black list's defaults
    # Every agency member of any jurisdiction reads it (the list is public too, as on
    # Credit China).
    assert records.get_record(session, actor=people["bj-analyst"], record_id=entry.id)
    assert records.get_record(session, actor=None, record_id=entry.id)
    lifted = records.lift_entry(
        session, actor=people["he-samr"], record_id=entry.id, reason="信用修复完成"
    )
    session.commit()
    assert lifted.status == "withdrawn" and lifted.withdrawn_reason == "lifted"
    with pytest.raises(NotFound):
        records.get_record(session, actor=people["bj-analyst"], record_id=entry.id)
    assert records.get_record(session, actor=people["he-admin"], record_id=entry.id)
    with pytest.raises(Conflict):
        records.lift_entry(session, actor=people["he-samr"], record_id=entry.id, reason="again")


def test_visibility_and_personal_data(session: Session, people: People) -> None:
    record = records.create_record(session, actor=people["bj-samr"], data=record_in())
    session.commit()
    with pytest.raises(NotFound):  # pending: the public does not see it
        records.get_record(session, actor=None, record_id=record.id)
    with pytest.raises(NotFound):  # nor another province's agency
        records.get_record(session, actor=people["tj-samr"], record_id=record.id)
    publication.publish_record(session, actor=people["bj-samr"], record_id=record.id)
    session.commit()
    assert records.get_record(session, actor=None, record_id=record.id).id == record.id
    public = records.records_out(session, actor=None, records=[record])[0]
    assert "id_number" not in public.details and "id_type" not in public.details
    assert public.details["legal_representative"] == "张三"
    own = records.records_out(session, actor=people["bj-samr"], records=[record])[0]
    assert own.details["id_number"] == ID_NUMBER and own.may_write
    assert records.public_records(
        session, subject_id=record.subject_id, today=dt.date(2026, 12, 1)
    ) == [record]


def test_api_create_list_get(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "bj-samr")
    body = record_in().model_dump(mode="json", exclude_none=True)
    r = client.post("/api/v1/credit/records", json=body, headers=headers)
    assert r.status_code == 201, r.text
    record_id = r.json()["id"]
    assert r.json()["details"]["id_number"] == ID_NUMBER
    assert client.post("/api/v1/credit/records", json=body, headers=headers).json()["revision"] == 1
    bad = client.post(
        "/api/v1/credit/records", json={**body, "fine_10k_cny": "lots"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "fine_10k_cny"
    mine = client.get("/api/v1/credit/records", params={"status": "pending"}, headers=headers)
    assert [x["id"] for x in mine.json()["items"]] == [record_id]
    assert client.get("/api/v1/credit/records").json()["items"] == []
    assert client.get(f"/api/v1/credit/records/{record_id}").status_code == 404
    published = client.post(f"/api/v1/credit/records/{record_id}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["published_late"] is True
    anonymous = client.get(f"/api/v1/credit/records/{record_id}").json()
    assert "id_number" not in anonymous["details"] and not anonymous["may_write"]
    again = client.post(f"/api/v1/credit/records/{record_id}/publish", headers=headers)
    assert again.status_code == 409


def test_source_by_agency_code(session: Session, people: People) -> None:
    org = regions.get_organisation(session, organisation_id=people.organisations["tj_samr"])
    made = records.create_record(
        session, actor=people["tj-admin"], data=record_in(source_agency_uscc=org.uscc)
    )
    assert made.source_organisation_id == org.id
    assert session.get(CreditRecord, made.id) is not None
