"""One CODECO or COARRI message (D.95B, SMDG guides) to DCSA Track & Trace 2.2 EQUIPMENT
events, one per container (``EQD`` group).

CODECO gate-in (BGM 34) / gate-out (36): ``EQD+CN``, ``DTM+7`` event time, ``LOC+165`` terminal.
COARRI discharge (44) / loading (46): header ``TDT+20`` (voyage, carrier, vessel), per container
``DTM+203`` execution time, ``LOC+9`` / ``LOC+11`` ports of loading and discharge (the call is at
the port of loading for a loading report, of discharge for a discharge report), ``LOC+147``
stowage cell, ``MEA`` gross weight. Full or empty is EQD's sixth element, D.95B data element
8169 (4 empty, 5 full, 1-3 and 6-8 partly or fully loaded), not the equipment status 8249
before it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from jingjinji.i18n import msg
from jingjinji.ports.kernels.edifact.groups import Equipment, Located, MessageParts, split_message
from jingjinji.ports.kernels.edifact.identifiers import (
    container_check_digit,
    container_syntax_ok,
    imo_check_ok,
    iso_size_type_ok,
)
from jingjinji.ports.kernels.edifact.results import EventSource
from jingjinji.ports.kernels.edifact.syntax import Segment, component
from jingjinji.ports.kernels.edifact.values import (
    Findings,
    event_time,
    place,
    references,
    seals,
    weight_kg,
)

__all__ = ["EVENT_OF_DOCUMENT", "MessageEvents", "map_message"]

#: BGM document name code (D.95B 1001) -> the message type it belongs to, DCSA's event code
EVENT_OF_DOCUMENT = {
    "34": ("CODECO", "GTIN"),
    "36": ("CODECO", "GTOT"),
    "44": ("COARRI", "DISC"),
    "46": ("COARRI", "LOAD"),
}
# DTM qualifier of the event time and LOC qualifier of the event's place, per DCSA event code.
_TIME_QUALIFIER = {"GTIN": "7", "GTOT": "7", "DISC": "203", "LOAD": "203"}
_PLACE_QUALIFIER = {"GTIN": "165", "GTOT": "165", "DISC": "11", "LOAD": "9"}
_EMPTY = {"4": "EMPTY"} | dict.fromkeys(("1", "2", "3", "5", "6", "7", "8"), "LADEN")
# TDT carrier code list agency (3055) -> DCSA vesselOperatorCarrierCodeListProvider.
_CARRIER_LIST = {"306": "SMDG", "166": "NMFTA"}
# A transport call's id is derived from what identifies it (vessel, voyage, port), so every
# report of the same call gets the same id without a lookup.
_CALL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:jingjinji:ports:transport-call")


@dataclass(slots=True)
class MessageEvents:
    """The events of one message, where each came from, and the message's findings."""

    events: list[dict[str, object]]
    sources: list[EventSource]
    findings: Findings


@dataclass(frozen=True, slots=True)
class _Document:
    message_type: str
    event_code: str
    number: str
    function: str


def _document(parts: MessageParts, message_type: str, findings: Findings) -> _Document | None:
    bgm = parts.bgm
    if bgm is None:
        findings.error(None, None, msg("the message has no BGM segment"), tag="BGM")
        return None
    code = component(bgm.segment, 1, 1)
    known = EVENT_OF_DOCUMENT.get(code)
    if known is None:
        findings.error(
            bgm,
            "1:1",
            msg(
                "BGM document code {code!r} is not a gate-in (34), gate-out (36), discharge (44) "
                "or loading (46) report",
                code=code,
            ),
        )
        return None
    if known[0] != message_type:
        findings.error(
            bgm,
            "1:1",
            msg(
                "BGM document code {code} belongs to a {expected} message, not to a {actual}",
                code=code,
                expected=known[0],
                actual=message_type,
            ),
        )
        return None
    function = component(bgm.segment, 3)
    if function == "1":
        findings.error(
            bgm,
            "3",
            msg("a cancellation (BGM message function 1) cannot be taken: events are immutable"),
        )
        return None
    return _Document(message_type, known[1], component(bgm.segment, 2), function or "9")


