"""Recording DCSA events through the service: who may write where, all or nothing, idempotent
on eventID, warnings kept, corrections as new events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied
from jingjinji.ports import service
from jingjinji.ports.models import Equipment, Event, EventReference, Vessel
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event, examples

E1 = "0b9c0c8e-0000-4000-8000-000000000001"
E2 = "0b9c0c8e-0000-4000-8000-000000000002"


def _record(
    factory: sessionmaker[Session], actor: Actor, body: Any, **kw: Any
) -> service.IntakeResult:
    with factory() as session:
        events, payloads = service.parse_events(body)
        result = service.record_events(session, actor=actor, events=events, payloads=payloads, **kw)
        session.commit()
    return result


def _stored(factory: sessionmaker[Session]) -> list[Event]:
    with factory() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def test_a_terminal_records_events_at_its_own_port(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = [
        equipment_event(E1, "CSQU3054383", "CNTXG", booking="BKG1"),
        equipment_event(E2, "CSQU3054383", "CNTXG", code="LOAD"),
    ]
    result = _record(session_factory, ports.actors["tj_port"], body)
    assert result.recorded == [True, True]
    assert result.warnings == [[], []]
    rows = _stored(session_factory)
    assert [str(r.event_id) for r in rows] == [E1, E2]
    assert rows[0].payload == body[0]
    assert rows[0].un_location_code == "CNTXG"
    assert rows[0].organisation_id == ports.organisations["tj_port"]
    assert rows[0].vessel_imo_number == "9321483"
    with session_factory() as session:
        refs = session.execute(select(EventReference.kind, EventReference.value)).all()
        assert [tuple(r) for r in refs] == [("BKG", "BKG1")]
        boxes = session.scalars(select(Equipment)).all()
        assert [(b.reference, b.check_digit_valid) for b in boxes] == [("CSQU3054383", True)]


def test_an_event_at_another_port_refuses_the_whole_batch_on_the_record(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = [
        equipment_event(E1, "CSQU3054383", "CNTXG"),
        equipment_event(E2, "CSQU3054383", "CNCFD"),
    ]
    with pytest.raises(PermissionDenied) as caught:
        _record(session_factory, ports.actors["tj_port"], body)
    assert [e["loc"] for e in caught.value.errors] == [["body", 1]]
    assert "CNCFD" in caught.value.errors[0]["msg"]
    assert _stored(session_factory) == []
    with session_factory() as session:
        refusals = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "ports.events.record", AuditEntry.outcome == "refused"
            )
        ).all()
        assert len(refusals) == 1


def test_a_terminal_writes_no_shipment_events_and_a_carrier_does(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    shipment = examples()["valid"][0]
    with pytest.raises(PermissionDenied):
        _record(session_factory, ports.actors["tj_port"], shipment)
    assert _record(session_factory, ports.actors["carrier"], shipment).recorded == [True]


def test_an_analyst_writes_nothing(session_factory: sessionmaker[Session], ports: Ports) -> None:
    with pytest.raises(PermissionDenied):
        _record(session_factory, ports.people["tj-analyst"], equipment_event(E1, "X", "CNTXG"))


def test_the_same_events_again_are_duplicates_not_new_rows(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = [equipment_event(E1, "CSQU3054383", "CNTXG")]
    _record(session_factory, ports.actors["tj_port"], body)
    again = _record(session_factory, ports.actors["tj_port"], body)
    assert again.recorded == [False]
    assert len(_stored(session_factory)) == 1


def test_the_same_event_id_with_other_content_is_a_conflict(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _record(session_factory, ports.actors["tj_port"], [equipment_event(E1, "CSQU3054383", "CNTXG")])
    changed = [
        equipment_event(E2, "CSQU3054383", "CNTXG"),
        equipment_event(E1, "CSQU3054383", "CNTXG", code="LOAD"),
    ]
    with pytest.raises(Conflict) as caught:
        _record(session_factory, ports.actors["tj_port"], changed)
    assert [e["loc"] for e in caught.value.errors] == [["body", 1, "eventID"]]
    assert len(_stored(session_factory)) == 1


def test_an_event_id_twice_in_one_batch_is_named(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = [equipment_event(E1, "A", "CNTXG"), equipment_event(E1, "B", "CNTXG")]
    with pytest.raises(Conflict) as caught:
        _record(session_factory, ports.actors["tj_port"], body)
    assert caught.value.errors[0]["loc"] == ["body", 1, "eventID"]


def test_bad_check_digits_are_kept_with_warnings(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    event = equipment_event(E1, "APNR7744962", "CNTXG")
    event["transportCall"]["vessel"]["vesselIMONumber"] = "1801323"
    result = _record(session_factory, ports.actors["tj_port"], event)
    assert result.recorded == [True]
    assert len(result.warnings[0]) == 2
    assert "APNR7744962" in result.warnings[0][0] and "1801323" in result.warnings[0][1]
    with session_factory() as session:
        box = session.scalars(select(Equipment)).one()
        assert (box.check_status, box.check_digit_valid) == ("bad_check_digit", False)
        assert session.scalars(select(Vessel.imo_valid)).one() is False
    assert _stored(session_factory)[0].warnings == result.warnings[0]


def test_a_missing_event_id_is_assigned_and_stored_in_the_json(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    event = equipment_event(E1, "CSQU3054383", "CNTXG")
    del event["eventID"]
    result = _record(session_factory, ports.actors["tj_port"], event)
    stored = _stored(session_factory)[0]
    assert stored.payload["eventID"] == str(result.event_ids[0]) == str(stored.event_id)
    assert {k: v for k, v in stored.payload.items() if k != "eventID"} == event


def test_a_correction_is_a_new_event_that_supersedes_the_old(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _record(session_factory, ports.actors["tj_port"], equipment_event(E1, "CSQU3054383", "CNTXG"))
    fixed = equipment_event(E2, "CSQU3054383", "CNTXG", created="2026-09-01T11:00:00+08:00")
    _record(session_factory, ports.actors["tj_port"], fixed, supersedes=uuid.UUID(E1))
    old, new = _stored(session_factory)
    assert new.supersedes_id == old.id
    assert old.payload == equipment_event(E1, "CSQU3054383", "CNTXG")  # never changed


def test_only_the_writer_supersedes_its_event(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _record(session_factory, ports.actors["tj_port"], equipment_event(E1, "CSQU3054383", "CNTXG"))
    with pytest.raises(InvalidInput) as caught:
        _record(
            session_factory, ports.actors["he_cfd"], equipment_event(E2, "B", "CNCFD"),
            supersedes=uuid.UUID(E1),
        )  # fmt: skip
    assert caught.value.errors[0]["loc"] == ["query", "supersedes"]


def test_the_office_records_the_official_examples_unchanged(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    result = _record(session_factory, ports.people["office"], examples()["valid"])
    assert result.recorded == [True, True, True]
    assert [r.payload for r in _stored(session_factory)] == examples()["valid"]
