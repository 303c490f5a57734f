"""The ports pages: the overview with the region map's data, the orders of the reader's
organisation, an order's legs, position and ETA, a container's events; refusals as error
pages; statements that do not grow with the number of orders."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.ports.conftest import Ports
from tests.ports.orders_support import BOX, box_event, make_order, record, sea_feeder_rail
from tests.statements import count_request


def _with_events(session_factory: sessionmaker[Session], ports: Ports) -> int:
    order_id = make_order(session_factory, ports.actors["tj_port"], sea_feeder_rail())
    record(
        session_factory, ports.actors["tj_port"],
        box_event("DISC", "2026-09-03T04:00:00+08:00", "CNTXG"),
        box_event("LOAD", "2026-09-04T01:00:00+08:00", "CNTXG"),
    )  # fmt: skip
    record(
        session_factory, ports.actors["he_hha"],
        box_event("DISC", "2026-09-04T15:00:00+08:00", "CNHHA"),
    )  # fmt: skip
    return order_id


def test_overview_lists_the_ports_for_the_map(client: TestClient, ports: Ports) -> None:
    page = client.get("/ports", headers={"accept-language": "zh-CN"})
    assert page.status_code == 200
    assert 'id="ports-places"' in page.text and "data-region-map" in page.text
    assert "黄骅港" in page.text and "<code>CNHHA</code>" in page.text
    assert 'href="/help/ports"' in page.text
    assert 'href="/ports"' in page.text  # the header's navigation


def test_order_page_shows_legs_position_and_eta(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    order_id = _with_events(session_factory, ports)
    headers = ports.headers(session_factory, "tj_port")
    listed = client.get("/ports/orders", headers=headers)
    assert f'href="/ports/orders/{order_id}"' in listed.text
    page = client.get(f"/ports/orders/{order_id}", headers={**headers, "accept-language": "en"})
    assert page.status_code == 200
    text = page.text
    assert 'data-leg="1" data-status="arrived"' in text
    assert 'data-leg="2" data-status="arrived"' in text
    assert 'data-leg="3" data-status="planned"' in text
    assert "Discharged, Huanghua <code>CNHHA</code>" in text
    assert "(as planned)" in text  # no estimate of the rail leg: the plan
    assert 'id="ports-route"' in text
    zh = client.get(f"/ports/orders/{order_id}", headers={**headers, "accept-language": "zh-CN"})
    assert "卸船" in zh.text and "海运" in zh.text and "铁路" in zh.text


def test_outsider_gets_an_error_page(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    order_id = _with_events(session_factory, ports)
    page = client.get(
        f"/ports/orders/{order_id}",
        headers={**ports.headers(session_factory, "he_cfd"), "accept": "text/html"},
    )
    assert page.status_code == 403
    assert "text/html" in page.headers["content-type"]
    assert client.get("/ports/orders/999999", headers={"accept": "text/html"}).status_code == 404


def test_container_page_shows_what_the_reader_may_read(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    order_id = _with_events(session_factory, ports)
    mine = client.get(f"/ports/containers/{BOX}", headers=ports.headers(session_factory, "he_hha"))
    # Huanghua reads its own event and, as the transhipment partner, Xingang's of the box.
    assert mine.text.count("<tr>") == 1 + 3
    assert f'href="/ports/orders/{order_id}"' not in mine.text  # not a party of that order
    anonymous = client.get(f"/ports/containers/{BOX}")
    assert 'data-testid="no-events"' in anonymous.text
    assert client.get("/ports/containers/not-a-box").status_code == 422


def test_statements_do_not_grow_with_orders(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    order_id = _with_events(session_factory, ports)
    headers = ports.headers(session_factory, "tj_port")
    urls = ["/ports", "/ports/orders", f"/ports/orders/{order_id}", f"/ports/containers/{BOX}"]
    small = {u: count_request(client, u, headers=headers).count for u in urls}
    for n in range(6):
        make_order(
            session_factory, ports.actors["tj_port"],
            sea_feeder_rail(f"MORE-{n}", containers=[BOX, f"TJPU{n:06d}0"]),
        )  # fmt: skip
    large = {u: count_request(client, u, headers=headers).count for u in urls}
    # The token's last-use stamp is written at most once a minute: compare without growth.
    assert all(large[u] <= small[u] for u in urls), (small, large)
    assert small["/ports/orders"] <= 9 and small[f"/ports/orders/{order_id}"] <= 14, small