def _vessel(tdt: Located, findings: Findings) -> tuple[str, dict[str, str] | None]:
    """The vessel of ``TDT+20``: its key for the call id (IMO number or call sign) and the DCSA
    Vessel object, which needs an IMO number (a call sign alone gives no object)."""
    segment = tdt.segment
    ident, code_list = component(segment, 8, 1), component(segment, 8, 2)
    is_imo = code_list == "146" or (code_list == "" and len(ident) == 7 and ident.isdigit())
    if not ident:
        findings.warning(tdt, "8:1", msg("TDT names no vessel (IMO number or call sign)"))
        return "", None
    if not is_imo:
        findings.warning(
            tdt,
            "8:1",
            msg("vessel {ident} is named by call sign only, not by IMO number", ident=ident),
        )
        return ident, None
    if not imo_check_ok(ident):
        findings.warning(
            tdt, "8:1", msg("IMO number {ident} fails the IMO check digit", ident=ident)
        )
    vessel = {"vesselIMONumber": ident}
    extra = {
        "vesselName": component(segment, 8, 4),
        "vesselFlag": component(segment, 8, 5),
        "vesselOperatorCarrierCode": component(segment, 5, 1),
        "vesselOperatorCarrierCodeListProvider": _CARRIER_LIST.get(component(segment, 5, 3), ""),
    }
    vessel |= {k: v for k, v in extra.items() if v}
    if "vesselOperatorCarrierCode" not in vessel:
        vessel.pop("vesselOperatorCarrierCodeListProvider", None)
    return ident, vessel


def _call(parts: MessageParts, findings: Findings) -> tuple[str, str, dict[str, str] | None] | None:
    """The COARRI's ``TDT+20``: (vessel key, voyage, Vessel object)."""
    tdt = parts.tdt
    if tdt is None or component(tdt.segment, 1) != "20":
        findings.error(
            tdt, None, msg("a COARRI needs the vessel's main-carriage TDT+20 segment"), tag="TDT"
        )
        return None
    voyage = component(tdt.segment, 2)
    if not voyage:
        findings.error(tdt, "2", msg("TDT+20 has no voyage number"))
        return None
    key, vessel = _vessel(tdt, findings)
    return key, voyage, vessel


def _container(eqd: Located, findings: Findings) -> tuple[str, bool] | None:
    segment = eqd.segment
    if component(segment, 1) != "CN":
        findings.error(
            eqd,
            "1",
            msg("EQD qualifier {q!r} is not CN (container)", q=component(segment, 1)),
        )
        return None
    number = component(segment, 2, 1)
    if not container_syntax_ok(number):
        findings.error(
            eqd,
            "2:1",
            msg(
                "container number {number!r} is not 4 letters and 7 digits (ISO 6346)",
                number=number,
            ),
        )
        return None
    expected = container_check_digit(number)
    if int(number[10]) != expected:
        findings.warning(
            eqd,
            "2:1",
            msg(
                "container {number} has check digit {given}; ISO 6346 gives {expected}",
                number=number,
                given=number[10],
                expected=expected,
            ),
        )
    return number, int(number[10]) == expected


def _equipment_fields(eqd: Located, findings: Findings) -> dict[str, str] | None:
    """ISOEquipmentCode (EQD's third element, optional) and emptyIndicatorCode (its sixth,
    required by DCSA)."""
    segment = eqd.segment
    out: dict[str, str] = {}
    size_type = component(segment, 3, 1)
    if size_type and not iso_size_type_ok(size_type):
        findings.error(
            eqd,
            "3:1",
            msg("size-type {code!r} is not an ISO 6346 size-type code", code=size_type),
        )
        return None
    if size_type:
        out["ISOEquipmentCode"] = size_type
    indicator = component(segment, 6)
    empty = _EMPTY.get(indicator)
    if empty is None:
        findings.error(
            eqd,
            "6",
            msg(
                "full/empty indicator {code!r} is not one of the codes 1 to 8 (4 empty, 5 full)",
                code=indicator,
            ),
        )
        return None
    out["emptyIndicatorCode"] = empty
    return out


def _located(
    equipment: Equipment, parts: MessageParts, qualifier: str, *, places: bool
) -> Located | None:
    """The group's segment of ``qualifier``, else the header's (the message's default)."""
    own, header = (equipment.places, parts.places) if places else (equipment.times, parts.times)
    return own.get(qualifier) or header.get(qualifier)


