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
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import service
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset, Record
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.catalog.service import sources
from jingjinji.errors import InvalidInput
from tests.catalog.support import (
    SETTINGS,
    Caller,
    audit_entries,
    dataset_json,
    request_in,
)
from tests.conftest import People


@pytest.fixture
def filed(session_factory: sessionmaker[Session], catalog: People) -> int:
    """he-analyst's pending request for BJ-COND's x; its id."""
    with session_factory() as session:
        request = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
        )
        session.commit()
        return request.id


@pytest.fixture
def approved(session_factory: sessionmaker[Session], catalog: People, filed: int) -> int:
    """The filed request, approved by bj-env; its id."""
    with session_factory() as session:
        service.decide_access_request(
            session,
            actor=catalog["bj-env"],
            request_id=filed,
            data=DecisionIn(decision="approve"),
            settings=SETTINGS,
        )
        session.commit()
    return filed


@pytest.fixture
def grant_id(session_factory: sessionmaker[Session], catalog: People, approved: int) -> int:
    """The grant the approval gave he-analyst's organisation."""
    with session_factory() as session:
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
        return grant.id


def _count(session_factory: sessionmaker[Session], model: type[Any]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _reason(entry: AuditEntry) -> str:
    return str(json.loads(entry.detail_json)["reason"])


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
    call: Caller, overrides: dict[str, Any], reason: str
) -> None:
    before = _count(call.session_factory, Dataset)
    body = dataset_json("BJ-NEW", call.people.organisations["bj_env"], **overrides)
    call("POST", "/api/v1/datasets", "bj-env", 422, json=body)
    entry = call.refused("catalog.dataset.create")
    assert (entry.actor_username, entry.object_id) == ("bj-env", "BJ-NEW")
    assert reason in _reason(entry)
    assert _count(call.session_factory, Dataset) == before


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
    call: Caller, overrides: dict[str, Any], reason: str
) -> None:
    body = dataset_json("BJ-INTERNAL", call.people.organisations["bj_env"], **overrides)
    body.pop("code")
    call("PUT", "/api/v1/datasets/BJ-INTERNAL", "bj-env", 422, json=body)
    entry = call.refused("catalog.dataset.update")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-INTERNAL", "110000")
    assert reason in _reason(entry)
    with call.session_factory() as session:
        dataset = service.get_dataset(session, code="BJ-INTERNAL")
        assert [(f.name, f.type) for f in dataset.fields] == [("u", "string")]
        assert dataset.title_en == "Dataset BJ-INTERNAL"


def test_refused_rows_are_on_the_record(call: Caller) -> None:
    before = _count(call.session_factory, Record)
    rows = [{"a": 4, "b": "four"}, {"a": "five"}]
    call("POST", "/api/v1/datasets/BJ-OPEN/records", "bj-env", 422, json={"rows": rows})
    entry = call.refused("catalog.records.write")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-OPEN", "110000")
    assert json.loads(entry.detail_json)["rows"] == 2
    assert _count(call.session_factory, Record) == before
    written = audit_entries(call.session_factory, action="catalog.records.write", outcome="ok")
    assert len(written) == 4


def test_a_filter_on_a_withheld_field_is_refused_on_the_record(call: Caller) -> None:
    call("GET", "/api/v1/datasets/BJ-OPEN/records", "he-analyst", 422, params={"c": "1.5"})
    entry = call.refused("catalog.records.read")
    assert (entry.actor_username, entry.object_id) == ("he-analyst", "BJ-OPEN")
    assert json.loads(entry.detail_json)["filters"] == ["c"]


@pytest.mark.parametrize(
    ("code", "username"),
    [("BJ-SECRET", "he-analyst"), ("NO-SUCH", "he-analyst"), ("BJ-COND", "bj-env")],
)
def test_a_request_for_a_dataset_that_cannot_be_requested_is_on_the_record(
    call: Caller, code: str, username: str
) -> None:
    body = request_in(code, ["x"]).model_dump(mode="json")
    call("POST", "/api/v1/access-requests", username, 422, json=body)
    entry = call.refused("catalog.access_request.create")
    assert (entry.actor_username, entry.object_id) == (username, code)
    with call.session_factory() as session:
        assert service.list_access_requests(session, actor=call.people["office"]).items == []


def test_a_rejection_without_its_reason_is_on_the_record(call: Caller, filed: int) -> None:
    body = {"decision": "reject", "reason": "   "}
    call("POST", f"/api/v1/access-requests/{filed}/decision", "bj-env", 422, json=body)
    entry = call.refused("catalog.access_request.decide")
    assert (entry.object_id, entry.jurisdiction_code) == (str(filed), "110000")
    with call.session_factory() as session:
        assert service.get_access_request(session, request_id=filed).status == "pending"


def test_a_revocation_without_its_reason_is_on_the_record(call: Caller, grant_id: int) -> None:
    url = f"/api/v1/access-grants/{grant_id}/revoke"
    call("POST", url, "bj-env", 422, json={"reason": "   "})
    entry = call.refused("catalog.grant.revoke")
    assert (entry.object_id, entry.jurisdiction_code) == (str(grant_id), "110000")
    assert audit_entries(call.session_factory, action="catalog.grant.revoke", outcome="ok") == []


