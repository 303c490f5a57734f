"""The platform's own models around the DCSA events: reference data input, intake results and
the query of ``GET /v2/events``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingjinji.db import DbId
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import MessageText, msg
from jingjinji.inputs import Cursor
from jingjinji.ports.schemas import dcsa
from jingjinji.ports.schemas.dcsa import Locode


class LocationIn(BaseModel):
    """A port, terminal, dry port or land port (``ports_locations``)."""

    model_config = ConfigDict(extra="forbid")

    un_location_code: Locode
    facility_code: Annotated[str, StringConstraints(max_length=6)] = ""
    name_en: str = Field(min_length=1, max_length=100)
    name_zh: str = Field(min_length=1, max_length=100)
    kind: Literal["seaport", "terminal", "dry_port", "land_port"]
    jurisdiction_code: str = Field(min_length=6, max_length=6)
    longitude: float = Field(ge=-180, le=180)
    latitude: float = Field(ge=-90, le=90)
    organisation_id: DbId | None = None
    code_assumed: bool = False
    # Why the code is assumed (``models.CodeAssumption``); empty when it is not.
    code_assumed_reason: Literal["", "unverified", "no_locode", "facility"] = ""


class CarrierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=10)
    code_list_provider: Literal["SMDG", "NMFTA"]
    name: str = Field(default="", max_length=100)
    organisation_id: DbId | None = None


class IntakeItem(BaseModel):
    """One event of an intake, by its position in the posted array."""

    position: int
    eventID: uuid.UUID
    status: Literal["recorded", "duplicate"]
    warnings: list[str]


class IntakeOut(BaseModel):
    """What ``POST /ports/events`` did: every item, recorded or already there (same eventID,
    same JSON)."""

    recorded: int
    duplicates: int
    items: list[IntakeItem]


class EdifactProblem(BaseModel):
    """A message problem or warning of an interchange, where the terminal's EDI staff find it:
    the message's reference and number (None: the envelope), the segment's number and tag, the
    element (``2:1``: second element, first component) and the reason."""

    message_ref: str | None
    message_index: int | None
    segment_index: int | None
    segment_tag: str | None
    element: str | None
    reason: MessageText


Operator = Literal["gte", "gt", "lte", "lt", "eq"]


class EventQuery(BaseModel):
    """The filters of ``GET /v2/events`` as plain values (every one given must match; a list is
    OR-ed). Built by the router from DCSA's query parameters."""

    event_types: list[str] = []
    shipment_event_type_codes: list[str] = []
    document_type_codes: list[str] = []
    carrier_booking_reference: str | None = None
    transport_document_reference: str | None = None
    transport_event_type_codes: list[str] = []
    transport_call_id: str | None = None
    vessel_imo_number: str | None = None
    export_voyage_number: str | None = None
    carrier_service_code: str | None = None
    un_location_code: str | None = None
    equipment_event_type_codes: list[str] = []
    equipment_reference: str | None = None
    created: list[tuple[Operator, dt.datetime]] = []
    cursor: Cursor | None = None
    limit: int = 100
    descending: bool = False


def _codes(value: str | None, allowed: tuple[str, ...], name: str) -> list[str]:
    """A DCSA comma-separated list (``GTIN,GTOT``), each value checked against its code list."""
    if value is None or value == "":
        return []
    codes = [part.strip() for part in value.split(",")]
    bad = [c for c in codes if c not in allowed]
    if bad:
        raise ValueError(f"{name}: {', '.join(bad)} not in {', '.join(allowed)}")
    return codes


