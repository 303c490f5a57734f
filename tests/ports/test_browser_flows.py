"""/ports/flows in a real browser: the Sankey draws the month's three port pairs with their
TEU, without script errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser_support import LiveServer
from tests.ports.conftest import Ports
from tests.ports.test_indicators import _load

pytestmark = pytest.mark.browser


def test_the_sankey_draws_the_month(
    page: Any, live_server: LiveServer, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/ports/flows?month=2026-09")
    page.wait_for_selector("[data-testid=flows-chart][data-chart-ready=true] canvas")
    links = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('flows-chart'))"
        ".getOption().series[0].links.map(l => l.value)"
    )
    table = page.locator("[data-testid=flows-table] tbody tr")
    assert len(links) == table.count() == 3
    assert all(v > 0 for v in links)

    assert errors == []
