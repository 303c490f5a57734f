"""``POST /api/v1/ports/edifact`` and the ``ports.edifact`` job: a terminal's CODECO/COARRI file
is accepted (202, ``Location`` of the submission) and its job turns it into DCSA events that the
DCSA API serves; a file sent again records nothing new; bad messages are named by segment and
element without losing the good ones; another terminal's place is refused by the job (failed,
audited); who may not submit at all is an audited 403 at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.jobs import service as jobs
from jingjinji.ports.models import EdifactSubmission, Event
from tests.ports.conftest import Ports

URL = "/api/v1/ports/edifact"
EVENTS = "/api/v1/ports/dcsa/v2/events"
FILES = Path(__file__).parents[3] / "src" / "jingjinji" / "ports" / "data" / "edifact"
EDI = {"Content-Type": "application/edifact"}


def submit_and_run(
    client: TestClient,
    session_factory: sessionmaker[Session],
    headers: dict[str, str],
    name: str,
) -> dict[str, Any]:
    """Submit a sample file, check the 202 and its Location, run the queued jobs, and return
    the submission's report as ``GET`` gives it."""
    accepted = client.post(
        URL, content=(FILES / name).read_bytes(), headers={**headers, **EDI},
        params={"filename": name},
    )  # fmt: skip
    assert accepted.status_code == 202, accepted.text
    queued = accepted.json()
    assert queued["status"] == "queued" and queued["recorded"] == 0
    assert queued["filename"] == name and len(queued["sha256"]) == 64
    location = accepted.headers["location"]
    assert location == f"{URL}/{queued['id']}"
    assert jobs.run_pending(session_factory) >= 1
    report = client.get(location, headers=headers)
    assert report.status_code == 200, report.text
    out: dict[str, Any] = report.json()
    return out


def test_gate_ins_become_events_and_a_resent_file_is_a_retry(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    out = submit_and_run(client, session_factory, headers, "codeco_gatein_cntxg.edi")
    assert out["status"] == "done" and out["finished_at"]
    assert (out["messages"], out["messages_accepted"], out["recorded"]) == (2, 2, 2)
    assert (out["sender"], out["control_ref"], out["errors"]) == ("TJXGCT", "TXG0001", [])
    served = client.get(EVENTS, params={"equipmentEventTypeCode": "GTIN"}, headers=headers)
    assert served.status_code == 200
    events = served.json()
    assert {e["eventID"] for e in events} == set(out["event_ids"])
    # A gate move names no vessel: the mapping gives it a truck call at the gate's place.
    assert {e["transportCall"]["modeOfTransport"] for e in events} == {"TRUCK"}
    assert {e["eventLocation"]["UNLocationCode"] for e in events} == {"CNTXG"}
    with session_factory() as session:
        assert set(session.scalars(select(Event.source))) == {"edifact"}
    again = submit_and_run(client, session_factory, headers, "codeco_gatein_cntxg.edi")
    assert again["id"] != out["id"] and again["status"] == "done"
    assert (again["recorded"], again["duplicates"]) == (0, 2)
    assert again["event_ids"] == out["event_ids"]
    with session_factory() as session:
        assert len(session.scalars(select(Event.id)).all()) == 2
        # the submissions are on the record, by the submitter
        submitted = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ports.edifact.submit")
        ).all()
        assert [e.outcome for e in submitted] == ["ok", "ok"]


def test_discharges_carry_the_vessel_call(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    out = submit_and_run(client, session_factory, headers, "coarri_discharge_cntxg.edi")
    assert out["recorded"] == 3
    served = client.get(EVENTS, params={"vesselIMONumber": "9412036"}, headers=headers).json()
    assert len(served) == 3
    assert {e["equipmentEventTypeCode"] for e in served} == {"DISC"}


def test_a_bad_message_is_named_and_the_good_one_recorded(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    out = submit_and_run(client, session_factory, headers, "bad_mixed_messages.edi")
    assert out["status"] == "done"
    assert out["recorded"] == out["messages_accepted"] == 1
    assert out["messages"] == 3
    bgm = [e for e in out["errors"] if e["segment_tag"] == "BGM"]
    assert bgm and bgm[0]["message_ref"] == "M2" and bgm[0]["element"] == "1:1"
    eqd = [e for e in out["errors"] if e["segment_tag"] == "EQD"]
    assert eqd and eqd[0]["element"] == "2:1" and eqd[0]["segment_index"]
    assert all(e["reason"] for e in out["errors"])


def test_what_cannot_be_an_interchange_is_a_422_at_once(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    for content in (b"", b"  \r\n", b"not edifact at all"):
        answer = client.post(URL, content=content, headers={**headers, **EDI})
        assert answer.status_code == 422, (content[:20], answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["loc"] == ["body"]
    with session_factory() as session:
        assert session.scalar(select(EdifactSubmission.id)) is None


def test_a_file_with_nothing_readable_fails_with_its_problems(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    out = submit_and_run(client, session_factory, headers, "bad_truncated.edi")
    assert out["status"] == "failed" and out["failure"]
    assert out["recorded"] == 0 and out["errors"]
    assert all(e["reason"] for e in out["errors"])
    with session_factory() as session:
        assert session.scalar(select(Event.id)) is None


def test_another_terminals_file_fails_in_the_job_and_is_audited(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    out = submit_and_run(client, session_factory, headers, "codeco_gateout_cncfd.edi")
    assert out["status"] == "failed"
    assert "UN/LOCODE" in out["failure"]
    assert ["CNCFD" in e["reason"] for e in out["errors"]] == [True]
    with session_factory() as session:
        assert session.scalar(select(Event.id)) is None
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ports.events.record")
        ).all()
        assert [e.outcome for e in refused] == ["refused"]
    # Caofeidian's own steward records it; Tianjin's does not read Caofeidian's submission.
    cfd = ports.headers(session_factory, "he_cfd")
    own = submit_and_run(client, session_factory, cfd, "codeco_gateout_cncfd.edi")
    assert own["status"] == "done" and own["recorded"] == 1
    assert client.get(f"{URL}/{own['id']}", headers=headers).status_code == 404


def test_who_operates_no_port_may_not_submit(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "bj-env")
    answer = client.post(
        URL, content=(FILES / "codeco_gatein_cntxg.edi").read_bytes(), headers={**headers, **EDI}
    )
    assert answer.status_code == 403
    with session_factory() as session:
        assert session.scalar(select(EdifactSubmission.id)) is None
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ports.edifact.submit")
        ).all()
        assert [e.outcome for e in refused] == ["denied"]


def test_a_submission_is_running_while_a_worker_holds_its_job(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    accepted = client.post(
        URL,
        content=(FILES / "codeco_gatein_cntxg.edi").read_bytes(),
        headers={**headers, **EDI},
    )
    location = accepted.headers["location"]
    with session_factory() as session:
        [claimed] = jobs.claim(session, worker_id="test-worker", limit=1)
    assert claimed.kind == "ports.edifact"
    assert client.get(location, headers=headers).json()["status"] == "running"
    # the claiming worker runs it: done
    assert jobs.run_job(session_factory, claimed)
    assert client.get(location, headers=headers).json()["status"] == "done"
