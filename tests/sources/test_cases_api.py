"""Linked enforcement cases through the API on both backends: the walk-through from events to
closure with the authorisation matrix (office, Hebei, Beijing, Tianjin, analysts), border and
park involvement, overdue tasks, the list filters, and every refusal on the audit chain."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.sources.schemas.registry import EnterpriseIn
from jingjinji.sources.service import exceedances
from jingjinji.sources.service import registry as registry_service
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store

API = "/api/v1/sources"


def open_events(
    session_factory: sessionmaker[Session], logger_id: int, factor: str, averages: list[float]
) -> list[int]:
    """Store hourly values of one factor and detect: the ids of the events opened."""
    batch_id = store(session_factory, logger_id, hourly(factor, averages))
    with session_factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        session.commit()
    return ids


class Headers:
    """Bearer headers per persona, made once each."""

    def __init__(self, session_factory: sessionmaker[Session], people: People) -> None:
        self.session_factory, self.people = session_factory, people
        self.made: dict[str, dict[str, str]] = {}

    def __call__(self, username: str) -> dict[str, str]:
        if username not in self.made:
            self.made[username] = self.people.headers(self.session_factory, username)
        return self.made[username]


def refusals(session_factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with session_factory() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("sources.case.%"), AuditEntry.outcome != "ok")
            .order_by(AuditEntry.seq)
        )
        return [(r.actor_username, r.action, r.outcome) for r in rows]


def test_case_walk_through_with_the_authorisation_matrix(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    h = Headers(session_factory, people)
    # SO2 at the flue-gas outlet 4 km from the Beijing border: two separate hourly events.
    ids = open_events(session_factory, registry.loggers["HE-A-G-001"], "a21026", [40, 20, 50])
    assert len(ids) == 2
    body = {"exceedance_ids": ids, "title": "SO2 above the permit at HE-A"}

    # Tianjin does not see Hebei's events; Beijing neither, before a case involves it.
    listed = client.get(f"{API}/exceedances", headers=h("tj-env")).json()["items"]
    assert listed == []
    assert len(client.get(f"{API}/exceedances", headers=h("he-analyst")).json()["items"]) == 2

    for who in ("he-analyst", "he-samr"):
        assert client.post(f"{API}/cases", json=body, headers=h(who)).status_code == 403, who
    # Events an outsider may not read are refused exactly as missing ones (no existence leak).
    for who in ("bj-env", "tj-env"):
        assert client.post(f"{API}/cases", json=body, headers=h(who)).status_code == 422, who
    bad = client.post(
        f"{API}/cases", json={**body, "exceedance_ids": [999_999]}, headers=h("he-env")
    )
    assert bad.status_code == 422 and "exceedance_ids" in bad.text

    made = client.post(f"{API}/cases", json=body, headers=h("he-env"))
    assert made.status_code == 201, made.text
    case = made.json()
    case_id = case["id"]
    assert case["lead_jurisdiction_code"] == "130000"
    assert {(j["jurisdiction_code"], j["reason"]) for j in case["jurisdictions"]} == {
        ("130000", "lead"),
        ("110000", "border"),
    }
    assert {e["status"] for e in case["exceedances"]} == {"in_case"}
    assert case["actions"] == {"involve": False, "add_task": True, "close": True}
    again = client.post(f"{API}/cases", json=body, headers=h("he-env"))
    assert again.status_code == 409  # the events are in a case now

    # Readers: the office and the involved provinces; Tianjin gets a 404.
    for who in ("office", "he-analyst", "bj-env", "bj-analyst"):
        assert client.get(f"{API}/cases/{case_id}", headers=h(who)).status_code == 200, who
    assert client.get(f"{API}/cases/{case_id}", headers=h("tj-env")).status_code == 404
    assert client.get(f"{API}/cases/999999", headers=h("office")).status_code == 404
    # Beijing, involved, now reads the enterprise's events.
    bj_seen = client.get(f"{API}/exceedances", headers=h("bj-env")).json()["items"]
    assert sorted(e["id"] for e in bj_seen) == sorted(ids)

    # The office involves Tianjin; others may not, twice is a conflict, a city is no province.
    url = f"{API}/cases/{case_id}/jurisdictions"
    assert (
        client.post(url, json={"jurisdiction_code": "120000"}, headers=h("he-env")).status_code
        == 403
    )
    assert (
        client.post(url, json={"jurisdiction_code": "130100"}, headers=h("office")).status_code
        == 422
    )
    added = client.post(url, json={"jurisdiction_code": "120000"}, headers=h("office"))
    assert added.status_code == 201 and added.json()["reason"] == "added"
    assert (
        client.post(url, json={"jurisdiction_code": "120000"}, headers=h("office")).status_code
        == 409
    )
    assert client.get(f"{API}/cases/{case_id}", headers=h("tj-env")).status_code == 200

    # Tasks: the lead or the office gives them to agencies of involved jurisdictions.
    orgs = people.organisations
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    future = "2099-01-01T09:00"  # China time
    tasks = f"{API}/cases/{case_id}/tasks"
    inspection = {"kind": "inspection", "organisation_id": orgs["bj_env"], "due_at": past}
    assert client.post(tasks, json=inspection, headers=h("bj-env")).status_code == 403
    not_involved = {**inspection, "organisation_id": orgs["bj_stats"] + 10_000}
    assert client.post(tasks, json=not_involved, headers=h("he-env")).status_code == 422
    late = client.post(tasks, json=inspection, headers=h("he-env"))
    assert late.status_code == 201, late.text
    sampling = {"kind": "sampling", "organisation_id": orgs["he_env"], "due_at": future}
    sample_task = client.post(tasks, json=sampling, headers=h("office")).json()
    assert sample_task["due_at"].startswith("2099-01-01T01:00")  # stored in UTC

    detail = client.get(f"{API}/cases/{case_id}", headers=h("bj-env")).json()
    by_id = {t["id"]: t for t in detail["tasks"]}
    assert by_id[late.json()["id"]]["overdue"] and by_id[late.json()["id"]]["may_complete"]
    assert not by_id[sample_task["id"]]["overdue"] and not by_id[sample_task["id"]]["may_complete"]
    overdue = client.get(f"{API}/cases?overdue=true", headers=h("office")).json()["items"]
    assert [c["id"] for c in overdue] == [case_id]
    assert client.get(f"{API}/cases?overdue=false", headers=h("office")).json()["items"] == []

    # Completing: the task's agency or its jurisdiction's administrator.
    done_url = f"{API}/cases/{case_id}/tasks/{late.json()['id']}/complete"
    result = {"result": "Inspected on site; the desulphuriser was bypassed"}
    for who in ("he-env", "bj-analyst", "bj-stats"):
        assert client.post(done_url, json=result, headers=h(who)).status_code == 403, who
    assert client.post(done_url, json={"result": " "}, headers=h("bj-env")).status_code == 422
    done = client.post(done_url, json=result, headers=h("bj-env"))
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.post(done_url, json=result, headers=h("bj-admin")).status_code == 409

    # Closing: the lead or the office, once the tasks are done.
    close = f"{API}/cases/{case_id}/close"
    conclusion = {"conclusion": "Fined; bypass removed"}
    assert client.post(close, json=conclusion, headers=h("bj-env")).status_code == 403
    assert client.post(close, json=conclusion, headers=h("he-env")).status_code == 409  # open task
    sample_done = f"{API}/cases/{case_id}/tasks/{sample_task['id']}/complete"
    assert client.post(sample_done, json=result, headers=h("he-env")).status_code == 200
    closed = client.post(close, json=conclusion, headers=h("he-env"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    final = client.get(f"{API}/cases/{case_id}", headers=h("office")).json()
    assert {e["status"] for e in final["exceedances"]} == {"closed"}
    assert final["actions"] == {"involve": False, "add_task": False, "close": False}
    assert [s["action"] for s in final["steps"]] == [
        "opened",
        "involved",
        "involved",
        "involved",
        "task_added",
        "task_added",
        "task_done",
        "task_done",
        "closed",
    ]
    assert client.post(tasks, json=sampling, headers=h("office")).status_code == 409

    # Every refusal is on the audit chain (reads of outsiders too).
    refused = refusals(session_factory)
    assert ("tj-env", "sources.case.read", "denied") in refused
    assert ("bj-env", "sources.case.close", "denied") in refused
    assert sum(1 for r in refused if r[1] == "sources.case.open") == 6


def test_park_partners_are_involved_and_filters_name_bad_values(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    h = Headers(session_factory, people)
    with session_factory() as session:
        registry_service.save_park(
            session,
            actor=people["office"],
            code="P-TJ-HE",
            name_zh="津冀产业转移园区",
            name_en="Tianjin-Hebei transfer park",
            host_jurisdiction_code="120000",
            partner_jurisdiction_codes=["130000"],
        )
        tj = registry_service.get_enterprise(session, enterprise_id=registry.enterprises["TJ-A"])
        data = EnterpriseIn.model_validate(
            {
                "uscc": tj.uscc,
                "name_zh": tj.name_zh,
                "jurisdiction_code": "120000",
                "park_code": "P-TJ-HE",
                "synthetic": True,
            }
        )
        registry_service.save_enterprise(session, actor=people["office"], data=data)
        session.commit()
    ids = open_events(session_factory, registry.loggers["TJ-A-G-001"], "a21026", [36.0])
    made = client.post(
        f"{API}/cases", json={"exceedance_ids": ids, "title": "Park case"}, headers=h("tj-admin")
    )
    assert made.status_code == 201, made.text
    assert {(j["jurisdiction_code"], j["reason"]) for j in made.json()["jurisdictions"]} == {
        ("120000", "lead"),
        ("130000", "park"),
    }
    listed = client.get(f"{API}/cases?jurisdiction=130000", headers=h("he-env")).json()["items"]
    assert [c["id"] for c in listed] == [made.json()["id"]]
    assert client.get(f"{API}/cases", headers=h("bj-env")).json()["items"] == []

    for path, field in (
        ("exceedances?status=bogus", "status"),
        ("exceedances?kind=loud", "kind"),
        ("exceedances?jurisdiction=999999", "jurisdiction"),
        ("exceedances?enterprise_id=999999", "enterprise_id"),
        ("cases?status=pending", "status"),
        ("cases?overdue=maybe", "overdue"),
        ("cases?jurisdiction=999999", "jurisdiction"),
    ):
        answer = client.get(f"{API}/{path}", headers=h("office"))
        assert answer.status_code == 422, path
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field in answer.text, path
    mine = client.get(f"{API}/exceedances?status=in_case&kind=hourly_limit", headers=h("office"))
    assert [e["id"] for e in mine.json()["items"]] == ids
    assert client.get(f"{API}/exceedances?limit=1&status=open", headers=h("office")).json() == {
        "items": [],
        "next_cursor": None,
    }
