"""Who reads which events (ports/policy.py's rules) and the DCSA filters, through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service as catalog
from jingjinji.errors import NotFound
from jingjinji.ports import flows, policy, service
from jingjinji.ports.schemas.api import EventQuery
from jingjinji.security import SYSTEM_ACTOR, Actor
from tests.ports.conftest import Ports, equipment_event, examples

BOX_X = "CSQU3054383"  # Tianjin -> Caofeidian (transhipped)
BOX_Y = "APZU4812090"  # stays at Tianjin
BOX_Z = "CCLU4214635"  # Huanghua only


def _id(n: int) -> str:
    return f"7e57a000-0000-4000-8000-{n:012d}"


def _record(factory: sessionmaker[Session], actor: Actor, body: Any) -> None:
    with factory() as session:
        events, payloads = service.parse_events(body)
        service.record_events(session, actor=actor, events=events, payloads=payloads)
        session.commit()


@pytest.fixture
def traffic(session_factory: sessionmaker[Session], ports: Ports) -> Ports:
    _record(
        session_factory,
        ports.actors["tj_port"],
        [
            equipment_event(_id(1), BOX_X, "CNTXG", booking="BHF0000001",
                            created="2026-09-01T10:00:00+08:00"),
            equipment_event(_id(2), BOX_Y, "CNTXG", created="2026-09-01T11:00:00+08:00"),
        ],
    )  # fmt: skip
    _record(
        session_factory,
        ports.actors["he_cfd"],
        equipment_event(_id(3), BOX_X, "CNCFD", created="2026-09-02T10:00:00+08:00"),
    )
    _record(
        session_factory,
        ports.actors["he_hha"],
        equipment_event(_id(4), BOX_Z, "CNHHA", created="2026-09-03T10:00:00+08:00"),
    )
    booking = examples()["valid"][0] | {
        "eventID": _id(5),
        "documentTypeCode": "BKG",
        "documentID": "BHF0000001",
        "shipmentEventTypeCode": "CONF",
    }
    _record(session_factory, ports.actors["carrier"], booking)
    return ports


def _seen(factory: sessionmaker[Session], actor: Actor | None, **filters: Any) -> list[str]:
    with factory() as session:
        page = service.list_events(session, actor=actor, query=EventQuery(**filters))
        return [str(e.event_id)[-1] for e in page.items]


def test_the_office_reads_every_event(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.people["office"]) == ["5", "1", "2", "3", "4"]


def test_a_hebei_port_reads_tianjins_events_of_a_box_bound_to_it(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.actors["he_cfd"]) == ["1", "3"]


def test_tianjin_reads_the_partner_events_of_boxes_that_passed_it(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.actors["tj_port"]) == ["1", "2", "3"]


def test_another_port_reads_only_its_own(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.actors["he_hha"]) == ["4"]


def test_a_carrier_reads_the_events_of_its_bookings(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.actors["carrier"]) == ["5", "1"]


def test_a_province_administrator_reads_the_events_in_its_province(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.people["he-admin"]) == ["3", "4"]
    assert _seen(session_factory, traffic.people["bj-admin"]) == []


def test_others_read_nothing_without_a_grant(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    assert _seen(session_factory, traffic.people["tj-analyst"]) == []
    assert _seen(session_factory, None) == []


def test_a_catalog_grant_opens_the_events_at_its_ports(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    analyst = traffic.people["tj-analyst"]
    with session_factory() as session:
        code = flows.register_events_dataset(
            session, actor=SYSTEM_ACTOR, owner_organisation_id=traffic.organisations["tj_port"]
        )
        grant = catalog.grant_scoped(
            session,
            actor=traffic.people["office"],
            dataset_code=code,
            organisation_id=analyst.organisation_id or 0,
            row_scope={policy.LOCATION_FIELD: ["CNHHA"]},
            reason="port statistics of Huanghua",
        )
        session.commit()
    assert _seen(session_factory, analyst) == ["4"]
    with session_factory() as session:
        catalog.revoke_grant(
            session, actor=traffic.people["office"], grant_id=grant.id, reason="study done"
        )
        session.commit()
    assert _seen(session_factory, analyst) == []


def test_an_event_one_may_not_read_is_not_found(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    import uuid

    with session_factory() as session, pytest.raises(NotFound):
        service.get_event(session, actor=traffic.actors["he_hha"], event_id=uuid.UUID(_id(1)))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"event_types": ["SHIPMENT"]}, ["5"]),
        ({"event_types": ["SHIPMENT", "EQUIPMENT"]}, ["5", "1", "2", "3", "4"]),
        ({"equipment_reference": BOX_X}, ["1", "3"]),
        ({"un_location_code": "CNTXG"}, ["1", "2"]),
        ({"carrier_booking_reference": "BHF0000001"}, ["5", "1"]),
        ({"document_type_codes": ["BKG"]}, ["5"]),
        ({"shipment_event_type_codes": ["CONF", "ISSU"]}, ["5"]),
        ({"equipment_event_type_codes": ["LOAD"]}, []),
        ({"transport_call_id": "call-CNCFD"}, ["3"]),
        ({"vessel_imo_number": "9321483", "un_location_code": "CNHHA"}, ["4"]),
        (
            {"created": [("gte", dt.datetime(2026, 9, 2, 2, tzinfo=dt.UTC))]},
            ["3", "4"],
        ),
        (
            {
                "created": [
                    ("gt", dt.datetime(2026, 9, 1, 2, tzinfo=dt.UTC)),
                    ("lt", dt.datetime(2026, 9, 3, 2, tzinfo=dt.UTC)),
                ]
            },
            ["2", "3"],
        ),
        ({"created": [("eq", dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC))]}, ["2"]),
        ({"created": [("lte", dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC))]}, ["5", "1", "2"]),
    ],
)
def test_filters(
    session_factory: sessionmaker[Session],
    traffic: Ports,
    filters: dict[str, Any],
    expected: list[str],
) -> None:
    assert _seen(session_factory, traffic.people["office"], **filters) == expected


def test_pages_follow_the_cursor_in_created_order(
    session_factory: sessionmaker[Session], traffic: Ports
) -> None:
    office = traffic.people["office"]
    seen: list[str] = []
    cursor = None
    with session_factory() as session:
        while True:
            page = service.list_events(
                session, actor=office, query=EventQuery(limit=2, cursor=cursor)
            )
            seen += [str(e.event_id)[-1] for e in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == ["5", "1", "2", "3", "4"]


def test_an_operator_is_read_in_one_statement_as_its_two_questions_answer(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    from jingjinji.ports.service import reference

    with session_factory() as session:
        for key in ("tj_port", "he_cfd", "carrier"):
            org = ports.organisations[key]
            operator = reference.operator_of(session, organisation_id=org)
            assert set(operator.locations) == reference.locations_of(session, organisation_id=org)
            assert operator.is_carrier is reference.is_carrier(session, organisation_id=org)
        assert reference.operator_of(
            session, organisation_id=ports.organisations["carrier"]
        ).is_carrier
        terminal = reference.operator_of(session, organisation_id=ports.organisations["tj_port"])
        assert terminal.locations and not terminal.is_carrier
        assert reference.operator_of(session, organisation_id=None) == reference.Operator(
            frozenset(), False
        )
