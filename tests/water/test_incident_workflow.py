"""The incident steps through the API: who may do what (404 for outsiders, 403 for the wrong
province, 409 in the wrong state, 422 naming the field), every refusal on the record."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from tests.conftest import People
from tests.water.incident_support import CROSS, MORNING, build_network, record

API = "/api/v1/water/incidents"


@pytest.fixture
def opened(session_factory: sessionmaker[Session], people: People) -> int:
    """A serious target exceedance at the Beijing -> Hebei section."""
    build_network(session_factory, people)
    (incident_id,) = record(session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 2.5})
    return incident_id


class Caller:
    def __init__(self, client: TestClient, session_factory: sessionmaker[Session], people: People):
        self.client, self.session_factory, self.people = client, session_factory, people
        self.headers: dict[str, dict[str, str]] = {}

    def __call__(self, who: str, method: str, path: str, body: Any = None) -> Any:
        if who not in self.headers:
            self.headers[who] = self.people.headers(self.session_factory, who)
        return self.client.request(method, f"{API}{path}", json=body, headers=self.headers[who])


@pytest.fixture
def call(client: TestClient, session_factory: sessionmaker[Session], people: People) -> Caller:
    return Caller(client, session_factory, people)


def _refusals(session_factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.outcome.in_(["denied", "refused"])
                )
            )
        )


def test_walk_through_with_refusals(
    call: Caller, opened: int, session_factory: sessionmaker[Session]
) -> None:
    i = f"/{opened}"
    # Tianjin is not concerned: the incident does not exist for it.
    assert call("tj-env", "GET", i).status_code == 404
    assert call("tj-admin", "POST", f"{i}/acknowledge").status_code == 404
    assert call("tj-env", "GET", "").json()["items"] == []
    assert _refusals(session_factory, "water.incident.read")[0].actor_username == "tj-env"
    # Concerned readers see it with the notices and the timeline.
    detail = call("he-env", "GET", i).json()
    assert detail["actions"]["acknowledge"] is True and detail["actions"]["close"] is False
    assert {n["jurisdiction_code"] for n in detail["notices"]} == {"110000", "130000", "JJJ"}
    assert [x["id"] for x in call("bj-analyst", "GET", "").json()["items"]] == [opened]
    # Acknowledging: an analyst acts for no one; twice is a conflict.
    assert call("bj-analyst", "POST", f"{i}/acknowledge").status_code == 403
    ack = call("he-env", "POST", f"{i}/acknowledge")
    assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "he-env"
    assert call("he-admin", "POST", f"{i}/acknowledge").status_code == 409
    assert call("office", "POST", f"{i}/acknowledge").json()["jurisdiction_code"] == "JJJ"
    # Answering before the consultation is opened; only the office opens it.
    assert call("bj-env", "POST", f"{i}/answers", {"answer": "agree"}).status_code == 409
    assert call("he-admin", "POST", f"{i}/consultation", {"text": "?"}).status_code == 403
    assert (
        call("office", "POST", f"{i}/consultation", {"text": "Close outlets?"}).json()["status"]
        == "consultation"
    )
    assert call("office", "POST", f"{i}/consultation", {}).status_code == 409
    assert call("office", "POST", f"{i}/answers", {"answer": "agree"}).status_code == 403
    assert call("bj-env", "POST", f"{i}/answers", {"answer": "agree"}).status_code == 201
    assert call("bj-admin", "POST", f"{i}/answers", {"answer": "agree"}).status_code == 409
    bad = call("he-env", "POST", f"{i}/answers", {"answer": "propose"})
    assert bad.status_code == 422 and "text" in str(bad.json())
    assert call("he-env", "POST", f"{i}/answers", {"answer": "maybe"}).status_code == 422
    proposal = {"answer": "propose", "text": "Sample jointly at the border daily"}
    assert call("he-env", "POST", f"{i}/answers", proposal).status_code == 201
    # Joint sampling: item codes are the kernel's.
    unknown = call(
        "he-env",
        "POST",
        f"{i}/samplings",
        {"sampled_at": "2026-06-10T15:00", "values": {"ammonia": 2.0}},
    )
    assert unknown.status_code == 422 and "values" in str(unknown.json())
    sampled = call(
        "he-env",
        "POST",
        f"{i}/samplings",
        {"section_code": CROSS, "sampled_at": "2026-06-10T15:00", "values": {"nh3n": 2.1}},
    )
    assert sampled.status_code == 201
    assert sampled.json()["sampled_at"].startswith("2026-06-10T07:00")  # China time -> UTC
    assert call("bj-analyst", "POST", f"{i}/measures", {"text": "x"}).status_code == 403
    assert (
        call("office", "POST", f"{i}/consultation/conclude", {"text": "Agreed"}).json()["status"]
        == "response"
    )
    assert call("bj-env", "POST", f"{i}/measures", {"text": "Outlet closed"}).status_code == 201
    # Closing: the monitoring province's administrator or the office, with a report.
    assert call("he-admin", "POST", f"{i}/close", {"closure_report": "done"}).status_code == 403
    blank = call("bj-admin", "POST", f"{i}/close", {"closure_report": "  "})
    assert blank.status_code == 422 and "closure_report" in str(blank.json())
    closed = call("bj-admin", "POST", f"{i}/close", {"closure_report": "Back to class III"})
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "bj-admin"
    assert call("bj-env", "POST", f"{i}/measures", {"text": "late"}).status_code == 409
    assert call("office", "POST", f"{i}/close", {"closure_report": "again"}).status_code == 409
    kinds = [s["kind"] for s in call("office", "GET", i).json()["steps"]]
    assert kinds[:1] == ["opened"] and kinds[-1] == "closed"
    assert {
        "acknowledged",
        "consultation_opened",
        "consultation_closed",
        "answer",
        "sampling",
        "measure",
    } <= set(kinds)
    for action in ("acknowledge", "answer", "open_consultation", "close", "measure"):
        assert _refusals(session_factory, f"water.incident.{action}"), action


def test_report_by_a_concerned_agency(
    call: Caller, session_factory: sessionmaker[Session], people: People
) -> None:
    build_network(session_factory, people)
    body = {
        "section_code": CROSS,
        "summary": "Oil sheen seen at the border bridge",
        "severity": "general",
        "observed_at": "2026-06-11T09:30",
        "estimated_amount": "about 2 t diesel",
    }
    made = call("he-env", "POST", "", body)
    assert made.status_code == 201
    got = made.json()
    assert got["trigger"] == "reported" and got["reported_by"] == "he-env"
    assert got["observed_at"].startswith("2026-06-11T01:30")
    assert {n["relation"] for n in got["notices"]} == {"monitoring", "downstream", "office"}
    assert call("tj-env", "POST", "", body).status_code == 403
    assert _refusals(session_factory, "water.incident.report")
    unknown = call("he-env", "POST", "", {**body, "section_code": "NOPE"})
    assert unknown.status_code == 422 and "section_code" in str(unknown.json())
    assert call("he-env", "POST", "", {**body, "severity": "huge"}).status_code == 422
    assert call("he-env", "GET", "?status=open").json()["items"][0]["id"] == got["id"]
    assert call("he-env", "GET", "?status=closed").json()["items"] == []
    assert call("he-env", "GET", "/999999").status_code == 404