class DcsaEventFilter(BaseModel):
    """The query parameters of DCSA's ``GET /v2/events`` under their DCSA names (an unknown
    parameter is refused, so that a misspelt filter is not silently ignored)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    eventType: str | None = Field(default=None, max_length=40)
    shipmentEventTypeCode: str | None = Field(default=None, max_length=200)
    documentTypeCode: str | None = Field(default=None, max_length=100)
    carrierBookingReference: str | None = Field(default=None, max_length=35)
    bookingReference: str | None = Field(default=None, max_length=35)  # deprecated alias
    transportDocumentReference: str | None = Field(default=None, max_length=20)
    transportEventTypeCode: str | None = Field(default=None, max_length=20)
    transportCallID: str | None = Field(default=None, max_length=100)
    vesselIMONumber: str | None = Field(default=None, max_length=7)
    carrierVoyageNumber: str | None = Field(default=None, max_length=50)  # deprecated alias
    exportVoyageNumber: str | None = Field(default=None, max_length=50)
    carrierServiceCode: str | None = Field(default=None, max_length=5)
    UNLocationCode: str | None = Field(default=None, max_length=5)
    equipmentEventTypeCode: str | None = Field(default=None, max_length=100)
    equipmentReference: str | None = Field(default=None, max_length=15)
    created_eq: str | None = Field(default=None, alias="eventCreatedDateTime", max_length=40)
    created_eq2: str | None = Field(default=None, alias="eventCreatedDateTime:eq", max_length=40)
    created_gte: str | None = Field(default=None, alias="eventCreatedDateTime:gte", max_length=40)
    created_gt: str | None = Field(default=None, alias="eventCreatedDateTime:gt", max_length=40)
    created_lte: str | None = Field(default=None, alias="eventCreatedDateTime:lte", max_length=40)
    created_lt: str | None = Field(default=None, alias="eventCreatedDateTime:lt", max_length=40)
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: Cursor | None = None
    sort: Literal[
        "eventCreatedDateTime", "eventCreatedDateTime:ASC", "eventCreatedDateTime:DESC"
    ] = "eventCreatedDateTime:ASC"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> DcsaEventFilter:
        """The filter of a request's query parameters, as FastAPI would read them into this
        model (a repeated parameter counts by its last value); ``pydantic.ValidationError``
        names each bad or unknown one. The DCSA route reads its query with this rather than
        FastAPI's query model: FastAPI inspects each of the 25 fields' annotation on every
        request, 0.16 ms of a 2 ms request (docs/ports.md, "The request's own cost")."""
        return cls.model_validate(dict(params))

    @classmethod
    def openapi_parameters(cls) -> list[dict[str, Any]]:
        """The query parameters as FastAPI documents a query model's fields (for the route's
        ``openapi_extra``, since the route does not declare the model)."""
        schema = cls.model_json_schema(by_alias=True)
        required = set(schema.get("required", ()))
        return [
            {"name": name, "in": "query", "required": name in required, "schema": field}
            for name, field in schema["properties"].items()
        ]

    def created(self) -> list[tuple[Operator, str, str]]:
        """(operator, parameter name, value) of each eventCreatedDateTime filter given."""
        pairs: list[tuple[Operator, str, str | None]] = [
            ("eq", "eventCreatedDateTime", self.created_eq),
            ("eq", "eventCreatedDateTime:eq", self.created_eq2),
            ("gte", "eventCreatedDateTime:gte", self.created_gte),
            ("gt", "eventCreatedDateTime:gt", self.created_gt),
            ("lte", "eventCreatedDateTime:lte", self.created_lte),
            ("lt", "eventCreatedDateTime:lt", self.created_lt),
        ]
        return [(op, name, value) for op, name, value in pairs if value is not None]

    def query(self) -> EventQuery:
        """The filters as plain values; ``InvalidInput`` names each bad parameter."""
        errors: list[dict[str, object]] = []
        lists: dict[str, list[str]] = {}
        for name, allowed in (
            ("eventType", dcsa.EVENT_TYPES),
            ("shipmentEventTypeCode", dcsa.SHIPMENT_EVENT_TYPES),
            ("documentTypeCode", dcsa.DOCUMENT_TYPES),
            ("transportEventTypeCode", dcsa.TRANSPORT_EVENT_TYPES),
            ("equipmentEventTypeCode", dcsa.EQUIPMENT_EVENT_TYPES),
        ):
            try:
                lists[name] = _codes(getattr(self, name), allowed, name)
            except ValueError as exc:
                errors.append(field_error(["query", name], str(exc)))
        created: list[tuple[Operator, dt.datetime]] = []
        for operator, name, text in self.created():
            moment = _moment(text)
            if moment is None:
                errors.append(
                    field_error(["query", name], msg("not an ISO 8601 date-time with a UTC offset"))
                )
            else:
                created.append((operator, moment))
        if errors:
            raise InvalidInput(msg("the query has bad filters"), errors=errors)
        return EventQuery(
            event_types=lists["eventType"],
            shipment_event_type_codes=lists["shipmentEventTypeCode"],
            document_type_codes=lists["documentTypeCode"],
            carrier_booking_reference=self.carrierBookingReference or self.bookingReference,
            transport_document_reference=self.transportDocumentReference,
            transport_event_type_codes=lists["transportEventTypeCode"],
            transport_call_id=self.transportCallID,
            vessel_imo_number=self.vesselIMONumber,
            export_voyage_number=self.exportVoyageNumber or self.carrierVoyageNumber,
            carrier_service_code=self.carrierServiceCode,
            un_location_code=self.UNLocationCode,
            equipment_event_type_codes=lists["equipmentEventTypeCode"],
            equipment_reference=self.equipmentReference,
            created=created,
            cursor=self.cursor,
            limit=self.limit,
            descending=self.sort.endswith(":DESC"),
        )


def _moment(text: str) -> dt.datetime | None:
    # An unencoded "+01:00" in a query string arrives as " 01:00" (DCSA's own example is
    # written unencoded), so a space where the offset's sign belongs is read as "+".
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
