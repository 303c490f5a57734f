"""Reading events: who sees which (``policy.read_scope`` turned into one SQL condition) and the
filters of DCSA's ``GET /v2/events``, paged by (eventCreatedDateTime, id)."""

from __future__ import annotations

import typing
import uuid
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    cast,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from jingjinji.catalog import service as catalog
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.ports import policy
from jingjinji.ports.models import Event, EventReference, ReferenceKind
from jingjinji.ports.schemas.api import EventQuery
from jingjinji.ports.service import reference
from jingjinji.security import Actor, Role


def _granted_locations(session: Session, organisation_id: int | None) -> set[str] | None:
    """UN/LOCODEs the organisation's current grants on PORTS-EVENTS cover (None: the whole
    dataset)."""
    scopes = catalog.scopes_of(
        session, dataset_code=policy.EVENTS_DATASET, organisation_id=organisation_id
    )
    if scopes is None:
        return None
    return {value for scope in scopes for value in scope.get(policy.LOCATION_FIELD, ())}


def read_scope(session: Session, actor: Actor | None) -> policy.ReadScope:
    if actor is None:
        return policy.ReadScope()
    if actor.is_office_admin:
        return policy.ReadScope(everything=True)
    province = actor.province_code if actor.role is Role.JURISDICTION_ADMIN else None
    operator = reference.operator_of(session, organisation_id=actor.organisation_id)
    return policy.read_scope(
        actor,
        own_locations=set(operator.locations),
        province_locations=reference.locations_in_province(session, province_code=province),
        granted_locations=_granted_locations(session, actor.organisation_id),
        is_carrier=operator.is_carrier,
    )


def organisation_scope(session: Session, organisation_id: int | None) -> policy.ReadScope:
    """What a subscription of ``organisation_id`` (None: the office) receives: its
    organisation's reach now (``policy.subscription_scope``)."""
    if organisation_id is None:
        return policy.ReadScope(everything=True)
    operator = reference.operator_of(session, organisation_id=organisation_id)
    return policy.subscription_scope(
        organisation_id,
        own_locations=set(operator.locations),
        granted_locations=_granted_locations(session, organisation_id),
        is_carrier=operator.is_carrier,
    )


def _with_reference(kind: str, values: list[str]) -> ColumnElement[bool]:
    refs = select(EventReference.event_pk).where(
        EventReference.kind == kind, EventReference.value.in_(values)
    )
    return Event.id.in_(refs)


# The aliases of the probes below, made once: an alias adapts its entity's columns on first use,
# and making them per request cost a carrier's page 0.6 ms and a terminal's more (docs/ports.md,
# "The request's own cost"). Each is used once per statement.
_CARRIED = aliased(EventReference, name="carried_ref")
_SAME = aliased(EventReference, name="same_ref")
_PASSED = aliased(Event, name="passed_event")


def _carries_a_booking_of(writer: int) -> ColumnElement[bool]:
    """The event carries a booking reference (BKG) that an event ``writer`` wrote carries: the
    carrier's rule, as a correlated EXISTS probed per candidate event in the page's index order
    (its BKG values from ``ix_ports_event_references_event``, then whether a reference of the
    same value was written by ``writer`` from ``ix_ports_event_references_writer``, both
    index-only), so a page stops after ``limit`` rows. The references carry their writer's
    organisation (migration 0709_ports_reference_writer): one probe per BKG value of a
    candidate, where joining ``ports_events`` for the writer took one per event sharing it.

    ``OFFSET 0`` keeps PostgreSQL from planning the EXISTS as a hashed IN list: it estimates
    the probes for every row of the index, not for the page, and picked the hash (the whole
    list) at 200,000 events (docs/ports.md, migration 0707_ports_booking_view)."""
    carried, same = _CARRIED, _SAME
    probe = (
        select(literal(1))
        .where(
            carried.event_pk == Event.id,
            carried.kind == ReferenceKind.BOOKING.value,
            same.kind == ReferenceKind.BOOKING.value,
            same.value == carried.value,
            same.writer_organisation_id == writer,
        )
        .offset(0)
    )
    return probe.exists()


