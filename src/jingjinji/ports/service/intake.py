"""Event intake: DCSA 2.2 event JSON from a terminal or carrier (``POST /ports/events``) and,
later, events mapped from EDIFACT files, through one function, ``record_events``.

A batch is all or nothing: every item is checked first (shape, who may write it, eventID
clashes) and every bad item is named by its position in the array and its field; nothing is
stored unless all pass. Intake is idempotent on eventID: an event already stored with the same
JSON is reported as a duplicate and not stored again; the same eventID with other JSON is a
conflict (events are immutable; a correction is a new event that ``supersedes`` the old one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.ports import kernels, policy
from jingjinji.ports.models import Event, EventReference, EventSource, ReferenceKind
from jingjinji.ports.schemas import dcsa
from jingjinji.ports.service import indicator_months, reference, subscriptions
from jingjinji.ports.service.indicators import queue_refresh
from jingjinji.security import Actor, require_actor

_EVENT: TypeAdapter[dcsa.ShipmentEvent | dcsa.TransportEvent | dcsa.EquipmentEvent] = TypeAdapter(
    dcsa.DcsaEvent
)
#: The most events one intake takes (a larger file is split by the sender).
MAX_BATCH = 5000
AnyEvent = dcsa.ShipmentEvent | dcsa.TransportEvent | dcsa.EquipmentEvent


@dataclass
class IntakeResult:
    """Per item (in the posted order): its eventID, whether it was new, and its warnings."""

    event_ids: list[uuid.UUID] = field(default_factory=list)
    recorded: list[bool] = field(default_factory=list)
    warnings: list[list[str]] = field(default_factory=list)


def _item_loc(prefix: list[str | int], loc: Sequence[Any]) -> list[str | int]:
    """Pydantic's location without the union tag (``EQUIPMENT``) it inserts."""
    parts = list(loc)
    if parts and parts[0] in dcsa.EVENT_TYPES:
        parts = parts[1:]
    return [*prefix, *parts]


def parse_events(raw: object) -> tuple[list[AnyEvent], list[dict[str, Any]]]:
    """The DCSA events of a posted body (one event object or an array of them) and their JSON
    as sent. Raises ``InvalidInput`` naming every bad item by position and field."""
    single = isinstance(raw, dict)
    items: list[Any] = [raw] if single else raw if isinstance(raw, list) else []
    if not single and not isinstance(raw, list):
        raise InvalidInput(
            msg("the body must be one DCSA event object or an array of them"),
            errors=[field_error(["body"], msg("expected an object or an array"))],
        )
    if not items:
        raise InvalidInput(
            msg("the array holds no events"), errors=[field_error(["body"], msg("empty"))]
        )
    if len(items) > MAX_BATCH:
        raise InvalidInput(
            msg("at most {limit} events per request", limit=MAX_BATCH),
            errors=[
                field_error(
                    ["body"],
                    msg("{count} items; at most {limit}", count=len(items), limit=MAX_BATCH),
                )
            ],
        )
    events: list[AnyEvent] = []
    errors: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        prefix: list[str | int] = ["body"] if single else ["body", position]
        try:
            events.append(_EVENT.validate_python(item))
        except ValidationError as exc:
            for err in exc.errors():
                loc = _item_loc(prefix, err["loc"])
                if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                    loc = [*prefix, "eventType"]
                errors.append(field_error(loc, err["msg"], type=err["type"]))
    if errors:
        raise InvalidInput(
            msg(
                "{count} of {total} events are not valid DCSA 2.2 events",
                count=len({tuple(e["loc"][:2]) for e in errors}),
                total=len(items),
            ),
            errors=errors,
        )
    return events, [dict(item) for item in items]


def event_location(event: AnyEvent) -> str | None:
    """Where the event happened: the event location's UN/LOCODE, else its transport call's."""
    if isinstance(event, dcsa.EquipmentEvent) and event.eventLocation is not None:
        where = event.eventLocation.UNLocationCode
        if where:
            return where
    call = getattr(event, "transportCall", None)
    if isinstance(call, dcsa.TransportCall):
        if call.UNLocationCode:
            return call.UNLocationCode
        if call.location is not None and call.location.UNLocationCode:
            return call.location.UNLocationCode
    return None


def _warnings(event: AnyEvent) -> list[str]:
    out: list[str] = []
    if isinstance(event, dcsa.EquipmentEvent) and event.equipmentReference:
        text = kernels.check_equipment_reference(event.equipmentReference).warning
        if text:
            out.append(text)
    call = getattr(event, "transportCall", None)
    if isinstance(call, dcsa.TransportCall) and call.vessel is not None:
        imo = call.vessel.vesselIMONumber
        if not kernels.is_valid_imo(imo):
            out.append(f"vesselIMONumber {imo}: the IMO check digit does not match")
    return out


