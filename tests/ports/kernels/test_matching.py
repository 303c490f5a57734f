"""The subscription matching kernel: DCSA 2.2's rule (AND across fields, OR within a list, an
absent or empty filter does not narrow), case by case."""

from __future__ import annotations

import pytest

from jingjinji.ports.kernels.matching import EventFacts, matches

DISC = EventFacts(
    event_type="EQUIPMENT",
    equipment_event_type_code="DISC",
    transport_call_id="call-CNTXG",
    vessel_imo_number="9321483",
    carrier_service_code="BHF1",
    equipment_reference="CSQU3054383",
    booking_references=frozenset({"BKG-1", "BKG-2"}),
    voyage_numbers=frozenset({"2609E", "2609W"}),
)
ARRI = EventFacts(
    event_type="TRANSPORT",
    transport_event_type_code="ARRI",
    transport_call_id="call-CNCFD",
    vessel_imo_number="9321483",
)
ISSU = EventFacts(
    event_type="SHIPMENT",
    shipment_event_type_code="ISSU",
    transport_document_references=frozenset({"TD-9"}),
)


@pytest.mark.parametrize(
    ("filters", "event", "expected"),
    [
        ({}, DISC, True),  # no filter: every event
        ({"eventType": []}, DISC, True),  # an empty list does not narrow
        ({"eventType": ["EQUIPMENT"]}, DISC, True),
        ({"eventType": ["SHIPMENT", "TRANSPORT"]}, DISC, False),
        ({"eventType": ["SHIPMENT", "EQUIPMENT"]}, DISC, True),  # OR within the list
        ({"equipmentEventTypeCode": ["LOAD", "DISC"]}, DISC, True),
        ({"equipmentEventTypeCode": ["LOAD"]}, DISC, False),
        # Another type's code filter: an event without that field never matches it.
        ({"equipmentEventTypeCode": ["DISC"]}, ARRI, False),
        ({"transportEventTypeCode": ["ARRI"]}, ARRI, True),
        ({"transportEventTypeCode": ["DEPA"]}, ARRI, False),
        ({"shipmentEventTypeCode": ["ISSU", "SURR"]}, ISSU, True),
        ({"shipmentEventTypeCode": ["DRFT"]}, ISSU, False),
        ({"equipmentReference": "CSQU3054383"}, DISC, True),
        ({"equipmentReference": "APZU4812090"}, DISC, False),
        ({"transportCallID": "call-CNTXG"}, DISC, True),
        ({"transportCallID": "call-CNTXG"}, ARRI, False),
        ({"vesselIMONumber": "9321483"}, ARRI, True),
        ({"vesselIMONumber": "9811000"}, ARRI, False),
        ({"carrierServiceCode": "BHF1"}, DISC, True),
        ({"carrierServiceCode": "BHF2"}, DISC, False),
        ({"carrierBookingReference": "BKG-2"}, DISC, True),  # any of the event's bookings
        ({"carrierBookingReference": "BKG-3"}, DISC, False),
        ({"carrierBookingReference": "BKG-1"}, ARRI, False),  # no booking on the event
        ({"transportDocumentReference": "TD-9"}, ISSU, True),
        ({"transportDocumentReference": "TD-8"}, ISSU, False),
        ({"carrierVoyageNumber": "2609W"}, DISC, True),  # export or carrier voyage number
        ({"carrierVoyageNumber": "2610E"}, DISC, False),
        # AND across fields: every one must hold.
        ({"eventType": ["EQUIPMENT"], "equipmentEventTypeCode": ["DISC"]}, DISC, True),
        ({"eventType": ["EQUIPMENT"], "equipmentEventTypeCode": ["LOAD"]}, DISC, False),
        (
            {
                "equipmentEventTypeCode": ["DISC"],
                "vesselIMONumber": "9321483",
                "carrierBookingReference": "BKG-1",
            },
            DISC,
            True,
        ),
        (
            {
                "equipmentEventTypeCode": ["DISC"],
                "vesselIMONumber": "9321483",
                "carrierBookingReference": "BKG-9",
            },
            DISC,
            False,
        ),
        # Kept but not evaluated: events do not say BOL or SWB.
        ({"transportDocumentTypeCode": ["SWB"]}, ISSU, True),
    ],
)
def test_matches(filters: dict[str, object], event: EventFacts, expected: bool) -> None:
    assert matches(filters, event) is expected
