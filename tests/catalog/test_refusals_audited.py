"""Found in a review: some catalog endpoints answered 422 or 409 without putting the refused
attempt on the record (the platform's rule: every refusal is audited, as the access period
rule's are). Each service-level 422 and each 409 of the catalog (a code taken, a request
undecided or decided, a grant revoked, records another domain serves) is an audited refusal
(``outcome="refused"``) with its reason, and nothing of the refused attempt is stored (both
databases)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import service
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset, Record
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.catalog.service import sources
from jingjinji.errors import InvalidInput
from tests.catalog.support import (
    PROBLEM,
    SETTINGS,
    audit_entries,
    build_catalog,
    dataset_json,
    request_in,
)
from tests.conftest import People


@pytest.fixture
def catalog(session_factory: sessionmaker[Session], people: People) -> People:
    build_catalog(session_factory, people)
    return people


def _refused(session_factory: sessionmaker[Session], action: str) -> AuditEntry:
    [entry] = audit_entries(session_factory, action=action, outcome="refused")
    return entry


def _count(session_factory: sessionmaker[Session], model: type[Any]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _unprocessable(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"owner_organisation_id": 999_999}, "unknown organisation 999999"),
        (
            {"sharing_class": "conditional", "open_to_public": True},
            "only unconditional datasets can be open to the public",
        ),
    ],
)
def test_a_refused_registration_is_on_the_record(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    overrides: dict[str, Any],
    reason: str,
) -> None:
    before = _count(session_factory, Dataset)
    body = dataset_json("BJ-NEW", catalog.organisations["bj_env"], **overrides)
    response = client.post(
        "/api/v1/datasets", json=body, headers=catalog.headers(session_factory, "bj-env")
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.dataset.create")
    assert (entry.actor_username, entry.object_id) == ("bj-env", "BJ-NEW")
    assert reason in json.loads(entry.detail_json)["reason"]
    assert _count(session_factory, Dataset) == before


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"owner_organisation_id": 999_999}, "unknown organisation 999999"),
        (
            {"fields": [{"name": "u", "type": "integer", "sharing_class": "unconditional"}]},
            "the dataset holds records",
        ),
    ],
)
def test_a_refused_update_is_on_the_record(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    overrides: dict[str, Any],
    reason: str,
) -> None:
    body = dataset_json("BJ-INTERNAL", catalog.organisations["bj_env"], **overrides)
    body.pop("code")
    response = client.put(
        "/api/v1/datasets/BJ-INTERNAL",
        json=body,
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.dataset.update")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-INTERNAL", "110000")
    assert reason in json.loads(entry.detail_json)["reason"]
    with session_factory() as session:
        dataset = service.get_dataset(session, code="BJ-INTERNAL")
        assert [(f.name, f.type) for f in dataset.fields] == [("u", "string")]
        assert dataset.title_en == "Dataset BJ-INTERNAL"


def test_refused_rows_are_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    before = _count(session_factory, Record)
    response = client.post(
        "/api/v1/datasets/BJ-OPEN/records",
        json={"rows": [{"a": 4, "b": "four"}, {"a": "five"}]},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.records.write")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-OPEN", "110000")
    assert json.loads(entry.detail_json)["rows"] == 2
    assert _count(session_factory, Record) == before
    assert len(audit_entries(session_factory, action="catalog.records.write", outcome="ok")) == 4


def test_a_filter_on_a_withheld_field_is_refused_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.get(
        "/api/v1/datasets/BJ-OPEN/records",
        params={"c": "1.5"},
        headers=catalog.headers(session_factory, "he-analyst"),
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.records.read")
    assert (entry.actor_username, entry.object_id) == ("he-analyst", "BJ-OPEN")
    assert json.loads(entry.detail_json)["filters"] == ["c"]


@pytest.mark.parametrize(
    ("code", "username"),
    [("BJ-SECRET", "he-analyst"), ("NO-SUCH", "he-analyst"), ("BJ-COND", "bj-env")],
)
def test_a_request_for_a_dataset_that_cannot_be_requested_is_on_the_record(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    code: str,
    username: str,
) -> None:
    body = request_in(code, ["x"]).model_dump(mode="json")
    response = client.post(
        "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, username)
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.access_request.create")
    assert (entry.actor_username, entry.object_id) == (username, code)
    with session_factory() as session:
        assert service.list_access_requests(session, actor=catalog["office"]).items == []


def _filed(session_factory: sessionmaker[Session], catalog: People) -> int:
    with session_factory() as session:
        request = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
        )
        session.commit()
        return request.id


def _approved(session_factory: sessionmaker[Session], catalog: People, request_id: int) -> None:
    with session_factory() as session:
        service.decide_access_request(
            session,
            actor=catalog["bj-env"],
            request_id=request_id,
            data=DecisionIn(decision="approve"),
            settings=SETTINGS,
        )
        session.commit()


def test_a_rejection_without_its_reason_is_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    request_id = _filed(session_factory, catalog)
    response = client.post(
        f"/api/v1/access-requests/{request_id}/decision",
        json={"decision": "reject", "reason": "   "},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.access_request.decide")
    assert (entry.object_id, entry.jurisdiction_code) == (str(request_id), "110000")
    with session_factory() as session:
        assert service.get_access_request(session, request_id=request_id).status == "pending"


def test_a_revocation_without_its_reason_is_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    _approved(session_factory, catalog, _filed(session_factory, catalog))
    with session_factory() as session:
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
    response = client.post(
        f"/api/v1/access-grants/{grant.id}/revoke",
        json={"reason": "   "},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _unprocessable(response)
    entry = _refused(session_factory, "catalog.grant.revoke")
    assert (entry.object_id, entry.jurisdiction_code) == (str(grant.id), "110000")
    assert audit_entries(session_factory, action="catalog.grant.revoke", outcome="ok") == []


def test_a_scoped_grant_without_its_reason_is_on_the_record(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    with session_factory() as session, pytest.raises(InvalidInput):
        service.grant_scoped(
            session,
            actor=catalog["bj-env"],
            dataset_code="BJ-COND",
            organisation_id=catalog.organisations["he_env"],
            row_scope={"x": ["x1"]},
            reason=" ",
        )
    entry = _refused(session_factory, "catalog.grant.scoped")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-COND", "110000")
    with session_factory() as session:
        assert service.list_grants(session, actor=catalog["office"])[0] == []


# --- 409s ---------------------------------------------------------------------------------


def _conflict(response: Any) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def _reason(entry: AuditEntry) -> str:
    return str(json.loads(entry.detail_json)["reason"])


def test_a_dataset_code_taken_is_refused_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    before = _count(session_factory, Dataset)
    body = dataset_json("BJ-OPEN", catalog.organisations["bj_env"])
    response = client.post(
        "/api/v1/datasets", json=body, headers=catalog.headers(session_factory, "bj-env")
    )
    _conflict(response)
    entry = _refused(session_factory, "catalog.dataset.create")
    assert (entry.actor_username, entry.object_id, entry.jurisdiction_code) == (
        "bj-env",
        "BJ-OPEN",
        "110000",
    )
    assert "exists already" in _reason(entry)
    assert _count(session_factory, Dataset) == before


def test_a_second_undecided_request_is_refused_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    _filed(session_factory, catalog)
    body = request_in("BJ-COND", ["x"]).model_dump(mode="json")
    response = client.post(
        "/api/v1/access-requests",
        json=body,
        headers=catalog.headers(session_factory, "he-analyst"),
    )
    _conflict(response)
    entry = _refused(session_factory, "catalog.access_request.create")
    assert (entry.actor_username, entry.object_id, entry.jurisdiction_code) == (
        "he-analyst",
        "BJ-COND",
        "110000",
    )
    assert "undecided request" in _reason(entry)
    assert _count(session_factory, AccessRequest) == 1


def test_deciding_a_decided_request_is_refused_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    request_id = _filed(session_factory, catalog)
    _approved(session_factory, catalog, request_id)
    events = _count(session_factory, AccessEvent)
    response = client.post(
        f"/api/v1/access-requests/{request_id}/decision",
        json={"decision": "reject", "reason": "changed our mind"},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _conflict(response)
    entry = _refused(session_factory, "catalog.access_request.decide")
    assert (entry.object_id, entry.jurisdiction_code) == (str(request_id), "110000")
    assert json.loads(entry.detail_json)["decision"] == "reject"
    assert "already" in _reason(entry)
    with session_factory() as session:
        assert service.get_access_request(session, request_id=request_id).status == "approved"
    assert _count(session_factory, AccessEvent) == events


def test_revoking_a_revoked_grant_is_refused_on_the_record(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    request_id = _filed(session_factory, catalog)
    _approved(session_factory, catalog, request_id)
    with session_factory() as session:
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
    headers = catalog.headers(session_factory, "bj-env")
    url = f"/api/v1/access-grants/{grant.id}/revoke"
    assert client.post(url, json={"reason": "project ended"}, headers=headers).status_code == 200
    events = _count(session_factory, AccessEvent)
    _conflict(client.post(url, json={"reason": "again"}, headers=headers))
    entry = _refused(session_factory, "catalog.grant.revoke")
    assert (entry.object_id, entry.jurisdiction_code) == (str(grant.id), "110000")
    assert json.loads(entry.detail_json)["dataset"] == "BJ-COND"
    assert "revoked already" in _reason(entry)
    assert _count(session_factory, AccessEvent) == events


def test_writing_records_another_domain_serves_is_refused_on_the_record(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def served(session: Session, **kw: Any) -> tuple[list[dict[str, Any]], str | None]:
        return [], None

    monkeypatch.setattr(sources, "_record_sources", {"BJ-OPEN": served})
    before = _count(session_factory, Record)
    response = client.post(
        "/api/v1/datasets/BJ-OPEN/records",
        json={"rows": [{"a": 4, "b": "four"}]},
        headers=catalog.headers(session_factory, "bj-env"),
    )
    _conflict(response)
    entry = _refused(session_factory, "catalog.records.write")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-OPEN", "110000")
    assert "another domain" in _reason(entry)
    assert _count(session_factory, Record) == before
