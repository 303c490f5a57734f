"""The DCSA Track & Trace 2.2 event JSON as Pydantic v2 models (DCSA's own field names).

Written from the official OpenAPI ``TNT_v2.2.0`` and its event domain (Apache-2.0) and the
code lists of docs/ports.md. Every object refuses fields DCSA does not define
(``extra="forbid"``), so a typo in a terminal's payload is named instead of silently dropped;
strings are never made from numbers; date-times are ISO 8601 text with a UTC offset (a bare
number is refused, as is a time without an offset). Deprecated 2.2 fields (``eventTypeCode``,
``transportCallID`` beside the transport call, ``carrierVoyageNumber``, ``shipmentID``) are
accepted because 2.2 clients still send them.

The three event types form one union discriminated by ``eventType``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

EVENT_TYPES = ("SHIPMENT", "TRANSPORT", "EQUIPMENT")
CLASSIFIERS = ("ACT", "PLN", "EST", "REQ")
EQUIPMENT_EVENT_TYPES = (
    "LOAD", "DISC", "GTIN", "GTOT", "STUF", "STRP", "PICK", "DROP", "INSP", "RSEA", "RMVD",
)  # fmt: skip
TRANSPORT_EVENT_TYPES = ("ARRI", "DEPA")
SHIPMENT_EVENT_TYPES = (
    "RECE", "DRFT", "PENA", "PENU", "PENC", "CONF", "REJE", "APPR", "ISSU", "SURR", "SUBM",
    "VOID", "REQS", "CMPL", "HOLD", "RELS", "CANC",
)  # fmt: skip
DOCUMENT_TYPES = ("CBR", "BKG", "SHI", "SRM", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG")
EMPTY_INDICATORS = ("EMPTY", "LADEN")

EventType = Literal["SHIPMENT", "TRANSPORT", "EQUIPMENT"]
EquipmentEventTypeCode = Literal[
    "LOAD", "DISC", "GTIN", "GTOT", "STUF", "STRP", "PICK", "DROP", "INSP", "RSEA", "RMVD"
]
TransportEventTypeCode = Literal["ARRI", "DEPA"]
ShipmentEventTypeCode = Literal[
    "RECE", "DRFT", "PENA", "PENU", "PENC", "CONF", "REJE", "APPR", "ISSU", "SURR", "SUBM",
    "VOID", "REQS", "CMPL", "HOLD", "RELS", "CANC",
]  # fmt: skip
DocumentTypeCode = Literal[
    "CBR", "BKG", "SHI", "SRM", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG"
]  # fmt: skip
EmptyIndicatorCode = Literal["EMPTY", "LADEN"]
ModeOfTransport = Literal["VESSEL", "RAIL", "TRUCK", "BARGE"]
FacilityTypeCode = Literal["BOCR", "CLOC", "COFS", "COYA", "OFFD", "DEPO", "INTE", "POTE", "RAMP"]


def _text_only(value: Any) -> Any:
    """A date-time must be ISO 8601 text: Pydantic would read a bare number as Unix seconds."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string with a UTC offset")
    return value


DateTime = Annotated[AwareDatetime, BeforeValidator(_text_only)]


# Text of at most N characters (DCSA's maxLength).
T2 = Annotated[str, StringConstraints(max_length=2)]
T3 = Annotated[str, StringConstraints(max_length=3)]
T4 = Annotated[str, StringConstraints(max_length=4)]
T5 = Annotated[str, StringConstraints(max_length=5)]
T6 = Annotated[str, StringConstraints(max_length=6)]
T10 = Annotated[str, StringConstraints(max_length=10)]
T11 = Annotated[str, StringConstraints(max_length=11)]
T15 = Annotated[str, StringConstraints(max_length=15)]
T35 = Annotated[str, StringConstraints(max_length=35)]
T50 = Annotated[str, StringConstraints(max_length=50)]
T65 = Annotated[str, StringConstraints(max_length=65)]
T75 = Annotated[str, StringConstraints(max_length=75)]
T100 = Annotated[str, StringConstraints(max_length=100)]
T250 = Annotated[str, StringConstraints(max_length=250)]
# A UN/LOCODE: country code and three letters or digits 2-9.
Locode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")]
ImoNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{7}$")]


class _Dcsa(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, populate_by_name=False)


class Address(_Dcsa):
    name: T100 | None = None
    street: T100 | None = None
    streetNumber: T50 | None = None
    floor: T50 | None = None
    postCode: T10 | None = None
    city: T65 | None = None
    stateRegion: T65 | None = None
    country: T75 | None = None


class Location(_Dcsa):
    locationName: T100 | None = None
    latitude: T10 | None = None
    longitude: T11 | None = None
    UNLocationCode: Locode | None = None
    facilityCode: T6 | None = None
    facilityCodeListProvider: Literal["SMDG", "BIC"] | None = None
    address: Address | None = None


