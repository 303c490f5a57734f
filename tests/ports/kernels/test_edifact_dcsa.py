"""The events the EDIFACT kernel makes are DCSA Track & Trace 2.2 EquipmentEvent objects.

The schema below is transcribed from DCSA's official OpenAPI (``dcsaorg/DCSA-OpenAPI``,
``tnt/v2/tnt_v2.2.0.yaml``, components ``EquipmentEvent``, ``TransportCall``, ``Vessel``,
``Location``, ``DocumentReference``, ``Seal``; Apache-2.0): every property name, the required
ones, enumerations and maximum lengths. Two deliberate readings: ``exportVoyageNumber`` is held
to 50 characters like the other voyage numbers (that file says 5, a slip: its own example is a
UN/LOCODE), and ``documentReferenceType`` to ``BKG``/``TRD`` (that file's enum reads
``BKG (Booking)``, its examples and the event domain's ``BKG``). ``eventCreatedDateTime`` is
required but is metadata the platform assigns on storage; the test adds it as the platform
will."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import jingjinji.ports
from jingjinji.ports.kernels.edifact import parse_interchange

Spec = dict[str, Any]

EQUIPMENT_EVENT_TYPES = [
    "LOAD",
    "DISC",
    "GTIN",
    "GTOT",
    "STUF",
    "STRP",
    "PICK",
    "DROP",
    "INSP",
    "RSEA",
    "RMVD",
]
SCHEMAS: dict[str, Spec] = {
    "EquipmentEvent": {
        "required": [
            "eventCreatedDateTime",
            "eventType",
            "eventClassifierCode",
            "eventDateTime",
            "equipmentEventTypeCode",
            "emptyIndicatorCode",
        ],
        "properties": {
            "eventID": {},
            "eventCreatedDateTime": {"datetime": True},
            "eventType": {"enum": ["EQUIPMENT"]},
            "eventClassifierCode": {"enum": ["ACT", "PLN", "EST"]},
            "eventDateTime": {"datetime": True},
            "equipmentEventTypeCode": {"enum": EQUIPMENT_EVENT_TYPES},
            "equipmentReference": {"max": 15},
            "ISOEquipmentCode": {"max": 4},
            "emptyIndicatorCode": {"enum": ["EMPTY", "LADEN"]},
            "eventLocation": {"object": "Location"},
            "transportCallID": {"max": 100},
            "transportCall": {"object": "TransportCall"},
            "documentReferences": {"array": "DocumentReference"},
            "references": {"array": "Reference"},
            "seals": {"array": "Seal"},
            "eventTypeCode": {"enum": ["LOAD", "DISC", "GTIN", "GTOT", "STUF", "STRP"]},
        },
    },
    "TransportCall": {
        "required": ["transportCallID", "modeOfTransport"],
        "properties": {
            "transportCallID": {"max": 100},
            "carrierServiceCode": {"max": 5},
            "carrierVoyageNumber": {"max": 50},
            "exportVoyageNumber": {"max": 50},
            "importVoyageNumber": {"max": 50},
            "transportCallSequenceNumber": {},
            "UNLocationCode": {"max": 5},
            "facilityCode": {"max": 6},
            "facilityCodeListProvider": {"enum": ["SMDG", "BIC"]},
            "facilityTypeCode": {
                "enum": ["BOCR", "CLOC", "COFS", "COYA", "OFFD", "DEPO", "INTE", "POTE", "RAMP"]
            },
            "otherFacility": {"max": 50},
            "modeOfTransport": {"enum": ["VESSEL", "RAIL", "TRUCK", "BARGE"]},
            "location": {"object": "Location"},
            "vessel": {"object": "Vessel"},
        },
    },
    "Vessel": {
        "required": ["vesselIMONumber"],
        "properties": {
            "vesselIMONumber": {"max": 7},
            "vesselName": {"max": 35},
            "vesselFlag": {"max": 2},
            "vesselCallSignNumber": {"max": 10},
            "vesselOperatorCarrierCode": {"max": 10},
            "vesselOperatorCarrierCodeListProvider": {"enum": ["SMDG", "NMFTA"]},
        },
    },
    "Location": {
        "required": [],
        "properties": {
            "locationName": {"max": 100},
            "latitude": {"max": 10},
            "longitude": {"max": 11},
            "UNLocationCode": {"max": 5},
            "facilityCode": {"max": 6},
            "facilityCodeListProvider": {"enum": ["SMDG", "BIC"]},
            "address": {},
        },
    },
    "DocumentReference": {
        "required": [],
        "properties": {
            "documentReferenceType": {"enum": ["BKG", "TRD"]},
            "documentReferenceValue": {},
        },
    },
    "Reference": {
        "required": ["referenceType", "referenceValue"],
        "properties": {
            "referenceType": {"enum": ["FF", "SI", "PO", "CR", "AAO", "EQ"]},
            "referenceValue": {"max": 100},
        },
    },
    "Seal": {
        "required": ["sealNumber", "sealType"],
        "properties": {
            "sealNumber": {"max": 15},
            "sealSource": {"enum": ["CAR", "SHI", "PHY", "VET", "CUS"]},
            "sealType": {"enum": ["KLP", "BLT", "WIR"]},
        },
    },
}


def problems(value: object, schema: str, path: str = "") -> list[str]:
    """What in ``value`` the transcribed schema ``schema`` does not allow."""
    spec = SCHEMAS[schema]
    if not isinstance(value, dict):
        return [f"{path or schema}: not an object"]
    found = [f"{path}.{k}: missing" for k in spec["required"] if k not in value]
    for key, item in value.items():
        rule = spec["properties"].get(key)
        where = f"{path}.{key}"
        if rule is None:
            found.append(f"{where}: not a {schema} property")
        elif "object" in rule:
            found += problems(item, rule["object"], where)
        elif "array" in rule:
            if not isinstance(item, list) or not item:
                found.append(f"{where}: not a non-empty array")
            else:
                for i, element in enumerate(item):
                    found += problems(element, rule["array"], f"{where}[{i}]")
        else:
            found += _scalar(item, rule, where)
    return found


def _scalar(item: object, rule: Spec, where: str) -> list[str]:
    if not isinstance(item, str) or not item:
        return [f"{where}: not a non-empty string"]
    if "enum" in rule and item not in rule["enum"]:
        return [f"{where}: {item!r} not in {rule['enum']}"]
    if "max" in rule and len(item) > rule["max"]:
        return [f"{where}: longer than {rule['max']}"]
    if rule.get("datetime"):
        try:
            moment = dt.datetime.fromisoformat(item)
        except ValueError:
            return [f"{where}: not ISO 8601"]
        if moment.tzinfo is None:
            return [f"{where}: no UTC offset"]
    return []


SAMPLES = Path(jingjinji.ports.__file__).parent / "data" / "edifact"


def stored(event: dict[str, object]) -> dict[str, object]:
    return {**event, "eventCreatedDateTime": "2026-12-02T11:00:00+08:00"}


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.edi")), ids=lambda p: p.name)
def test_every_event_is_a_dcsa_2_2_equipment_event(path: Path) -> None:
    result = parse_interchange(path.read_bytes())
    for event in result.events:
        assert problems(stored(event), "EquipmentEvent") == []


def test_gate_events_have_no_transport_call_and_vessel_events_do() -> None:
    gate = parse_interchange((SAMPLES / "codeco_gatein_cntxg.edi").read_bytes()).events
    vessel = parse_interchange((SAMPLES / "coarri_discharge_cntxg.edi").read_bytes()).events
    assert all("transportCall" not in e for e in gate)
    assert all("transportCall" in e for e in vessel)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"emptyIndicatorCode": "FULL"}, ".emptyIndicatorCode: 'FULL' not in"),
        ({"isoEquipmentCode": "22G1"}, ".isoEquipmentCode: not a EquipmentEvent property"),
        ({"seals": [{"sealNumber": "S1"}]}, ".seals[0].sealType: missing"),
        ({"eventDateTime": "2026-11-30T07:42:00"}, ".eventDateTime: no UTC offset"),
        (
            {"transportCall": {"transportCallID": "x", "modeOfTransport": "SHIP"}},
            ".transportCall.modeOfTransport: 'SHIP' not in",
        ),
        ({"equipmentReference": "JJJU10000100000X"}, ".equipmentReference: longer than 15"),
    ],
)
def test_the_schema_check_finds_wrong_events(change: dict[str, object], expected: str) -> None:
    event = parse_interchange((SAMPLES / "codeco_gatein_cntxg.edi").read_bytes()).events[0]
    found = problems(stored({**event, **change}), "EquipmentEvent")
    assert any(p.startswith(expected) for p in found), found
