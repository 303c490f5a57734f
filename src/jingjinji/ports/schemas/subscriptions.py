"""DCSA Track & Trace 2.2 event subscriptions (``/v2/event-subscriptions``) under DCSA's own
field names, written from the official OpenAPI ``TNT_v2.2.0`` (``subscriptionBody``,
``subscriptionBodyWithSecret``, ``subscription``) and its event domain's subscription bodies.

Every filter is optional; the code filters are JSON lists (event domain 1.0.1 made them lists),
OR-ed within the field, AND-ed across fields (``kernels.matching``). ``secret`` (Base64, 32-64
bytes decoded) is only in ``POST``'s body and ``PUT .../secret``'s; the API never returns it.
A field DCSA does not define is refused, so a misspelt filter never widens a subscription.
``bookingReference`` is 2.2's deprecated name of ``carrierBookingReference`` and is read as it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jingjinji.inputs import Cursor
from jingjinji.ports.schemas.dcsa import (
    EquipmentEventTypeCode,
    EventType,
    ImoNumber,
    ShipmentEventTypeCode,
    TransportEventTypeCode,
)

#: The filter fields a subscription stores (``Subscription.filters``), by their DCSA names.
FILTER_FIELDS = (
    "eventType",
    "shipmentEventTypeCode",
    "carrierBookingReference",
    "transportDocumentReference",
    "transportDocumentTypeCode",
    "transportEventTypeCode",
    "transportCallID",
    "vesselIMONumber",
    "carrierVoyageNumber",
    "carrierServiceCode",
    "equipmentEventTypeCode",
    "equipmentReference",
)

CallbackUrl = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SubscriptionBody(BaseModel):
    """DCSA's ``subscriptionBody``: the callback and the filters."""

    model_config = ConfigDict(extra="forbid")

    callbackUrl: CallbackUrl
    eventType: list[EventType] | None = Field(default=None, max_length=3)
    shipmentEventTypeCode: list[ShipmentEventTypeCode] | None = Field(default=None, max_length=20)
    carrierBookingReference: str | None = Field(default=None, max_length=35)
    bookingReference: str | None = Field(default=None, max_length=35)  # deprecated alias
    transportDocumentReference: str | None = Field(default=None, max_length=20)
    transportDocumentTypeCode: list[Literal["BOL", "SWB"]] | None = Field(
        default=None, max_length=2
    )
    transportEventTypeCode: list[TransportEventTypeCode] | None = Field(default=None, max_length=2)
    transportCallID: str | None = Field(default=None, max_length=100)
    vesselIMONumber: ImoNumber | None = None
    carrierVoyageNumber: str | None = Field(default=None, max_length=50)
    carrierServiceCode: str | None = Field(default=None, max_length=5)
    equipmentEventTypeCode: list[EquipmentEventTypeCode] | None = Field(default=None, max_length=11)
    equipmentReference: str | None = Field(default=None, max_length=15)

    def filters(self) -> dict[str, object]:
        """The filters given, under their DCSA names (a list without repeats, in given order)."""
        data = self.model_dump(exclude={"callbackUrl", "bookingReference"}, exclude_none=True)
        if self.carrierBookingReference is None and self.bookingReference is not None:
            data["carrierBookingReference"] = self.bookingReference
        return {
            name: list(dict.fromkeys(value)) if isinstance(value, list) else value
            for name, value in data.items()
            if name in FILTER_FIELDS
        }


class SubscriptionIn(SubscriptionBody):
    """DCSA's ``subscriptionBodyWithSecret`` (``POST``)."""

    secret: Secret


class SubscriptionUpdate(SubscriptionBody):
    """DCSA's ``subscription`` (``PUT``): the whole subscription again; its ``subscriptionID``
    may be repeated but must be the one in the path. A secret is refused here (DCSA: "only
    valid in POST calls"): it is changed through ``PUT .../secret``."""

    subscriptionID: uuid.UUID | None = None


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: Secret


class SubscriptionOut(BaseModel):
    """DCSA's ``subscription``: the id, the callback and the filters; never the secret."""

    subscriptionID: uuid.UUID
    callbackUrl: str
    eventType: list[EventType] | None = None
    shipmentEventTypeCode: list[ShipmentEventTypeCode] | None = None
    carrierBookingReference: str | None = None
    transportDocumentReference: str | None = None
    transportDocumentTypeCode: list[Literal["BOL", "SWB"]] | None = None
    transportEventTypeCode: list[TransportEventTypeCode] | None = None
    transportCallID: str | None = None
    vesselIMONumber: str | None = None
    carrierVoyageNumber: str | None = None
    carrierServiceCode: str | None = None
    equipmentEventTypeCode: list[EquipmentEventTypeCode] | None = None
    equipmentReference: str | None = None


class SubscriptionPageQuery(BaseModel):
    """The query of ``GET /v2/event-subscriptions`` (DCSA: ``limit``, ``cursor``, ``sort``)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=1000)
    cursor: Cursor | None = None
    sort: Literal["createdDateTime", "createdDateTime:ASC", "createdDateTime:DESC"] = (
        "createdDateTime:ASC"
    )
