"""``POST /api/v1/ports/edifact``: a terminal's CODECO/COARRI file becomes DCSA events that the
DCSA API serves; a file sent again records nothing new; bad messages are named by segment and
element without losing the good ones; another terminal's place is an audited 403."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.ports.models import Event
from tests.ports.conftest import Ports

URL = "/api/v1/ports/edifact"
EVENTS = "/api/v1/ports/dcsa/v2/events"
FILES = Path(__file__).parents[3] / "src" / "jingjinji" / "ports" / "data" / "edifact"
EDI = {"Content-Type": "application/edifact"}


def test_gate_ins_become_events_and_a_resent_file_is_a_retry(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    first = client.post(
        URL, content=(FILES / "codeco_gatein_cntxg.edi").read_bytes(), headers={**headers, **EDI}
    )
    assert first.status_code == 201, first.text
    out = first.json()
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
    again = client.post(
        URL, content=(FILES / "codeco_gatein_cntxg.edi").read_bytes(), headers={**headers, **EDI}
    )
    assert again.status_code == 200
    assert (again.json()["recorded"], again.json()["duplicates"]) == (0, 2)
    assert again.json()["event_ids"] == out["event_ids"]


def test_discharges_carry_the_vessel_call(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    answer = client.post(
        URL,
        content=(FILES / "coarri_discharge_cntxg.edi").read_bytes(),
        headers={**headers, **EDI},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["recorded"] == 3
    served = client.get(EVENTS, params={"vesselIMONumber": "9412036"}, headers=headers).json()
    assert len(served) == 3
    assert {e["equipmentEventTypeCode"] for e in served} == {"DISC"}


def test_a_bad_message_is_named_and_the_good_one_recorded(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    answer = client.post(
        URL,
        content=(FILES / "bad_mixed_messages.edi").read_bytes(),
        headers={**headers, **EDI},
    )
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["recorded"] == out["messages_accepted"] == 1
    assert out["messages"] == 3
    bgm = [e for e in out["errors"] if e["segment_tag"] == "BGM"]
    assert bgm and bgm[0]["message_ref"] == "M2" and bgm[0]["element"]
    assert all(e["reason"] for e in out["errors"])


def test_a_file_with_nothing_readable_is_a_422_on_the_body(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    for content in ((FILES / "bad_truncated.edi").read_bytes(), b"", b"not edifact at all"):
        answer = client.post(URL, content=content, headers={**headers, **EDI})
        assert answer.status_code == 422, (content[:20], answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["loc"] == ["body"]
    with session_factory() as session:
        assert session.scalar(select(Event.id)) is None


def test_another_terminals_file_is_refused_and_audited(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    answer = client.post(
        URL,
        content=(FILES / "codeco_gateout_cncfd.edi").read_bytes(),
        headers={**headers, **EDI},
    )
    assert answer.status_code == 403
    with session_factory() as session:
        assert session.scalar(select(Event.id)) is None
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ports.events.record")
        ).all()
        assert [e.outcome for e in refused] == ["refused"]
    own = client.post(
        URL,
        content=(FILES / "codeco_gateout_cncfd.edi").read_bytes(),
        headers={**ports.headers(session_factory, "he_cfd"), **EDI},
    )
    assert own.status_code == 201, own.text
