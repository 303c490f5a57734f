"""The DCSA 2.2 event models against DCSA's own examples: the valid ones parse, the wrong ones
are refused naming the field (pure parsing; storing is tested in test_intake)."""

from __future__ import annotations

from typing import Any

import pytest

from jingjinji.errors import InvalidInput
from jingjinji.ports.service import parse_events
from tests.ports.conftest import examples


def _refused(body: object) -> list[dict[str, Any]]:
    with pytest.raises(InvalidInput) as caught:
        parse_events(body)
    return caught.value.errors


def test_official_examples_parse_and_keep_their_json() -> None:
    valid = examples()["valid"]
    events, payloads = parse_events(valid)
    assert [e.eventType for e in events] == ["SHIPMENT", "TRANSPORT", "EQUIPMENT"]
    assert payloads == examples()["valid"]


def test_official_get_by_id_example_is_refused_naming_its_fields() -> None:
    errors = _refused(examples()["official_invalid"])
    named = {(tuple(e["loc"]), e["type"]) for e in errors}
    assert (("body", "eventSubtype"), "extra_forbidden") in named
    for missing in ("eventClassifierCode", "eventDateTime", "shipmentEventTypeCode"):
        assert (("body", missing), "missing") in named


def _equipment() -> dict[str, Any]:
    event: dict[str, Any] = examples()["valid"][2]
    return event


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        (
            lambda e: e.update(equipmentEventTypeCode="LOAX"),
            ["equipmentEventTypeCode"],
            "literal_error",
        ),
        (lambda e: e.update(emptyIndicatorCode="FULL"), ["emptyIndicatorCode"], "literal_error"),
        (lambda e: e.pop("emptyIndicatorCode"), ["emptyIndicatorCode"], "missing"),
        (lambda e: e.pop("transportCall"), ["transportCall"], "missing"),
        (lambda e: e.update(eventDateTime="2019-13-12T07:41:00+08:30"), ["eventDateTime"], None),
        (lambda e: e.update(eventDateTime="2019-11-12T07:41:00"), ["eventDateTime"], None),
        (lambda e: e.update(eventDateTime=1573515660), ["eventDateTime"], "value_error"),
        (
            lambda e: e.update(eventClassifierCode="ACTUAL"),
            ["eventClassifierCode"],
            "literal_error",
        ),
        (lambda e: e.update(equipmentReference="X" * 16), ["equipmentReference"], None),
        (
            lambda e: e["transportCall"]["vessel"].update(vesselIMONumber=9321483),
            ["transportCall", "vessel", "vesselIMONumber"],
            None,
        ),
        (
            lambda e: e["transportCall"].update(modeOfTransport="PLANE"),
            ["transportCall", "modeOfTransport"],
            "literal_error",
        ),
        (lambda e: e["seals"][0].update(colour="red"), ["seals", 0, "colour"], "extra_forbidden"),
        (
            lambda e: e["eventLocation"].update(UNLocationCode="paris"),
            ["eventLocation", "UNLocationCode"],
            None,
        ),
        (lambda e: e.update(eventType="EQUIP"), ["eventType"], "union_tag_invalid"),
    ],
)
def test_one_wrong_field_is_named(change: Any, loc: list[str | int], kind: str | None) -> None:
    event = _equipment()
    change(event)
    errors = _refused([examples()["valid"][0], event])
    assert [e["loc"] for e in errors] == [["body", 1, *loc]]
    if kind:
        assert errors[0]["type"] == kind


def test_every_bad_item_of_a_batch_is_named_by_position() -> None:
    first, second, third = examples()["valid"]
    second["transportEventTypeCode"] = "LAND"
    third.pop("equipmentEventTypeCode")
    errors = _refused([first, second, third])
    assert [e["loc"] for e in errors] == [
        ["body", 1, "transportEventTypeCode"],
        ["body", 2, "equipmentEventTypeCode"],
    ]


def test_shipment_events_are_actual_only() -> None:
    shipment = examples()["valid"][0]
    shipment["eventClassifierCode"] = "PLN"
    assert [e["loc"] for e in _refused(shipment)] == [["body", "eventClassifierCode"]]


@pytest.mark.parametrize("body", [[], "events", 3, [1]])
def test_a_body_that_is_no_event_is_refused(body: object) -> None:
    assert _refused(body)


def test_a_number_as_sequence_number_is_taken_as_sent() -> None:
    transport = examples()["valid"][1]
    transport["transportCall"]["transportCallSequenceNumber"] = 2
    events, payloads = parse_events(transport)
    assert payloads[0]["transportCall"]["transportCallSequenceNumber"] == 2
    assert len(events) == 1
