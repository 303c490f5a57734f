"""The platform's own models around the DCSA events: reference data input, intake results and
the query of ``GET /v2/events``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingjinji.db import DbId
from jingjinji.inputs import Cursor
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