def _references(event: AnyEvent) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    if isinstance(event, dcsa.ShipmentEvent):
        if event.documentTypeCode in ("BKG", "CBR"):
            refs.append((ReferenceKind.BOOKING.value, event.documentID))
        elif event.documentTypeCode == "TRD":
            refs.append((ReferenceKind.TRANSPORT_DOCUMENT.value, event.documentID))
    else:
        for doc in event.documentReferences or []:
            refs.append((doc.documentReferenceType, doc.documentReferenceValue))
    for ref in event.references or []:
        refs.append((ref.referenceType, ref.referenceValue))
    return list(dict.fromkeys(refs))


def _check_writer(
    session: Session, actor: Actor, events: Sequence[AnyEvent], prefix: list[str | int]
) -> None:
    own = reference.locations_of(session, organisation_id=actor.organisation_id)
    carrier = reference.is_carrier(session, organisation_id=actor.organisation_id)
    errors = []
    for position, event in enumerate(events):
        where = event_location(event)
        if not policy.may_write_event(
            actor, event_type=event.eventType, un_location_code=where, own_locations=own,
            is_carrier=carrier,
        ):  # fmt: skip
            reason = msg(
                "{event_type} event at {where}: {user} writes only events at {own}",
                event_type=event.eventType,
                where=where or "-",
                user=actor.username,
                own=", ".join(sorted(own)) or "-",
            )
            errors.append(field_error([*prefix, position], reason))
    if errors:
        raise audit.audited_refusal(
            session,
            PermissionDenied(
                msg(
                    "{user} may not record {count} of these events: a terminal writes only the "
                    "events at its own UN/LOCODE",
                    user=actor.username,
                    count=len(errors),
                ),
                errors=errors,
            ),
            actor=actor,
            action="ports.events.record",
            object_type="port_event",
            detail={"refused": [e["loc"] for e in errors]},
        )


def _payload_with_id(payload: dict[str, Any], event: AnyEvent) -> tuple[uuid.UUID, dict[str, Any]]:
    if event.eventID is not None:
        return event.eventID, payload
    # DCSA calls eventID metadata of the publisher: the platform assigns it when absent.
    assigned = uuid.uuid4()
    return assigned, {"eventID": str(assigned), **payload}


def _clashes(
    session: Session, ids: list[uuid.UUID], payloads: list[dict[str, Any]], prefix: list[str | int]
) -> tuple[set[uuid.UUID], list[dict[str, Any]]]:
    """eventIDs already stored with the same JSON (duplicates) and errors for the others."""
    errors: list[dict[str, Any]] = []
    seen: dict[uuid.UUID, int] = {}
    for position, event_id in enumerate(ids):
        if event_id in seen:
            errors.append(
                field_error(
                    [*prefix, position, "eventID"],
                    msg("repeats item {position}", position=seen[event_id]),
                )
            )
        seen.setdefault(event_id, position)
    rows = session.execute(select(Event.event_id, Event.payload).where(Event.event_id.in_(ids)))
    stored: dict[uuid.UUID, Any] = {event_id: payload for event_id, payload in rows}
    duplicates: set[uuid.UUID] = set()
    for position, event_id in enumerate(ids):
        if event_id not in stored:
            continue
        if stored[event_id] == payloads[position]:
            duplicates.add(event_id)
        else:
            errors.append(
                field_error(
                    [*prefix, position, "eventID"],
                    msg(
                        "event {event_id} is stored already with other content; events are "
                        "immutable: send a new event that supersedes it",
                        event_id=str(event_id),
                    ),
                )
            )
    return duplicates, errors


def _superseded(session: Session, actor: Actor, supersedes: uuid.UUID | None) -> Event | None:
    if supersedes is None:
        return None
    old = session.scalar(select(Event).where(Event.event_id == supersedes))
    if old is None or not (actor.is_office_admin or old.organisation_id == actor.organisation_id):
        raise InvalidInput(
            msg("no event {event_id} of yours to supersede", event_id=str(supersedes)),
            errors=[field_error(["query", "supersedes"], msg("unknown, or written by another"))],
        )
    return old


