"""Reference rows: locations (who operates which UN/LOCODE), carriers, and the vessels,
transport calls and equipment that accepted events introduce."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict
from jingjinji.i18n import msg
from jingjinji.ports import kernels
from jingjinji.ports.models import Carrier, Equipment, Location, TransportCall, Vessel
from jingjinji.ports.schemas import dcsa
from jingjinji.ports.schemas.api import CarrierIn, LocationIn
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_role, province_of


def register_location(session: Session, *, actor: Actor | None, data: LocationIn) -> Location:
    """Register a port, terminal, dry port or land port (office only: it decides who writes
    the events at a UN/LOCODE)."""
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="ports.location.create",
        object_type="port_location",
    )
    regions.jurisdiction_or_invalid(
        session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    if data.organisation_id is not None:
        regions.get_organisation(session, organisation_id=data.organisation_id)
    exists = session.scalar(
        select(Location.id).where(
            Location.un_location_code == data.un_location_code,
            Location.facility_code == data.facility_code,
        )
    )
    if exists is not None:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "location {code} {facility} is registered already",
                    code=data.un_location_code,
                    facility=data.facility_code,
                )
            ),
            actor=actor,
            action="ports.location.create",
            object_type="port_location",
            object_id=data.un_location_code,
        )
    location = Location(**data.model_dump())
    session.add(location)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ports.location.create",
        object_type="port_location",
        object_id=location.id,
        jurisdiction_code=data.jurisdiction_code,
        detail=data.model_dump(),
    )
    return location


def register_carrier(session: Session, *, actor: Actor | None, data: CarrierIn) -> Carrier:
    """Register a carrier by its SMDG or SCAC code (office only)."""
    ensure_role(
        session, actor, Role.OFFICE_ADMIN, action="ports.carrier.create", object_type="port_carrier"
    )
    if data.organisation_id is not None:
        regions.get_organisation(session, organisation_id=data.organisation_id)
    carrier = Carrier(**data.model_dump())
    session.add(carrier)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ports.carrier.create",
        object_type="port_carrier",
        object_id=carrier.id,
        detail=data.model_dump(),
    )
    return carrier


def list_locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).order_by(Location.un_location_code, Location.id)))


def locations_of(session: Session, *, organisation_id: int | None) -> set[str]:
    """The UN/LOCODEs an organisation operates (where it writes events)."""
    if organisation_id is None:
        return set()
    stmt = select(Location.un_location_code).where(Location.organisation_id == organisation_id)
    return set(session.scalars(stmt))


def locations_in_province(session: Session, *, province_code: str | None) -> set[str]:
    if province_code is None:
        return set()
    rows = session.execute(select(Location.un_location_code, Location.jurisdiction_code))
    return {code for code, jurisdiction in rows if province_of(jurisdiction) == province_code}


@dataclass(frozen=True)
class Operator:
    """What an organisation operates: the UN/LOCODEs where it writes events, and whether it is a
    carrier."""

    locations: frozenset[str]
    is_carrier: bool


_CARRIER_MARK = "*carrier"  # not a UN/LOCODE (five letters and digits)


def operator_of(session: Session, *, organisation_id: int | None) -> Operator:
    """:func:`locations_of` and :func:`is_carrier` in one round trip: every read of events by
    an organisation needs both (``query.read_scope``)."""
    if organisation_id is None:
        return Operator(frozenset(), False)
    carrier = (
        select(Carrier.id).where(Carrier.organisation_id == organisation_id).limit(1).subquery()
    )
    stmt = union_all(
        select(Location.un_location_code).where(Location.organisation_id == organisation_id),
        select(literal(_CARRIER_MARK)).select_from(carrier),
    )
    codes = set(session.execute(stmt).scalars())
    is_a_carrier = _CARRIER_MARK in codes
    codes.discard(_CARRIER_MARK)
    return Operator(frozenset(codes), is_a_carrier)


def is_carrier(session: Session, *, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    stmt = select(Carrier.id).where(Carrier.organisation_id == organisation_id).limit(1)
    return session.scalar(stmt) is not None


def note_equipment(session: Session, events: Iterable[dcsa.EquipmentEvent]) -> None:
    """Add the equipment these events introduce (first seen wins; one query for the batch)."""
    wanted = {e.equipmentReference: e for e in events if e.equipmentReference}
    if not wanted:
        return
    known = set(session.scalars(select(Equipment.reference).where(Equipment.reference.in_(wanted))))
    for reference, event in wanted.items():
        if reference in known:
            continue
        check = kernels.check_equipment_reference(reference)
        session.add(
            Equipment(
                reference=reference,
                iso_equipment_code=event.ISOEquipmentCode or "",
                check_status=check.status,
                check_digit_valid=check.valid,
            )
        )


def note_transport_calls(session: Session, calls: Iterable[dcsa.TransportCall]) -> dict[str, int]:
    """The platform ids of these transport calls by transportCallID, adding the new ones and
    their vessels (first seen wins)."""
    by_id = {c.transportCallID: c for c in calls}
    if not by_id:
        return {}
    stmt = select(TransportCall.transport_call_id, TransportCall.id).where(
        TransportCall.transport_call_id.in_(by_id)
    )
    ids: dict[str, int] = {tc_id: pk for tc_id, pk in session.execute(stmt)}
    vessels = _vessel_ids(session, [c.vessel for c in by_id.values() if c.vessel])
    for tc_id, call in by_id.items():
        if tc_id in ids:
            continue
        row = TransportCall(
            transport_call_id=tc_id,
            un_location_code=call.UNLocationCode
            or (call.location.UNLocationCode if call.location else None)
            or "",
            facility_code=call.facilityCode or "",
            carrier_service_code=call.carrierServiceCode or "",
            export_voyage_number=call.exportVoyageNumber or call.carrierVoyageNumber or "",
            import_voyage_number=call.importVoyageNumber or "",
            mode_of_transport=call.modeOfTransport,
            vessel_id=vessels.get(call.vessel.vesselIMONumber) if call.vessel else None,
        )
        session.add(row)
        session.flush()
        ids[tc_id] = row.id
    return ids


def _vessel_ids(session: Session, vessels: list[dcsa.Vessel]) -> dict[str, int]:
    wanted = {v.vesselIMONumber: v for v in vessels}
    if not wanted:
        return {}
    stmt = select(Vessel.imo_number, Vessel.id).where(Vessel.imo_number.in_(wanted))
    ids: dict[str, int] = {imo: pk for imo, pk in session.execute(stmt)}
    for imo, vessel in wanted.items():
        if imo in ids:
            continue
        row = Vessel(
            imo_number=imo,
            name=vessel.vesselName or "",
            flag=vessel.vesselFlag or "",
            call_sign=vessel.vesselCallSignNumber or "",
            operator_carrier_code=vessel.vesselOperatorCarrierCode or "",
            imo_valid=kernels.is_valid_imo(imo),
        )
        session.add(row)
        session.flush()
        ids[imo] = row.id
    return ids
