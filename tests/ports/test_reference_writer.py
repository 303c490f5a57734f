"""Each event reference carries its writer's organisation (``writer_organisation_id``, migration
0709_ports_reference_writer): intake fills it (the JSON API's service and the EDIFACT path; None
for the office), the migration backfills it from the events, and the carrier's rule, which reads
it instead of joining the events, still gives a carrier exactly the events of its own bookings
and not another carrier's. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import migrate
from jingjinji.ports import service
from jingjinji.ports.models import Event, EventReference
from jingjinji.ports.schemas.api import CarrierIn, EventQuery
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event, examples

EDIFACT = Path(service.__file__).resolve().parents[1] / "data" / "edifact"


def _shipment(n: int, booking: str) -> dict[str, Any]:
    event: dict[str, Any] = examples()["valid"][0]
    return event | {
        "eventID": f"7e57c000-0000-4000-8000-{n:012d}",
        "eventCreatedDateTime": f"2026-09-01T{n:02d}:00:00+08:00",
        "documentTypeCode": "BKG",
        "documentID": booking,
        "shipmentEventTypeCode": "CONF",
    }


def _box(n: int, locode: str, booking: str) -> dict[str, Any]:
    return equipment_event(
        f"7e57c000-0000-4000-8000-{n:012d}", "CSQU3054383", locode,
        created=f"2026-09-01T{n:02d}:00:00+08:00", booking=booking,
    )  # fmt: skip


def _record(factory: sessionmaker[Session], actor: Actor, body: dict[str, Any]) -> None:
    with factory() as session:
        events, payloads = service.parse_events(body)
        service.record_events(session, actor=actor, events=events, payloads=payloads)
        session.commit()


def _writers(
    factory: sessionmaker[Session],
) -> dict[tuple[int, str], tuple[int | None, int | None]]:
    """(event pk, value) -> (the reference's writer, the event's organisation), every reference."""
    with factory() as session:
        rows = session.execute(
            select(
                EventReference.event_pk,
                EventReference.value,
                EventReference.writer_organisation_id,
                Event.organisation_id,
            ).join(Event, Event.id == EventReference.event_pk)
        ).all()
    return {(pk, value): (writer, org) for pk, value, writer, org in rows}


def _traffic(factory: sessionmaker[Session], ports: Ports) -> None:
    """The carrier confirms BHF1; the office records a booking BHF2; terminals move boxes of BHF1,
    BHF2 and BHF3."""
    _record(factory, ports.actors["carrier"], _shipment(1, "BHF0000001"))
    _record(factory, ports.people["office"], _shipment(2, "BHF0000002"))
    _record(factory, ports.actors["tj_port"], _box(3, "CNTXG", "BHF0000001"))
    _record(factory, ports.actors["he_cfd"], _box(4, "CNCFD", "BHF0000002"))
    _record(factory, ports.actors["tj_port"], _box(5, "CNTXG", "BHF0000003"))


def test_intake_copies_the_writers_organisation_onto_each_reference(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _traffic(session_factory, ports)
    with session_factory() as session:
        edifact = (EDIFACT / "codeco_gatein_cntxg.edi").read_bytes()
        service.record_edifact(session, actor=ports.actors["tj_port"], data=edifact)
        session.commit()
    writers = _writers(session_factory)
    orgs = ports.organisations
    by_value = {value: writer for (_, value), (writer, _) in writers.items()}
    assert by_value["BHF0000001"] in (orgs["carrier"], orgs["tj_port"])
    assert {w for (_, v), (w, _) in writers.items() if v == "BHF0000002"} == {None, orgs["he_cfd"]}
    # The EDIFACT path's references (RFF+BN) are the terminal's too.
    edifact_refs = [w for (_, v), (w, _) in writers.items() if not v.startswith("BHF")]
    assert edifact_refs and set(edifact_refs) == {orgs["tj_port"]}
    assert all(writer == org for writer, org in writers.values()), writers


def test_the_migration_backfills_the_writers_from_the_events(
    engine: Engine, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    """Down to 0708 (no column) and up again: every reference gets its event's organisation."""
    _traffic(session_factory, ports)
    before = _writers(session_factory)
    assert None in {w for w, _ in before.values()} and len(before) == 5
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0708_ports_indicator_stale")
        columns = {c["name"] for c in inspect(connection).get_columns("ports_event_references")}
        assert "writer_organisation_id" not in columns
        command.upgrade(cfg, "heads")
    assert _writers(session_factory) == before
    assert migrate.pending(engine) == set()


def _listed(session: Session, actor: Actor) -> list[str]:
    page = service.list_events(session, actor=actor, query=EventQuery(limit=100))
    assert page.next_cursor is None
    return [str(e.event_id)[-2:] for e in page.items]


def test_a_carrier_reads_its_own_bookings_events_and_not_another_carriers(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    """A second carrier (the Huanghua terminal's organisation, registered as one here) confirms
    BHF3: each carrier reads its own confirmation and the boxes of its own booking only."""
    with session_factory() as session:
        service.register_carrier(
            session,
            actor=ports.people["office"],
            data=CarrierIn(code="HHX", code_list_provider="SMDG",
                           organisation_id=ports.organisations["he_hha"]),
        )  # fmt: skip
        session.commit()
    _traffic(session_factory, ports)
    _record(session_factory, ports.actors["he_hha"], _shipment(6, "BHF0000003"))
    with session_factory() as session:
        # The carrier: its confirmation and the box of BHF1, not BHF2 (the office's) nor BHF3.
        assert _listed(session, ports.actors["carrier"]) == ["01", "03"]
        other = _listed(session, ports.actors["he_hha"])
        assert {"05", "06"} <= set(other) and not {"01", "03"} & set(other), other
        # The rule reads the stored writer: a reference of the carrier's own booking value whose
        # writer is another organisation does not count for the carrier.
        session.execute(
            update(EventReference)
            .where(EventReference.writer_organisation_id == ports.organisations["carrier"])
            .values(writer_organisation_id=ports.organisations["he_cfd"])
        )
        assert _listed(session, ports.actors["carrier"]) == ["01"]
        session.rollback()
