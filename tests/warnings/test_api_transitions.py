"""Every illegal lifecycle step, tried through the API: 409, audited as ``refused``, the warning
unchanged; a step by a role that does not own it: 403 audited as ``denied``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from tests.conftest import People

W = "/api/v1/warnings"
AGENCIES = ("bj-env", "tj-env", "he-env")
STATES = ("proposed", "consultation", "issued", "lifted", "withdrawn")

# step -> (url suffix, body, who takes it)
STEPS: dict[str, tuple[str, dict[str, Any], str]] = {
    "open_consultation": ("consultation", {}, "office"),
    "answer": ("answers", {"answer": "agree"}, "bj-env"),
    "issue": ("issue", {}, "office"),
    "upgrade": ("level", {"level": "red"}, "office"),
    "downgrade": ("level", {"level": "blue"}, "office"),
    "lift": ("lift", {}, "office"),
    "withdraw": ("withdraw", {}, "office"),
}
LEGAL = {
    ("proposed", "open_consultation"),
    ("proposed", "withdraw"),
    ("consultation", "answer"),
    ("consultation", "withdraw"),
    ("issued", "upgrade"),
    ("issued", "downgrade"),
    ("issued", "lift"),
}
ILLEGAL = [(state, step) for state in STATES for step in STEPS if (state, step) not in LEGAL]


def _bring_to(client: TestClient, h: dict[str, dict[str, str]], state: str) -> int:
    r = client.post(
        W,
        json={
            "cities": ["110000"],
            "level": "orange",
            "start_date": "2016-12-16",
            "end_date": "2016-12-21",
            "max_aqi": 420,
            "criteria_code": "bth-2017",
        },
        headers=h["office"],
    )
    assert r.status_code == 201, r.text
    wid: int = r.json()["id"]
    if state == "withdrawn":
        assert client.post(f"{W}/{wid}/withdraw", json={}, headers=h["office"]).status_code == 200
    if state in ("consultation", "issued", "lifted"):
        r = client.post(f"{W}/{wid}/consultation", json={}, headers=h["office"])
        assert r.status_code == 200, r.text
    if state in ("issued", "lifted"):
        for agency in AGENCIES:
            r = client.post(f"{W}/{wid}/answers", json={"answer": "agree"}, headers=h[agency])
            assert r.status_code == 201, r.text
        assert client.post(f"{W}/{wid}/issue", json={}, headers=h["office"]).status_code == 200
    if state == "lifted":
        assert client.post(f"{W}/{wid}/lift", json={}, headers=h["office"]).status_code == 200
    return wid


def _headers(people: People, factory: sessionmaker[Session]) -> dict[str, dict[str, str]]:
    return {who: people.headers(factory, who) for who in ("office", *AGENCIES, "bj-admin")}


def _outcomes(factory: sessionmaker[Session], outcome: str) -> list[AuditEntry]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.outcome == outcome).order_by(AuditEntry.seq)
            )
        )


@pytest.mark.parametrize("state", STATES)
def test_every_illegal_step_is_a_409_audited_as_refused(
    client: TestClient, session_factory: sessionmaker[Session], warn: People, state: str
) -> None:
    h = _headers(warn, session_factory)
    steps = [step for s, step in ILLEGAL if s == state]
    assert steps
    for step in steps:
        wid = _bring_to(client, h, state)
        before = client.get(f"{W}/{wid}", headers=h["office"]).json()
        refused_before = len(_outcomes(session_factory, "refused"))
        suffix, body, who = STEPS[step]
        r = client.post(f"{W}/{wid}/{suffix}", json=body, headers=h[who])
        assert r.status_code == 409, (state, step, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        after = client.get(f"{W}/{wid}", headers=h["office"]).json()
        assert (after["status"], after["level"], len(after["events"])) == (
            before["status"],
            before["level"],
            len(before["events"]),
        ), (state, step)
        refused = _outcomes(session_factory, "refused")
        assert len(refused) == refused_before + 1, (state, step)
        assert refused[-1].object_id == str(wid)


def test_a_second_answer_is_a_409_audited_as_refused(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    h = _headers(warn, session_factory)
    wid = _bring_to(client, h, "consultation")
    r = client.post(f"{W}/{wid}/answers", json={"answer": "agree"}, headers=h["bj-env"])
    assert r.status_code == 201, r.text
    r = client.post(
        f"{W}/{wid}/answers",
        json={"answer": "propose", "proposed_level": "red", "reason": "again"},
        headers=h["bj-env"],
    )
    assert r.status_code == 409, r.text
    refused = _outcomes(session_factory, "refused")
    assert [(e.action, e.object_id) for e in refused] == [("warning.answer", str(wid))]
    answers = client.get(f"{W}/{wid}", headers=h["office"]).json()["answers"]
    assert [a["answer"] for a in answers] == ["agree"]


@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_step_by_the_wrong_role_is_a_403_audited_as_denied(
    client: TestClient, session_factory: sessionmaker[Session], warn: People, step: str
) -> None:
    h = _headers(warn, session_factory)
    state = next((s for s, st in sorted(LEGAL) if st == step), "consultation")
    wid = _bring_to(client, h, state)
    suffix, body, _ = STEPS[step]
    intruder = "bj-admin"
    r = client.post(f"{W}/{wid}/{suffix}", json=body, headers=h[intruder])
    assert r.status_code == 403, r.text
    denied = _outcomes(session_factory, "denied")
    assert [e.actor_username for e in denied] == [intruder]
    assert client.get(f"{W}/{wid}", headers=h["office"]).json()["status"] == state