def _event(
    equipment: Equipment,
    parts: MessageParts,
    document: _Document,
    findings: Findings,
    call: tuple[str, str, dict[str, str] | None] | None,
    local: dt.tzinfo,
) -> tuple[dict[str, object], bool] | None:
    code = document.event_code
    before = len(findings.errors)
    container = _container(equipment.eqd, findings)
    fields = _equipment_fields(equipment.eqd, findings)
    when_at = _located(equipment, parts, _TIME_QUALIFIER[code], places=False)
    where_at = _located(equipment, parts, _PLACE_QUALIFIER[code], places=True)
    if when_at is None:
        findings.error(
            equipment.eqd,
            None,
            msg("no event time DTM+{q} for this container", q=_TIME_QUALIFIER[code]),
            tag="DTM",
        )
    if where_at is None:
        findings.error(
            equipment.eqd,
            None,
            msg("no place LOC+{q} for this container", q=_PLACE_QUALIFIER[code]),
            tag="LOC",
        )
    when = event_time(when_at, findings, local) if when_at else None
    where = place(where_at, findings) if where_at else None
    documents = references(parts.references + equipment.references, findings)
    sealed = seals(equipment.seals, findings)
    if len(findings.errors) > before or not (container and fields and when and where):
        return None
    event: dict[str, object] = {
        "eventType": "EQUIPMENT",
        "eventClassifierCode": "ACT",
        "eventDateTime": when.isoformat(),
        "equipmentEventTypeCode": code,
        "equipmentReference": container[0],
        **fields,
        "eventLocation": where,
    }
    if call is not None:
        event["transportCall"] = _transport_call(call, where, code)
    if documents:
        event["documentReferences"] = documents
    if sealed:
        event["seals"] = sealed
    return event, container[1]


def _transport_call(
    call: tuple[str, str, dict[str, str] | None], where: dict[str, str], code: str
) -> dict[str, object]:
    key, voyage, vessel = call
    port = where["UNLocationCode"]
    transport_call: dict[str, object] = {
        "transportCallID": str(uuid.uuid5(_CALL_NAMESPACE, f"{key}|{voyage}|{port}")),
        "carrierVoyageNumber": voyage,
        ("exportVoyageNumber" if code == "LOAD" else "importVoyageNumber"): voyage,
        "UNLocationCode": port,
        "modeOfTransport": "VESSEL",
    }
    for name in ("facilityCode", "facilityCodeListProvider"):
        if name in where:
            transport_call[name] = where[name]
    if vessel is not None:
        transport_call["vessel"] = vessel
    return transport_call


def _source(
    equipment: Equipment, parts: MessageParts, document: _Document, ok: bool, findings: Findings
) -> EventSource:
    stowage = _located(equipment, parts, "147", places=True)
    loading = _located(equipment, parts, "9", places=True)
    discharge = _located(equipment, parts, "11", places=True)
    return EventSource(
        message_ref=findings.ref or "",
        message_index=findings.index or 0,
        segment_index=equipment.eqd.index,
        message_type=document.message_type,
        document_number=document.number,
        message_function=document.function,
        check_digit_ok=ok,
        stowage_location=component(stowage.segment, 2, 1) or None if stowage else None,
        gross_weight_kg=weight_kg(equipment.weight, findings) if equipment.weight else None,
        port_of_loading=component(loading.segment, 2, 1) or None if loading else None,
        port_of_discharge=component(discharge.segment, 2, 1) or None if discharge else None,
    )


def map_message(
    segments: list[Segment], *, findings: Findings, message_type: str, local: dt.tzinfo
) -> MessageEvents:
    """The events of one message (``UNH`` to ``UNT``, its envelope already checked). Every
    problem goes into ``findings``; a message with any error gives no events (the caller
    rejects it whole, so a report is never half taken)."""
    parts = split_message(segments)
    out = MessageEvents(events=[], sources=[], findings=findings)
    document = _document(parts, message_type, findings)
    if document is None:
        return out
    if not parts.equipment:
        findings.error(None, None, msg("the message reports no container (no EQD)"), tag="EQD")
        return out
    call = _call(parts, findings) if message_type == "COARRI" else None
    if message_type == "COARRI" and call is None:
        return out
    for equipment in parts.equipment:
        made = _event(equipment, parts, document, findings, call, local)
        source = _source(equipment, parts, document, made[1] if made else True, findings)
        if made is not None:
            out.events.append(made[0])
            out.sources.append(source)
    if findings.errors:
        out.events.clear()
        out.sources.clear()
    return out