def _row(
    event: AnyEvent, *, event_id: uuid.UUID, payload: dict[str, Any], actor: Actor,
    source: EventSource, call_pks: dict[str, int], supersedes_id: int | None,
) -> Event:  # fmt: skip
    call = getattr(event, "transportCall", None)
    call = call if isinstance(call, dcsa.TransportCall) else None
    return Event(
        event_id=event_id,
        event_type=event.eventType,
        event_classifier_code=event.eventClassifierCode,
        event_at=dcsa.event_moment(event.eventDateTime),
        event_created_at=dcsa.event_moment(event.eventCreatedDateTime),
        shipment_event_type_code=getattr(event, "shipmentEventTypeCode", None),
        transport_event_type_code=getattr(event, "transportEventTypeCode", None),
        equipment_event_type_code=getattr(event, "equipmentEventTypeCode", None),
        document_type_code=getattr(event, "documentTypeCode", None),
        document_id=getattr(event, "documentID", None),
        equipment_reference=getattr(event, "equipmentReference", None),
        empty_indicator_code=getattr(event, "emptyIndicatorCode", None),
        transport_call_id=call.transportCallID if call else None,
        transport_call_pk=call_pks.get(call.transportCallID) if call else None,
        vessel_imo_number=call.vessel.vesselIMONumber if call and call.vessel else None,
        export_voyage_number=(call.exportVoyageNumber or call.carrierVoyageNumber)
        if call
        else None,
        carrier_service_code=call.carrierServiceCode if call else None,
        un_location_code=event_location(event),
        organisation_id=actor.organisation_id,
        source=source.value,
        payload=payload,
        warnings=_warnings(event),
        supersedes_id=supersedes_id,
    )


def record_events(
    session: Session,
    *,
    actor: Actor | None,
    events: list[AnyEvent],
    payloads: list[dict[str, Any]] | None = None,
    source: EventSource = EventSource.API,
    supersedes: uuid.UUID | None = None,
) -> IntakeResult:
    """Record DCSA events written by ``actor``'s organisation, all or nothing. Refusals name
    each item by its position in ``events`` (``["body", 2, ...]``; 0 for a single event).

    ``payloads``: the JSON of each event exactly as received (stored and served unchanged);
    without it (EDIFACT intake) the event's own JSON is stored. ``supersedes``: the eventID of
    the one earlier event this single new event corrects. Raises ``InvalidInput`` (bad items by
    position), ``PermissionDenied`` (an event at another terminal's UN/LOCODE; audited) or
    ``Conflict`` (an eventID stored with other content)."""
    actor = require_actor(actor)
    prefix: list[str | int] = ["body"]
    if payloads is None:
        payloads = [e.model_dump(mode="json", exclude_none=True) for e in events]
    _check_writer(session, actor, events, prefix)
    if supersedes is not None and len(events) != 1:
        raise InvalidInput(
            msg("supersedes names one earlier event: send the correction alone"),
            errors=[field_error(["query", "supersedes"], msg("only with a single event"))],
        )
    superseded = _superseded(session, actor, supersedes)
    ids_payloads = [_payload_with_id(p, e) for p, e in zip(payloads, events, strict=True)]
    ids = [i for i, _ in ids_payloads]
    stored_payloads = [p for _, p in ids_payloads]
    duplicates, errors = _clashes(session, ids, stored_payloads, prefix)
    if errors:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg("{count} events clash with stored ones", count=len(errors)), errors=errors
            ),
            actor=actor,
            action="ports.events.record",
            object_type="port_event",
            detail={"refused": [e["loc"] for e in errors]},
        )
    new = [(i, e) for i, e in enumerate(events) if ids[i] not in duplicates]
    reference.note_equipment(session, [e for _, e in new if isinstance(e, dcsa.EquipmentEvent)])
    calls = [
        c for _, e in new if isinstance(c := getattr(e, "transportCall", None), dcsa.TransportCall)
    ]
    call_pks = reference.note_transport_calls(session, calls)
    rows = [
        _row(e, event_id=ids[i], payload=stored_payloads[i], actor=actor, source=source,
             call_pks=call_pks, supersedes_id=superseded.id if superseded else None)
        for i, e in new
    ]  # fmt: skip
    session.add_all(rows)
    session.flush()
    session.add_all(
        EventReference(
            event_pk=row.id, kind=kind, value=value, writer_organisation_id=row.organisation_id
        )
        for row, (_, event) in zip(rows, new, strict=True)
        for kind, value in _references(event)
    )
    session.flush()
    # Subscribers' callbacks are queued with the events: both commit or neither.
    subscriptions.queue_deliveries(session, rows)
    result = IntakeResult()
    warnings_of = {row.event_id: row.warnings for row in rows}
    for event_id in ids:
        result.event_ids.append(event_id)
        result.recorded.append(event_id not in duplicates)
        result.warnings.append(warnings_of.get(event_id, []))
    audit.record(
        session,
        actor=actor,
        action="ports.events.record",
        object_type="port_event",
        object_id=str(ids[0]) if len(ids) == 1 else None,
        detail={
            "source": source.value,
            "recorded": len(rows),
            "duplicates": len(duplicates),
            "supersedes": str(supersedes) if supersedes else None,
        },
    )
    # The stored indicators of the months these events reach are stale until the refresh job
    # recomputes them; marked after the audit entry, whose lock already orders the intakes.
    indicator_months.mark_events(session, rows, superseded)
    if rows:
        # Whatever the channel (API, EDIFACT, demo), the refresh follows the intake that made
        # months stale, not the hourly safety net (one pending refresh at a time).
        queue_refresh(session)
    return result