def visible(scope: policy.ReadScope) -> ColumnElement[bool]:
    """The SQL condition of the events ``scope`` reads."""
    if scope.everything:
        return true()
    if scope.nothing:
        return false()
    clauses: list[ColumnElement[bool]] = []
    if scope.organisation_id is not None:
        clauses.append(Event.organisation_id == scope.organisation_id)
    if scope.locations:
        clauses.append(Event.un_location_code.in_(sorted(scope.locations)))
    if scope.equipment_locations:
        # The transhipment partner: equipment that has an event at one of its locations. An
        # EXISTS probe per candidate event (ix_ports_events_equipment_location), not the list of
        # every box that ever passed there: that list is built whole for each page (millions of
        # rows at 10 million events; benchmarks/bench_ports_events.py timed out on it).
        passed = _PASSED
        clauses.append(
            exists().where(
                passed.equipment_reference == Event.equipment_reference,
                passed.un_location_code.in_(sorted(scope.equipment_locations)),
            )
        )
    if scope.booking_writer is not None:
        clauses.append(_carries_a_booking_of(scope.booking_writer))
    return or_(*clauses)


_OPERATORS = {
    "gte": lambda c, v: c >= v,
    "gt": lambda c, v: c > v,
    "lte": lambda c, v: c <= v,
    "lt": lambda c, v: c < v,
    "eq": lambda c, v: c == v,
}

# (query attribute, column) of the filters that match one value exactly, and of the list ones.
_EXACT = (
    ("transport_call_id", Event.transport_call_id),
    ("vessel_imo_number", Event.vessel_imo_number),
    ("export_voyage_number", Event.export_voyage_number),
    ("carrier_service_code", Event.carrier_service_code),
    ("un_location_code", Event.un_location_code),
    ("equipment_reference", Event.equipment_reference),
)
_ANY_OF = (
    ("event_types", Event.event_type),
    ("shipment_event_type_codes", Event.shipment_event_type_code),
    ("document_type_codes", Event.document_type_code),
    ("transport_event_type_codes", Event.transport_event_type_code),
    ("equipment_event_type_codes", Event.equipment_event_type_code),
)


def filters(query: EventQuery) -> list[ColumnElement[bool]]:
    """The SQL conditions of DCSA's filters (AND across filters, OR within a list)."""
    out: list[ColumnElement[bool]] = []
    for name, column in _EXACT:
        value = getattr(query, name)
        if value is not None:
            out.append(column == value)
    for name, column in _ANY_OF:
        values = getattr(query, name)
        if values:
            out.append(column.in_(values))
    if query.carrier_booking_reference is not None:
        out.append(_with_reference(ReferenceKind.BOOKING.value, [query.carrier_booking_reference]))
    if query.transport_document_reference is not None:
        out.append(
            _with_reference(
                ReferenceKind.TRANSPORT_DOCUMENT.value, [query.transport_document_reference]
            )
        )
    for operator, moment in query.created:
        out.append(_OPERATORS[operator](Event.event_created_at, moment))
    return out


def _matching(session: Session, actor: Actor | None, query: EventQuery) -> ColumnElement[bool]:
    return and_(visible(read_scope(session, actor)), *filters(query))


def list_events(session: Session, *, actor: Actor | None, query: EventQuery) -> Paged[Event]:
    """One page of the events ``actor`` may read that match ``query``, oldest
    eventCreatedDateTime first (``next_cursor`` pages on)."""
    limit = check_limit(query.limit)
    return paginate(
        session,
        select(Event).where(_matching(session, actor, query)),
        Event.event_created_at,
        Event.id,
        cursor=query.cursor,
        limit=limit,
        descending=query.descending,
    )


def list_event_documents(session: Session, *, actor: Actor | None, query: EventQuery) -> Paged[str]:
    """The page of :func:`list_events` as the JSON text of each event as accepted: what
    ``GET /v2/events`` answers. The stored JSON is read as text and never parsed: building the
    events to serialise them again took most of a page's time (benchmarks/bench_ports_events.py
    measured it; docs/ports.md)."""
    limit = check_limit(query.limit)
    stmt = select(
        cast(Event.payload, Text).label("document"), Event.event_created_at, Event.id
    ).where(_matching(session, actor, query))
    paged = paginate(
        session,
        typing.cast(Select[Any], stmt),
        Event.event_created_at,
        Event.id,
        cursor=query.cursor,
        limit=limit,
        descending=query.descending,
        scalars=False,
    )
    return Paged([row.document for row in paged.items], paged.next_cursor)


def get_event(session: Session, *, actor: Actor | None, event_id: uuid.UUID) -> Event:
    """One event by its eventID; 404 when unknown or not readable (never telling which)."""
    stmt = select(Event).where(Event.event_id == event_id, visible(read_scope(session, actor)))
    event = session.scalar(stmt)
    if event is None:
        raise NotFound(msg("no event {event_id}", event_id=str(event_id)))
    return event
