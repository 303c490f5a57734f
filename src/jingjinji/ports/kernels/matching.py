"""Which events a DCSA 2.2 event subscription asks for: a pure function of the subscription's
filters and an event's plain values.

DCSA 2.2 (``subscriptionBody``): every filter given must hold (AND across fields); a filter
given as a list holds when the event has any of its values (OR within the field). A filter that
is absent, or an empty list, does not narrow. A filter of another event type's field (an
``equipmentEventTypeCode`` list) holds for no event without that field, as in ``GET
/v2/events``: DCSA warns that contradicting filters match nothing.

``transportDocumentTypeCode`` (BOL or SWB) is kept with the subscription but does not narrow:
DCSA 2.2 events do not say which kind of transport document they belong to, so no event could
be tested against it (docs/ports.md, "Subscriptions").
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The list filters: (filter name, the EventFacts attribute it tests).
LIST_FILTERS: tuple[tuple[str, str], ...] = (
    ("eventType", "event_type"),
    ("shipmentEventTypeCode", "shipment_event_type_code"),
    ("transportEventTypeCode", "transport_event_type_code"),
    ("equipmentEventTypeCode", "equipment_event_type_code"),
)
#: The single-value filters tested against one value of the event.
VALUE_FILTERS: tuple[tuple[str, str], ...] = (
    ("transportCallID", "transport_call_id"),
    ("vesselIMONumber", "vessel_imo_number"),
    ("carrierServiceCode", "carrier_service_code"),
    ("equipmentReference", "equipment_reference"),
)
#: The single-value filters tested against a set of the event's values.
SET_FILTERS: tuple[tuple[str, str], ...] = (
    ("carrierBookingReference", "booking_references"),
    ("transportDocumentReference", "transport_document_references"),
    # The voyage: a transport call names its export voyage (2.2) or carrierVoyageNumber
    # (deprecated), and a subscriber may know either.
    ("carrierVoyageNumber", "voyage_numbers"),
)


@dataclass(frozen=True)
class EventFacts:
    """The values of one event that subscriptions filter on."""

    event_type: str
    shipment_event_type_code: str | None = None
    transport_event_type_code: str | None = None
    equipment_event_type_code: str | None = None
    transport_call_id: str | None = None
    vessel_imo_number: str | None = None
    carrier_service_code: str | None = None
    equipment_reference: str | None = None
    booking_references: frozenset[str] = field(default_factory=frozenset)
    transport_document_references: frozenset[str] = field(default_factory=frozenset)
    voyage_numbers: frozenset[str] = field(default_factory=frozenset)


def matches(filters: dict[str, object], event: EventFacts) -> bool:
    """Whether an event with ``event``'s values is one the subscription with ``filters`` (its
    stored DCSA filter fields: lists of codes or single strings) asks for."""
    for name, attribute in LIST_FILTERS:
        wanted = filters.get(name)
        listed = isinstance(wanted, list | tuple | set | frozenset) and bool(wanted)
        if listed and getattr(event, attribute) not in wanted:  # type: ignore[operator]
            return False
    for name, attribute in VALUE_FILTERS:
        value = filters.get(name)
        if value is not None and getattr(event, attribute) != value:
            return False
    for name, attribute in SET_FILTERS:
        value = filters.get(name)
        if value is not None and value not in getattr(event, attribute):
            return False
    return True