def test_a_scoped_grant_without_its_reason_is_on_the_record(call: Caller) -> None:
    with call.session_factory() as session, pytest.raises(InvalidInput):
        service.grant_scoped(
            session,
            actor=call.people["bj-env"],
            dataset_code="BJ-COND",
            organisation_id=call.people.organisations["he_env"],
            row_scope={"x": ["x1"]},
            reason=" ",
        )
    entry = call.refused("catalog.grant.scoped")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-COND", "110000")
    with call.session_factory() as session:
        assert service.list_grants(session, actor=call.people["office"])[0] == []


# --- 409s ---------------------------------------------------------------------------------


def test_a_dataset_code_taken_is_refused_on_the_record(call: Caller) -> None:
    before = _count(call.session_factory, Dataset)
    body = dataset_json("BJ-OPEN", call.people.organisations["bj_env"])
    call("POST", "/api/v1/datasets", "bj-env", 409, json=body)
    entry = call.refused("catalog.dataset.create")
    assert (entry.actor_username, entry.object_id, entry.jurisdiction_code) == (
        "bj-env",
        "BJ-OPEN",
        "110000",
    )
    assert "exists already" in _reason(entry)
    assert _count(call.session_factory, Dataset) == before


def test_a_second_undecided_request_is_refused_on_the_record(call: Caller, filed: int) -> None:
    body = request_in("BJ-COND", ["x"]).model_dump(mode="json")
    call("POST", "/api/v1/access-requests", "he-analyst", 409, json=body)
    entry = call.refused("catalog.access_request.create")
    assert (entry.actor_username, entry.object_id, entry.jurisdiction_code) == (
        "he-analyst",
        "BJ-COND",
        "110000",
    )
    assert "undecided request" in _reason(entry)
    assert _count(call.session_factory, AccessRequest) == 1


def test_deciding_a_decided_request_is_refused_on_the_record(call: Caller, approved: int) -> None:
    events = _count(call.session_factory, AccessEvent)
    body = {"decision": "reject", "reason": "changed our mind"}
    call("POST", f"/api/v1/access-requests/{approved}/decision", "bj-env", 409, json=body)
    entry = call.refused("catalog.access_request.decide")
    assert (entry.object_id, entry.jurisdiction_code) == (str(approved), "110000")
    assert json.loads(entry.detail_json)["decision"] == "reject"
    assert "already" in _reason(entry)
    with call.session_factory() as session:
        assert service.get_access_request(session, request_id=approved).status == "approved"
    assert _count(call.session_factory, AccessEvent) == events


def test_revoking_a_revoked_grant_is_refused_on_the_record(call: Caller, grant_id: int) -> None:
    url = f"/api/v1/access-grants/{grant_id}/revoke"
    call("POST", url, "bj-env", 200, json={"reason": "project ended"})
    events = _count(call.session_factory, AccessEvent)
    call("POST", url, "bj-env", 409, json={"reason": "again"})
    entry = call.refused("catalog.grant.revoke")
    assert (entry.object_id, entry.jurisdiction_code) == (str(grant_id), "110000")
    assert json.loads(entry.detail_json)["dataset"] == "BJ-COND"
    assert "revoked already" in _reason(entry)
    assert _count(call.session_factory, AccessEvent) == events


