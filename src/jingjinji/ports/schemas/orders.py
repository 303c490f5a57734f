"""Transport orders: the order as posted, as listed, and its timeline (legs, positions, ETA)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from jingjinji.db import DbId
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.inputs import Cursor, IsoDateTime
from jingjinji.ports.models import LegMode
from jingjinji.ports.schemas.dcsa import Locode

EquipmentReference = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,15}$")]
OrderReference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,35}$")]
#: The most containers and legs one order holds.
MAX_CONTAINERS = 100
MAX_LEGS = 12


class LegIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: LegMode
    origin: Locode
    destination: Locode
    carrier: str = Field(default="", max_length=100)
    planned_departure: IsoDateTime
    planned_arrival: IsoDateTime


class OrderIn(BaseModel):
    """A transport order: its containers and its legs in travel order (each leg starts where
    the one before ends). ``owner_organisation_id``: the coordination office names the owner;
    a steward's order is its own organisation's."""

    model_config = ConfigDict(extra="forbid")

    reference: OrderReference
    owner_organisation_id: DbId | None = None
    party_organisation_ids: list[DbId] = Field(default_factory=list, max_length=50)
    containers: list[EquipmentReference] = Field(min_length=1, max_length=MAX_CONTAINERS)
    legs: list[LegIn] = Field(min_length=1, max_length=MAX_LEGS)

    @model_validator(mode="after")
    def _legs_chain(self) -> OrderIn:
        errors = []
        for i, leg in enumerate(self.legs):
            if leg.planned_arrival <= leg.planned_departure:
                errors.append(
                    field_error(
                        ["body", "legs", i, "planned_arrival"], msg("not after the departure")
                    )
                )
            if leg.origin == leg.destination:
                errors.append(
                    field_error(["body", "legs", i, "destination"], msg("same as origin"))
                )
            if i and leg.origin != self.legs[i - 1].destination:
                errors.append(
                    field_error(
                        ["body", "legs", i, "origin"],
                        msg(
                            "{origin} is not where leg {leg} ends ({end})",
                            origin=leg.origin,
                            leg=i,
                            end=self.legs[i - 1].destination,
                        ),
                    )
                )
            if i and leg.planned_departure < self.legs[i - 1].planned_arrival:
                errors.append(
                    field_error(
                        ["body", "legs", i, "planned_departure"], msg("before the previous arrival")
                    )
                )
        if len(set(self.containers)) != len(self.containers):
            errors.append(field_error(["body", "containers"], msg("a container is named twice")))
        if errors:
            raise InvalidInput(msg("the order's legs do not form one journey"), errors=errors)
        return self


class OrderFilter(BaseModel):
    """The query of ``GET /ports/orders``."""

    container: EquipmentReference | None = None
    cursor: Cursor | None = None
    limit: int = Field(default=50, ge=1, le=200)


class LegOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sequence: int
    mode: str
    origin_code: str
    destination_code: str
    carrier: str
    planned_departure: dt.datetime
    planned_arrival: dt.datetime


class OrderOut(BaseModel):
    id: int
    reference: str
    owner_organisation_id: int
    party_organisation_ids: list[int]
    containers: list[str]
    legs: list[LegOut]
    created_by: str
    created_at: dt.datetime


class LegProgressOut(LegOut):
    status: str  # planned | underway | arrived
    departed_at: dt.datetime | None
    arrived_at: dt.datetime | None
    estimated_arrival: dt.datetime | None
    delay_hours: float | None


class PositionOut(BaseModel):
    equipment_reference: str
    un_location_code: str | None
    event_type_code: str
    at: dt.datetime
    leg_sequence: int | None


class TimelineOut(BaseModel):
    order: OrderOut
    legs: list[LegProgressOut]
    positions: list[PositionOut]
    eta: dt.datetime | None
    eta_source: str  # actual | estimate | plan | none
    events: int  # how many events the timeline was assembled from
