"""Conditional access requests: apply, decide, escalate, grant and revoke (append-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.models import AccessEvent, AccessRequest
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.catalog.service import requests as request_service
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied
from jingjinji.jobs import service as jobs
from jingjinji.timezone import china_today
from tests.catalog.support import (
    PROBLEM,
    SETTINGS,
    apply_and_approve,
    audit_entries,
    request_in,
)
from tests.conftest import People


def _events(session_factory: sessionmaker[Session]) -> list[tuple[str, int | None]]:
    with session_factory() as session:
        return [
            (e.kind, e.request_id)
            for e in session.scalars(select(AccessEvent).order_by(AccessEvent.id))
        ]


def _body(code: str, fields: list[str], **extra: Any) -> dict[str, Any]:
    today = china_today()
    return {
        "dataset_code": code,
        "purpose": "Joint enforcement against cross-border emitters",
        "fields": fields,
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=180)).isoformat(),
        **extra,
    }


def test_request_lifecycle_through_the_api(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    analyst = catalog.headers(session_factory, "he-analyst")
    steward = catalog.headers(session_factory, "bj-env")
    created = client.post(
        "/api/v1/access-requests", json=_body("BJ-COND", ["x", "y"]), headers=analyst
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["status"] == "pending" and request["overdue"] is False
    assert request["requester_organisation_id"] == catalog.organisations["he_drc"]
    assert request["due_date"] > request["submitted_at"][:10]

    mine = client.get("/api/v1/access-requests", params={"box": "mine"}, headers=analyst)
    assert [r["id"] for r in mine.json()["items"]] == [request["id"]]
    to_decide = client.get("/api/v1/access-requests", params={"box": "to_decide"}, headers=steward)
    assert [r["id"] for r in to_decide.json()["items"]] == [request["id"]]
    # The requester cannot decide its own request, another province's steward neither.
    for who in ("he-analyst", "he-env", "tj-admin"):
        refused = client.post(
            f"/api/v1/access-requests/{request['id']}/decision",
            json={"decision": "approve"},
            headers=catalog.headers(session_factory, who),
        )
        assert refused.status_code == 403, who
    assert (
        len(
            audit_entries(session_factory, action="catalog.access_request.decide", outcome="denied")
        )
        == 3
    )

    start = china_today()
    end = start + dt.timedelta(days=30)
    approved = client.post(
        f"/api/v1/access-requests/{request['id']}/decision",
        json={
            "decision": "approve",
            "fields": ["x"],
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
        headers=steward,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["grant_id"]
    grants = client.get(
        "/api/v1/access-grants", params={"current": "true"}, headers=analyst
    ).json()["items"]
    assert [(g["dataset_code"], g["fields"], g["period_end"]) for g in grants] == [
        ("BJ-COND", ["x"], end.isoformat())
    ]
    page = client.get("/api/v1/datasets/BJ-COND/records", headers=analyst).json()
    assert page["items"] == [{"x": "x1"}, {"x": "x2"}]
    again = client.post(
        f"/api/v1/access-requests/{request['id']}/decision",
        json={"decision": "reject", "reason": "changed my mind"},
        headers=steward,
    )
    assert again.status_code == 409

    revoked = client.post(
        f"/api/v1/access-grants/{grants[0]['id']}/revoke",
        json={"reason": "Purpose fulfilled"},
        headers=steward,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is True and revoked.json()["current"] is False
    assert client.get("/api/v1/datasets/BJ-COND/records", headers=analyst).status_code == 403
    twice = client.post(
        f"/api/v1/access-grants/{grants[0]['id']}/revoke", json={"reason": "again"}, headers=steward
    )
    assert twice.status_code == 409
    assert _events(session_factory) == [
        ("submitted", request["id"]),
        ("granted", request["id"]),
        ("revoked", request["id"]),
    ]
    actions = [
        e.action
        for e in audit_entries(session_factory, outcome="ok")
        if e.action.startswith("catalog.access") or e.action.startswith("catalog.grant")
    ]
    assert actions == [
        "catalog.access_request.create",
        "catalog.access_request.approve",
        "catalog.grant.revoke",
    ]


def test_grants_are_append_only(session_factory: sessionmaker[Session], catalog: People) -> None:
    _, grant_id = apply_and_approve(
        session_factory, catalog["he-analyst"], catalog["bj-env"], "BJ-COND", ["x"]
    )
    with session_factory() as session:
        grant = session.get(AccessEvent, grant_id)
        assert grant is not None
        before = (grant.kind, grant.fields, grant.period_start, grant.period_end)
        service.revoke_grant(
            session, actor=catalog["bj-admin"], grant_id=grant_id, reason="Audit finding"
        )
        session.commit()
    with session_factory() as session:
        grant = session.get(AccessEvent, grant_id)
        assert grant is not None
        assert (grant.kind, grant.fields, grant.period_start, grant.period_end) == before
        dataset_id, org_id = grant.dataset_id, grant.organisation_id
        assert (
            service.granted_fields(session, dataset_id=dataset_id, organisation_id=org_id) == set()
        )
        with pytest.raises(DBAPIError):
            session.execute(text("UPDATE catalog_access_events SET kind = 'granted'"))
        session.rollback()
        with pytest.raises(DBAPIError):
            session.execute(text("DELETE FROM catalog_access_events WHERE kind = 'revoked'"))
        session.rollback()
    # A fresh request re-grants by appending, never by editing the old grant.
    apply_and_approve(session_factory, catalog["he-analyst"], catalog["bj-env"], "BJ-COND", ["x"])
    with session_factory() as session:
        assert service.granted_fields(session, dataset_id=dataset_id, organisation_id=org_id) == {
            "x"
        }
    assert [k for k, _ in _events(session_factory)] == [
        "submitted",
        "granted",
        "revoked",
        "submitted",
        "granted",
    ]


def test_revocation_rights(session_factory: sessionmaker[Session], catalog: People) -> None:
    _, grant_id = apply_and_approve(
        session_factory, catalog["tj-analyst"], catalog["bj-env"], "BJ-COND", ["y"]
    )
    with session_factory() as session:
        for who in ("tj-analyst", "tj-admin", "he-env"):
            with pytest.raises(PermissionDenied):
                service.revoke_grant(session, actor=catalog[who], grant_id=grant_id, reason="no")
        with pytest.raises(InvalidInput):
            service.revoke_grant(session, actor=catalog["bj-env"], grant_id=grant_id, reason="  ")


def test_expired_grant_gives_no_access(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with session_factory() as session:
        req = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            settings=SETTINGS,
            now=long_ago,
            data=request_in(
                "BJ-COND", ["x"], start=long_ago.date(), end=long_ago.date() + dt.timedelta(days=30)
            ),
        )
        service.decide_access_request(
            session,
            actor=catalog["bj-env"],
            request_id=req.id,
            data=DecisionIn(decision="approve"),
            now=long_ago,
        )
        session.commit()
        [grant], _ = service.list_grants(session, actor=catalog["he-analyst"])
        assert service.list_grants(session, actor=catalog["he-analyst"], current_only=True) == (
            [],
            None,
        )
        assert grant.current is False and grant.revoked is False
        with pytest.raises(PermissionDenied):
            service.readable_fields(session, actor=catalog["he-analyst"], dataset_code="BJ-COND")


@pytest.mark.parametrize(
    ("body", "loc", "status"),
    [
        (_body("BJ-COND", ["x", "z"]), ["body", "fields", 1], 422),  # not_shared field
        (_body("BJ-OPEN", ["a"]), ["body", "fields", 0], 422),  # unconditional field
        (_body("BJ-COND", ["nope"]), ["body", "fields", 0], 422),
        (_body("BJ-COND", ["x", "x"]), ["body", "fields", 1], 422),
        (_body("BJ-SECRET", ["s"]), ["body", "dataset_code"], 422),
        (_body("NO-SUCH", ["x"]), ["body", "dataset_code"], 422),
        (_body("BJ-COND", []), ["body", "fields"], 422),
        (
            _body("BJ-COND", ["x"], period_start="2030-01-02", period_end="2030-01-01"),
            ["body", "period_end"],
            422,
        ),
        (
            _body("BJ-COND", ["x"], period_start="2001-01-01", period_end="2001-12-31"),
            ["body", "period_end"],
            422,
        ),
        (_body("BJ-COND", ["x"], period_end="soon"), ["body", "period_end"], 422),
        (_body("BJ-COND", ["x"], purpose="   "), ["body", "purpose"], 422),
        (_body("BJ-COND", ["x"], extra=1), ["body", "extra"], 422),
    ],
)
def test_invalid_requests_name_the_field(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    body: dict[str, Any],
    loc: list[Any],
    status: int,
) -> None:
    response = client.post(
        "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, "he-analyst")
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert loc in [e["loc"] for e in response.json()["errors"]]


def test_who_may_apply(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    body = _body("BJ-COND", ["x"])
    # The owner organisation does not apply for its own data; admins do not apply at all.
    own = client.post(
        "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, "bj-env")
    )
    assert own.status_code == 422
    assert own.json()["errors"][0]["loc"] == ["body", "dataset_code"]
    for who in ("he-admin", "office"):
        assert (
            client.post(
                "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, who)
            ).status_code
            == 403
        )
    assert client.post("/api/v1/access-requests", json=body).status_code == 401
    steward = client.post(
        "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, "he-env")
    )
    assert steward.status_code == 201
    duplicate = client.post(
        "/api/v1/access-requests", json=body, headers=catalog.headers(session_factory, "he-env")
    )
    assert duplicate.status_code == 409


def test_decision_validation(session_factory: sessionmaker[Session], catalog: People) -> None:
    with session_factory() as session:
        req = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
        )
        # a refused approval is audited, which rolls back the caller's uncommitted work
        session.commit()
        cases: list[tuple[dict[str, Any], list[Any]]] = [
            ({"decision": "approve", "fields": ["y"]}, ["body", "fields", 0]),
            (
                {
                    "decision": "approve",
                    "period_start": (req.period_start - dt.timedelta(days=1)).isoformat(),
                },
                ["body", "period_start"],
            ),
            (
                {
                    "decision": "approve",
                    "period_end": (req.period_end + dt.timedelta(days=1)).isoformat(),
                },
                ["body", "period_end"],
            ),
            ({"decision": "reject"}, ["body", "reason"]),
            ({"decision": "reject", "reason": " "}, ["body", "reason"]),
        ]
        for data, loc in cases:
            with pytest.raises(InvalidInput) as caught:
                service.decide_access_request(
                    session,
                    actor=catalog["bj-env"],
                    request_id=req.id,
                    data=DecisionIn.model_validate(data),
                )
            assert loc in [e["loc"] for e in caught.value.errors], data
        decided = service.decide_access_request(
            session,
            actor=catalog["bj-admin"],
            request_id=req.id,
            data=DecisionIn(decision="reject", reason="Use the published penalty notices"),
        )
        assert decided.status == "rejected" and decided.decided_by == "bj-admin"
        with pytest.raises(Conflict):
            service.decide_access_request(
                session,
                actor=catalog["bj-env"],
                request_id=req.id,
                data=DecisionIn(decision="approve"),
            )


def test_overdue_requests_escalate_to_the_office(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    assert service.ESCALATION_JOB in jobs._periodic
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    with session_factory() as session:
        old = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
            now=long_ago,
        )
        fresh = service.create_access_request(
            session,
            actor=catalog["tj-analyst"],
            data=request_in("BJ-COND", ["y"]),
            settings=SETTINGS,
        )
        session.commit()
        old_id, fresh_id = old.id, fresh.id
    # The office decides only escalated requests.
    with session_factory() as session, pytest.raises(PermissionDenied):
        service.decide_access_request(
            session,
            actor=catalog["office"],
            request_id=old_id,
            data=DecisionIn(decision="approve"),
        )
    with session_factory() as session:
        jobs.enqueue(session, kind=service.ESCALATION_JOB)
        session.commit()
    assert jobs.run_pending(session_factory) == 1
    with session_factory() as session:
        assert session.get(AccessRequest, old_id).status == "escalated"  # type: ignore[union-attr]
        assert session.get(AccessRequest, fresh_id).status == "pending"  # type: ignore[union-attr]
        escalated, _ = service.list_access_requests(
            session, actor=catalog["office"], box="to_decide"
        )
        assert [r.id for r in escalated] == [old_id]
    # A second run finds nothing more to do.
    with session_factory() as session:
        assert service.escalate_overdue(session) == []
    assert [k for k, r in _events(session_factory) if r == old_id] == ["submitted", "escalated"]
    [entry] = audit_entries(session_factory, action="catalog.access_request.escalate")
    assert entry.actor_username == "system" and entry.object_id == str(old_id)
    with session_factory() as session:
        decided = service.decide_access_request(
            session,
            actor=catalog["office"],
            request_id=old_id,
            data=DecisionIn(decision="approve", reason="Decided by the coordination office"),
        )
        assert decided.status == "approved" and decided.decided_by == "office"
        session.commit()
        assert service.granted_fields(
            session, dataset_id=decided.dataset_id, organisation_id=catalog.organisations["he_drc"]
        ) == {"x"}


def test_request_boxes_and_visibility(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        req = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
        )
        session.commit()

    def ids(who: str, box: str) -> list[int]:
        response = client.get(
            "/api/v1/access-requests",
            params={"box": box},
            headers=catalog.headers(session_factory, who),
        )
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert ids("bj-env", "to_decide") == [req.id]
    assert ids("bj-admin", "to_decide") == [req.id]
    assert ids("he-admin", "mine") == [req.id]  # a Hebei organisation's request
    assert ids("bj-stats", "to_decide") == []  # another Beijing organisation's steward
    assert ids("tj-analyst", "all") == []
    assert ids("office", "to_decide") == []  # not escalated yet
    assert ids("he-analyst", "to_decide") == []
    for who, status in (("tj-analyst", 404), ("he-analyst", 200), ("bj-env", 200)):
        response = client.get(
            f"/api/v1/access-requests/{req.id}", headers=catalog.headers(session_factory, who)
        )
        assert response.status_code == status, who
    bad = client.get(
        "/api/v1/access-requests",
        params={"box": "everything"},
        headers=catalog.headers(session_factory, "office"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "box"]


def test_grant_listing_visibility_and_pages(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    _, he_grant = apply_and_approve(
        session_factory, catalog["he-analyst"], catalog["bj-env"], "BJ-COND", ["x"]
    )
    _, tj_grant = apply_and_approve(
        session_factory, catalog["tj-analyst"], catalog["bj-env"], "BJ-COND", ["y"]
    )

    def ids(who: str, **params: Any) -> list[int]:
        response = client.get(
            "/api/v1/access-grants", params=params, headers=catalog.headers(session_factory, who)
        )
        assert response.status_code == 200, response.text
        return [g["id"] for g in response.json()["items"]]

    assert ids("he-analyst") == [he_grant]
    assert ids("tj-admin") == [tj_grant]  # grants to its province's organisations
    assert ids("bj-env") == ids("bj-admin") == ids("office") == [he_grant, tj_grant]
    assert ids("bj-stats") == []
    assert ids("office", organisation_id=catalog.organisations["tj_drc"]) == [tj_grant]
    first = client.get(
        "/api/v1/access-grants",
        params={"limit": 1},
        headers=catalog.headers(session_factory, "office"),
    ).json()
    assert [g["id"] for g in first["items"]] == [he_grant]
    assert ids("office", limit=1, cursor=first["next_cursor"]) == [tj_grant]
    single = client.get(
        f"/api/v1/access-grants/{he_grant}", headers=catalog.headers(session_factory, "he-analyst")
    )
    assert single.status_code == 200 and single.json()["fields"] == ["x"]
    hidden = client.get(
        f"/api/v1/access-grants/{he_grant}", headers=catalog.headers(session_factory, "tj-analyst")
    )
    assert hidden.status_code == 404


def test_database_keeps_one_open_request_per_organisation(
    session_factory: sessionmaker[Session], catalog: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session:
        service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
        )
        session.commit()
    # As if a concurrent submission passed the service's own check at the same moment.
    monkeypatch.setattr(request_service, "open_request", lambda *a, **k: None)
    with session_factory() as session:
        with pytest.raises(Conflict):
            service.create_access_request(
                session,
                actor=catalog["he-analyst"],
                data=request_in("BJ-COND", ["y"]),
                settings=SETTINGS,
            )
        # Another organisation is not affected.
        other = service.create_access_request(
            session,
            actor=catalog["tj-analyst"],
            data=request_in("BJ-COND", ["y"]),
            settings=SETTINGS,
        )
        assert other.status == "pending"
