"""An order page in a real browser: the legs table, the current position, and the route drawn
on the region map (legs and the position), without script errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.demo import DEMO_PASSWORD
from tests.browser_support import LiveServer, browser_login, page_errors
from tests.ports.conftest import Ports
from tests.ports.orders_support import box_event, make_order, record, sea_feeder_rail

pytestmark = pytest.mark.browser


def test_order_page_shows_legs_and_position(
    page: Any, live_server: LiveServer, session_factory: sessionmaker[Session], ports: Ports
) -> None:
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
    errors = page_errors(page)
    browser_login(page, live_server, "tj-port", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ports/orders/{order_id}")
    page.wait_for_selector("[data-testid=route-map][data-map-ready=true] svg path")
    rows = page.locator("[data-testid=legs-table] tbody tr")
    assert rows.count() == 3
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(3)]
    assert statuses == ["arrived", "arrived", "planned"]
    assert "CNHHA" in page.locator("[data-testid=positions]").inner_text()
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('route-map'))"
        ".getOption().series.map(s => [s.type, s.data.length])"
    )
    # The feeder and rail legs lie in the region (the sea leg starts at Busan: not drawn),
    # and the one container's position.
    assert drawn == [["lines", 1], ["lines", 1], ["effectScatter", 1]]
    assert errors == []
