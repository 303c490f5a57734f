"""The carrier's rule (``query.visible``'s correlated EXISTS) gives exactly what a plain Python
reading of the rule gives: its own events, and every event carrying a BKG reference that one of
its own events carries. Random traffic with bookings shared between writers, several references
per event, and look-alike values of other kinds (TRD, FF) that must not count; paged in small
pages so that the cursor runs through the condition too."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.ports import service
from jingjinji.ports.models import Event, EventReference
from jingjinji.ports.schemas.api import EventQuery
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event, examples

TERMINALS = {"tj_port": "CNTXG", "he_cfd": "CNCFD", "he_hha": "CNHHA"}
BOOKINGS = [f"BHF{n:07d}" for n in range(12)]


def _created(n: int) -> str:
    return f"2026-09-{1 + n // 24:02d}T{n % 24:02d}:00:00+08:00"


def _terminal_event(rng: random.Random, n: int, locode: str) -> dict[str, Any]:
    event = equipment_event(f"7e57c000-0000-4000-8000-{n:012d}", "CSQU3054383", locode,
                            created=_created(n))  # fmt: skip
    kinds = ["BKG", "BKG", "TRD"]
    docs = [
        {"documentReferenceType": rng.choice(kinds), "documentReferenceValue": value}
        for value in rng.sample(BOOKINGS, rng.randrange(0, 3))
    ]
    if docs:
        event["documentReferences"] = docs
    return event


def _carrier_event(rng: random.Random, n: int) -> dict[str, Any]:
    kind = rng.choice(["BKG", "BKG", "TRD"])  # a bill (TRD) of a booking-like value: no booking
    event: dict[str, Any] = examples()["valid"][0]
    return event | {
        "eventID": f"7e57c000-0000-4000-8000-{n:012d}",
        "eventCreatedDateTime": _created(n),
        "documentTypeCode": kind,
        "documentID": rng.choice(BOOKINGS[:8]),
        "shipmentEventTypeCode": "CONF" if kind == "BKG" else "ISSU",
        # a shipper's reference (FF) of a booking-like value: not a booking either
        "references": [{"referenceType": "FF", "referenceValue": rng.choice(BOOKINGS)}],
    }


def _record(factory: sessionmaker[Session], actor: Actor, body: dict[str, Any]) -> None:
    with factory() as session:
        events, payloads = service.parse_events(body)
        service.record_events(session, actor=actor, events=events, payloads=payloads)
        session.commit()


def _traffic(factory: sessionmaker[Session], ports: Ports, seed: int) -> None:
    rng = random.Random(seed)
    for n in range(60):
        writer = rng.choice([*TERMINALS, "carrier"])
        if writer == "carrier":
            body = _carrier_event(rng, n)
        else:
            body = _terminal_event(rng, n, TERMINALS[writer])
        _record(factory, ports.actors[writer], body)


def _expected(session: Session, carrier: int) -> list[int]:
    """The rule read plainly: its own events, and those carrying one of its own bookings."""
    events = session.scalars(select(Event)).all()
    refs: dict[int, set[tuple[str, str]]] = {}
    for ref in session.scalars(select(EventReference)):
        refs.setdefault(ref.event_pk, set()).add((ref.kind, ref.value))
    own = [e for e in events if e.organisation_id == carrier]
    bookings = {value for e in own for kind, value in refs.get(e.id, ()) if kind == "BKG"}
    seen = [
        e
        for e in events
        if e.organisation_id == carrier
        or any(kind == "BKG" and value in bookings for kind, value in refs.get(e.id, ()))
    ]
    return [e.id for e in sorted(seen, key=lambda e: (e.event_created_at, e.id))]


def _listed(session: Session, actor: Actor) -> list[int]:
    out: list[int] = []
    cursor = None
    while True:
        page = service.list_events(session, actor=actor, query=EventQuery(limit=7, cursor=cursor))
        out.extend(e.id for e in page.items)
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def test_the_carrier_reads_what_the_rule_read_plainly_gives(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _traffic(session_factory, ports, seed=14)
    carrier = ports.organisations["carrier"]
    with session_factory() as session:
        expected = _expected(session, carrier)
        listed = _listed(session, ports.actors["carrier"])
        others = session.scalar(select(Event.id).where(Event.organisation_id != carrier))
    assert listed == expected
    # The traffic exercises the rule: other writers' events are among those read and not all.
    assert others is not None
    with session_factory() as session:
        total = len(session.scalars(select(Event.id)).all())
        own = len(session.scalars(select(Event.id).where(Event.organisation_id == carrier)).all())
    assert own < len(expected) < total