class Vessel(_Dcsa):
    vesselIMONumber: ImoNumber
    vesselName: T35 | None = None
    vesselFlag: T2 | None = None
    vesselCallSignNumber: T10 | None = None
    vesselOperatorCarrierCode: T10 | None = None
    vesselOperatorCarrierCodeListProvider: Literal["SMDG", "NMFTA"] | None = None


class TransportCall(_Dcsa):
    transportCallID: T100
    carrierServiceCode: T5 | None = None
    carrierVoyageNumber: T50 | None = None  # deprecated in 2.2: exportVoyageNumber
    exportVoyageNumber: T50 | None = None
    importVoyageNumber: T50 | None = None
    # Text in the 2.2 OpenAPI, a number in DCSA's event-domain examples: both are taken as sent.
    transportCallSequenceNumber: StrictInt | T10 | None = None
    UNLocationCode: Locode | None = None
    facilityCode: T6 | None = None
    facilityCodeListProvider: Literal["SMDG", "BIC"] | None = None
    facilityTypeCode: FacilityTypeCode | None = None
    otherFacility: T50 | None = None
    modeOfTransport: ModeOfTransport
    location: Location | None = None
    vessel: Vessel | None = None


class DocumentReference(_Dcsa):
    documentReferenceType: Literal["BKG", "TRD"]
    documentReferenceValue: T100


class Reference(_Dcsa):
    referenceType: Literal["FF", "SI", "PO", "CR", "AAO", "EQ"]
    referenceValue: T100


class Seal(_Dcsa):
    sealNumber: T15
    sealSource: Literal["CAR", "SHI", "PHY", "VET", "CUS"] | None = None
    sealType: Literal["KLP", "BLT", "WIR"]


class _Event(_Dcsa):
    eventID: uuid.UUID | None = None  # metadata: the platform assigns one when absent
    eventCreatedDateTime: DateTime
    eventDateTime: DateTime


class ShipmentEvent(_Event):
    eventType: Literal["SHIPMENT"]
    # Shipment events record what happened to a document: actual only (standards §7).
    eventClassifierCode: Literal["ACT"]
    shipmentEventTypeCode: ShipmentEventTypeCode
    documentID: T100
    documentTypeCode: DocumentTypeCode
    shipmentInformationTypeCode: Literal["BOK", "BKG", "SHI", "VGM", "SRM", "TRD", "ARN"] | None = (
        None  # deprecated in 2.2: documentTypeCode
    )
    reason: T250 | None = None
    eventTypeCode: T4 | None = None  # deprecated in 2.2: shipmentEventTypeCode
    shipmentID: uuid.UUID | None = None  # deprecated in 2.2: documentID
    references: list[Reference] | None = None


class TransportEvent(_Event):
    eventType: Literal["TRANSPORT"]
    eventClassifierCode: Literal["ACT", "PLN", "EST"]
    transportEventTypeCode: TransportEventTypeCode
    delayReasonCode: T3 | None = None
    vesselScheduleChangeRemark: T250 | None = None  # deprecated in 2.2: changeRemark
    changeRemark: T250 | None = None
    transportCallID: T100 | None = None  # deprecated in 2.2: transportCall
    transportCall: TransportCall
    eventTypeCode: TransportEventTypeCode | None = None  # deprecated in 2.2
    documentReferences: list[DocumentReference] | None = None
    references: list[Reference] | None = None


class EquipmentEvent(_Event):
    eventType: Literal["EQUIPMENT"]
    # REQ (requested) is the classifier of DCSA's equipment requests (standards §7).
    eventClassifierCode: Literal["ACT", "PLN", "EST", "REQ"]
    equipmentEventTypeCode: EquipmentEventTypeCode
    equipmentReference: T15 | None = None
    ISOEquipmentCode: T4 | None = None
    emptyIndicatorCode: EmptyIndicatorCode
    eventLocation: Location | None = None
    transportCallID: T100 | None = None  # deprecated in 2.2: transportCall
    # Required by DCSA's event domain (a gate move names its truck or train as the call).
    transportCall: TransportCall
    documentReferences: list[DocumentReference] | None = None
    references: list[Reference] | None = None
    seals: list[Seal] | None = None
    eventTypeCode: T4 | None = None  # deprecated in 2.2: equipmentEventTypeCode


DcsaEvent = Annotated[
    ShipmentEvent | TransportEvent | EquipmentEvent, Field(discriminator="eventType")
]


def event_moment(value: dt.datetime) -> dt.datetime:
    """An event's date-time as stored: UTC (the payload keeps the sender's offset)."""
    return value.astimezone(dt.UTC)
