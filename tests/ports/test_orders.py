"""Transport orders through the API: who records and who sees them, the timeline of legs from
the events of every party, and refused input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from tests.ports.conftest import Ports
from tests.ports.orders_support import (
    BOX,
    SECOND_BOX,
    box_event,
    make_order,
    record,
    sea_feeder_rail,
)


def _refusals(session_factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with session_factory() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action)
        return [e for e in session.scalars(stmt) if e.outcome != "ok"]


def test_steward_records_an_order_its_parties_see(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    hha = ports.organisations["he_hha"]
    body = sea_feeder_rail(party_organisation_ids=[hha])
    made = client.post(
        "/api/v1/ports/orders", json=body, headers=ports.headers(session_factory, "tj_port")
    )
    assert made.status_code == 201, made.text
    order = made.json()
    assert order["owner_organisation_id"] == ports.organisations["tj_port"]
    assert sorted(order["party_organisation_ids"]) == sorted([hha, ports.organisations["tj_port"]])
    assert [leg["mode"] for leg in order["legs"]] == ["vessel", "feeder", "rail"]
    assert [leg["sequence"] for leg in order["legs"]] == [1, 2, 3]

    for key, sees in (("he_hha", True), ("tj_port", True), ("he_cfd", False), ("office", True)):
        headers = ports.headers(session_factory, key)
        listed = client.get("/api/v1/ports/orders", headers=headers).json()["items"]
        assert [o["reference"] for o in listed] == (["JJJ-ORDER-1"] if sees else []), key
        one = client.get(f"/api/v1/ports/orders/{order['id']}", headers=headers)
        assert one.status_code == (200 if sees else 403), key
    assert client.get("/api/v1/ports/orders").json()["items"] == []
    assert len(_refusals(session_factory, "ports.order.read")) == 1


def test_orders_page_by_cursor_newest_first(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    for n in range(5):
        make_order(session_factory, ports.actors["tj_port"], sea_feeder_rail(f"ORDER-{n}"))
    headers = ports.headers(session_factory, "tj_port")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/ports/orders", params=params, headers=headers).json()
        seen += [o["reference"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"ORDER-{n}" for n in (4, 3, 2, 1, 0)]
    by_box = client.get("/api/v1/ports/orders", params={"container": SECOND_BOX}, headers=headers)
    assert by_box.json()["items"] == []


def test_steward_may_not_record_another_organisations_order(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = sea_feeder_rail(owner_organisation_id=ports.organisations["he_cfd"])
    refused = client.post(
        "/api/v1/ports/orders", json=body, headers=ports.headers(session_factory, "tj_port")
    )
    assert refused.status_code == 403
    assert len(_refusals(session_factory, "ports.order.create")) == 1
    office = client.post(
        "/api/v1/ports/orders", json=body, headers=ports.headers(session_factory, "office")
    )
    assert office.status_code == 201
    assert office.json()["owner_organisation_id"] == ports.organisations["he_cfd"]


def test_a_reference_is_one_order(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    assert (
        client.post("/api/v1/ports/orders", json=sea_feeder_rail(), headers=headers).status_code
        == 201
    )
    again = client.post("/api/v1/ports/orders", json=sea_feeder_rail(), headers=headers)
    assert again.status_code == 409
    assert len(_refusals(session_factory, "ports.order.create")) == 1


def test_legs_must_form_one_journey(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    body = sea_feeder_rail()
    body["legs"][1]["origin"] = "CNTSN"  # the sea leg ends at CNTXG
    body["legs"][2]["planned_arrival"] = body["legs"][2]["planned_departure"]
    answer = client.post(
        "/api/v1/ports/orders", json=body, headers=ports.headers(session_factory, "tj_port")
    )
    assert answer.status_code == 422
    locs = [e["loc"] for e in answer.json()["errors"]]
    assert ["body", "legs", 1, "origin"] in locs
    assert ["body", "legs", 2, "planned_arrival"] in locs


def test_timeline_from_every_partys_events(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    order_id = make_order(
        session_factory, ports.actors["tj_port"],
        sea_feeder_rail(containers=[BOX, SECOND_BOX]),
    )  # fmt: skip
    tj, hha, sjz = ports.actors["tj_port"], ports.actors["he_hha"], ports.actors["he_sjz"]
    record(
        session_factory, tj,
        box_event("DISC", "2026-09-03T04:00:00+08:00", "CNTXG"),
        box_event("DISC", "2026-09-03T05:00:00+08:00", "CNTXG", box=SECOND_BOX),
        box_event("LOAD", "2026-09-04T01:00:00+08:00", "CNTXG", call="feeder"),
        box_event("LOAD", "2026-09-04T01:30:00+08:00", "CNTXG", box=SECOND_BOX, call="feeder"),
    )  # fmt: skip
    record(
        session_factory, hha,
        box_event("DISC", "2026-09-04T15:00:00+08:00", "CNHHA", call="feeder-in"),
        box_event("DISC", "2026-09-04T16:00:00+08:00", "CNHHA", box=SECOND_BOX, call="feeder-in"),
        box_event("GTOT", "2026-09-06T02:00:00+08:00", "CNHHA", mode="RAIL"),
    )  # fmt: skip
    record(
        session_factory, sjz,
        box_event("GTIN", "2026-09-07T03:00:00+08:00", "CNSJW", mode="RAIL", classifier="EST"),
    )  # fmt: skip
    headers = ports.headers(session_factory, "tj_port")
    t = client.get(f"/api/v1/ports/orders/{order_id}/timeline", headers=headers).json()
    assert [leg["status"] for leg in t["legs"]] == ["arrived", "arrived", "underway"]
    assert t["legs"][0]["arrived_at"] == "2026-09-02T21:00:00Z"  # the second box, 05:00 CST
    assert t["legs"][0]["delay_hours"] == 5.0
    assert t["legs"][1]["delay_hours"] == 4.0
    assert t["legs"][2]["estimated_arrival"] == "2026-09-06T19:00:00Z"
    assert (t["eta"], t["eta_source"]) == ("2026-09-06T19:00:00Z", "estimate")
    positions = {p["equipment_reference"]: p for p in t["positions"]}
    assert positions[BOX]["un_location_code"] == "CNHHA"
    assert positions[BOX]["event_type_code"] == "GTOT" and positions[BOX]["leg_sequence"] == 3
    assert positions[SECOND_BOX]["event_type_code"] == "DISC"
    assert t["events"] == 8
    outsider = ports.headers(session_factory, "he_cfd")
    assert (
        client.get(f"/api/v1/ports/orders/{order_id}/timeline", headers=outsider).status_code == 403
    )


def test_unknown_order_is_404(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "office")
    assert client.get("/api/v1/ports/orders/999", headers=headers).status_code == 404
