"""Signed webhooks of incident events and the escalation of notices past their deadline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.warnings import webhooks
from jingjinji.warnings.models import WebhookDelivery
from jingjinji.water.models import IncidentNotice, IncidentStep
from jingjinji.water.schemas.incidents import CloseIn
from jingjinji.water.service import incidents
from tests.conftest import People
from tests.water.incident_support import CROSS, MORNING, build_network, record

SECRET = "water-secret-0123456789"


@pytest.fixture(autouse=True)
def allow_receiver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The receiver sits behind a mock transport: the administrator's allow-list lets it through
    the address checks."""
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("JJJ_WEBHOOK_ALLOWED_HOSTS", "rx.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def subscribed(session_factory: sessionmaker[Session], people: People) -> People:
    build_network(session_factory, people)
    with session_factory() as s:
        webhooks.create_subscription(
            s,
            actor=people["office"],
            url="https://rx.example/water",
            event_types=[
                "water.incident.opened",
                "water.incident.acknowledged",
                "water.incident.escalated",
                "water.incident.closed",
            ],
            secret=SECRET,
        )
        s.commit()
    return people


def _deliveries(session_factory: sessionmaker[Session]) -> list[WebhookDelivery]:
    with session_factory() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_events_are_queued_and_signed(
    session_factory: sessionmaker[Session], subscribed: People
) -> None:
    (incident_id,) = record(session_factory, subscribed["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    with session_factory() as s:
        incidents.acknowledge(s, actor=subscribed["he-env"], incident_id=incident_id)
        incidents.close_incident(
            s,
            actor=subscribed["office"],
            incident_id=incident_id,
            data=CloseIn(closure_report="Upstream outlet closed; back to class III"),
        )
        s.commit()
    queued = _deliveries(session_factory)
    assert [d.event_type for d in queued] == [
        "water.incident.opened",
        "water.incident.acknowledged",
        "water.incident.closed",
    ]
    opened = json.loads(queued[0].body)
    assert opened["incident"]["id"] == incident_id and opened["incident"]["section_code"] == CROSS
    assert {n["jurisdiction_code"] for n in opened["notices"]} == {"110000", "130000", "JJJ"}
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with session_factory() as s:
        client = httpx.Client(transport=httpx.MockTransport(receive))
        for delivery in queued:
            webhooks.attempt(s, delivery_id=delivery.id, client=client)
    assert len(seen) == 3
    for request in seen:
        header = request.headers[webhooks.SIGNATURE_HEADER]
        assert webhooks.verify_signature(SECRET, header, request.content)
        assert not webhooks.verify_signature("another-secret-0123456", header, request.content)
        assert request.headers[webhooks.EVENT_HEADER].startswith("water.incident.")
    assert {d.status for d in _deliveries(session_factory)} == {"delivered"}


def test_overdue_notices_are_escalated_once_at_a_given_now(
    session_factory: sessionmaker[Session], subscribed: People
) -> None:
    (incident_id,) = record(session_factory, subscribed["bj-env"], CROSS, MORNING, {"nh3n": 2.5})
    with session_factory() as s:
        incidents.acknowledge(s, actor=subscribed["he-env"], incident_id=incident_id)
        s.commit()
        due = s.scalars(select(IncidentNotice.due_at)).first()
        assert due is not None
        # Before the deadline nothing happens; at it the two silent notices are escalated.
        assert incidents.escalate_overdue(s, now=due - dt.timedelta(seconds=1)) == []
        escalated = incidents.escalate_overdue(s, now=due)
        assert sorted(n.jurisdiction_code for n in escalated) == ["110000", "JJJ"]
        s.commit()
        assert incidents.escalate_overdue(s, now=due + dt.timedelta(hours=5)) == []
        steps = s.scalars(
            select(IncidentStep.jurisdiction_code).where(IncidentStep.kind == "escalated")
        ).all()
        assert sorted(c or "" for c in steps) == ["110000", "JJJ"]
        # The office sees them as waiting (its own and Beijing's, overdue).
        waiting = incidents.my_notices(s, actor=subscribed["office"])
        assert sorted(w.notice.jurisdiction_code for w in waiting) == ["110000", "JJJ"]
        assert all(w.notice.overdue for w in waiting)
        assert incidents.open_notice_count(s, actor=subscribed["bj-admin"]) == 1
        assert incidents.open_notice_count(s, actor=subscribed["he-admin"]) == 0
        assert incidents.open_notice_count(s, actor=subscribed["tj-admin"]) == 0
    events = [d.event_type for d in _deliveries(session_factory)]
    assert events.count("water.incident.escalated") == 2


def test_the_escalation_job_runs_at_the_deadline(
    session_factory: sessionmaker[Session], subscribed: People
) -> None:
    (incident_id,) = record(session_factory, subscribed["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    with session_factory() as s:
        job = s.scalars(select(Job).where(Job.kind == incidents.ESCALATE_JOB)).one()
        assert job.payload == {"incident_id": incident_id}
        # Bring the deadline (and the job) to now, as if four hours had passed.
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        for notice in s.scalars(select(IncidentNotice)):
            notice.due_at = past
        job.run_after = past
        s.commit()
    jobs.run_pending(session_factory)
    with session_factory() as s:
        got = s.get(Job, job.id)
        assert got is not None
        assert (got.status, got.last_error, got.attempts) == ("done", None, 1)
        notices = s.scalars(select(IncidentNotice)).all()
        assert all(n.escalated_at is not None for n in notices)