def test_writing_records_another_domain_serves_is_refused_on_the_record(
    call: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    def served(session: Session, **kw: Any) -> tuple[list[dict[str, Any]], str | None]:
        return [], None

    monkeypatch.setattr(sources, "_record_sources", {"BJ-OPEN": served})
    before = _count(call.session_factory, Record)
    rows = [{"a": 4, "b": "four"}]
    call("POST", "/api/v1/datasets/BJ-OPEN/records", "bj-env", 409, json={"rows": rows})
    entry = call.refused("catalog.records.write")
    assert (entry.object_id, entry.jurisdiction_code) == ("BJ-OPEN", "110000")
    assert "another domain" in _reason(entry)
    assert _count(call.session_factory, Record) == before


# --- a bad query of a read (records, their CSV and download, the activity stream) ------------

RECORDS = "/api/v1/datasets/BJ-OPEN/records"
READERS = ["bj-env", "he-analyst", None]  # the owner, a reader across provinces, anonymous
PAGING_PROBLEMS = [
    pytest.param({"limit": "0"}, "limit", "must be between 1 and 1000", id="limit-0"),
    pytest.param({"limit": "1001"}, "limit", "must be between 1 and 1000", id="limit-1001"),
    pytest.param({"cursor": "x"}, "cursor", "malformed cursor", id="cursor"),
    # no number at all: refused by the service too, not by the framework before it runs
    pytest.param({"limit": "abc"}, "limit", "a whole number is required", id="limit-abc"),
    pytest.param({"limit": "2.5"}, "limit", "a whole number is required", id="limit-2.5"),
    pytest.param({"limit": ""}, "limit", "a whole number is required", id="limit-empty"),
]


def _refused_query(
    call: Caller, action: str, username: str | None, field: str, rule: str
) -> dict[str, Any]:
    """The one refusal of ``action`` on BJ-OPEN, by ``username``, naming ``field`` and
    ``rule``; its detail."""
    entry = call.refused(action)
    assert (entry.actor_username, entry.object_type, entry.object_id) == (
        username or "anonymous",
        "dataset",
        "BJ-OPEN",
    )
    assert entry.jurisdiction_code == "110000"
    detail: dict[str, Any] = json.loads(entry.detail_json)
    assert detail["problems"] == [{"field": f"query.{field}", "rule": rule}]
    return detail


@pytest.mark.parametrize("username", READERS)
@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        pytest.param({"nope": "1"}, "nope", "unknown field", id="unknown-field"),
        pytest.param({"a": "x"}, "a", "expected a integer value", id="not-an-integer"),
        pytest.param({"a": "99999999999999999999"}, "a", "expected a integer value", id="too-big"),
        *PAGING_PROBLEMS,
    ],
)
def test_a_bad_records_query_is_refused_on_the_record(
    call: Caller, username: str | None, query: dict[str, str], field: str, rule: str
) -> None:
    response = call("GET", RECORDS, username, 422, params=query)
    assert [e["loc"] for e in response.json()["errors"]] == [["query", field]]
    detail = _refused_query(call, "catalog.records.read", username, field, rule)
    assert detail["filters"] == sorted(set(query) - {"limit", "cursor"})
    # nothing was read (he-analyst's read across provinces would be on the record)
    assert audit_entries(call.session_factory, action="catalog.records.read", outcome="ok") == []


def test_a_bad_query_of_the_records_csv_is_refused_on_the_record(call: Caller) -> None:
    response = call("GET", f"{RECORDS}.csv", "he-analyst", 422, params={"a": "1.5"})
    assert response.json()["errors"][0]["loc"] == ["query", "a"]
    detail = _refused_query(
        call, "catalog.records.read", "he-analyst", "a", "expected a integer value"
    )
    assert detail["filters"] == ["a"]


def test_a_refused_query_keeps_little_of_its_untrusted_input(call: Caller) -> None:
    names = [f"n{i:02d}" + "x" * 200 for i in range(30)]
    query = {"a": "9" * 5000, **dict.fromkeys(names, "v")}
    response = call("GET", RECORDS, None, 422, params=query)
    assert len(response.json()["errors"]) == 31  # the answer names every problem
    entry = call.refused("catalog.records.read")
    assert "9" * 100 not in entry.detail_json and "x" * 100 not in entry.detail_json
    assert len(entry.detail_json) < 3000
    detail = json.loads(entry.detail_json)
    assert [p["field"][:9] for p in detail["problems"]] == [
        "query.a",
        *(f"query.{n[:3]}" for n in names[:9]),
    ]
    assert [n[:3] for n in detail["filters"]] == ["a", *(n[:3] for n in names[:9])]


def test_a_reader_refused_the_dataset_hears_that_before_the_query(call: Caller) -> None:
    call("GET", "/api/v1/datasets/NOPE/records", "he-analyst", 404, params={"limit": "0"})
    call("GET", "/api/v1/datasets/BJ-INTERNAL/records", None, 401, params={"u": "x", "limit": "0"})
    call("GET", "/api/v1/datasets/BJ-SECRET/records", "he-analyst", 403, params={"nope": "1"})
    assert audit_entries(call.session_factory, action="catalog.records.read") == []


def test_a_refused_read_is_committed_though_the_reading_session_is_not(call: Caller) -> None:
    with call.session_factory() as session, pytest.raises(InvalidInput):
        service.read_records(session, actor=None, dataset_code="BJ-OPEN", limit=0)
    _refused_query(call, "catalog.records.read", None, "limit", "must be between 1 and 1000")


@pytest.mark.parametrize("username", [None, "he-analyst"])
def test_a_download_filtering_on_a_bad_value_is_refused_before_it_streams(
    call: Caller, username: str | None
) -> None:
    url = "/api/v1/datasets/BJ-OPEN/download.csv"
    response = call("GET", url, username, 422, params={"a": "x"})
    assert response.json()["errors"][0]["loc"] == ["query", "a"]
    detail = _refused_query(
        call, "catalog.records.download", username, "a", "expected a integer value"
    )
    assert (detail["format"], detail["filters"]) == ("csv", ["a"])


@pytest.mark.parametrize("username", READERS)
@pytest.mark.parametrize(("query", "field", "rule"), PAGING_PROBLEMS)
def test_a_bad_activity_query_is_refused_on_the_record(
    call: Caller, username: str | None, query: dict[str, str], field: str, rule: str
) -> None:
    response = call("GET", "/api/v1/datasets/BJ-OPEN/activity", username, 422, params=query)
    assert [e["loc"] for e in response.json()["errors"]] == [["query", field]]
    # the activity stream is read from the audit chain
    assert _refused_query(call, "audit.read", username, field, rule)["stream"] == "activity"
