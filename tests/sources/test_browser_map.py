"""The sources pages in a real browser: the map draws its outlets with the state legend, and an
outlet page draws each factor's chart with its hourly and daily limit lines, without script
errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser_support import LiveServer, browser_login, page_errors
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.pages_support import store_outlet_data

pytestmark = pytest.mark.browser


def test_map_and_outlet_charts(
    page: Any,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    registry: Registry,
    people: People,
) -> None:
    store_outlet_data(session_factory, registry)
    errors = page_errors(page)
    page.goto(f"{live_server.url}/sources")
    page.wait_for_selector("[data-testid=sources-map][data-map-ready=true] svg path")
    legend = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('sources-map'))"
        ".getOption().legend[0].data"
    )
    assert legend == ["正常", "超标", "离线"] or legend == ["Normal", "Exceedance", "Offline"]
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('sources-map'))"
        ".getOption().series.map(s => s.data.length)"
    )
    assert drawn == [1, 1, 2]
    assert page.locator("[data-testid=outlet-table] tbody tr").count() == 4

    browser_login(page, live_server, "office", people.password)
    page.goto(f"{live_server.url}/sources/outlets/{registry.outlets['HE-A/DW001']}")
    page.wait_for_selector("#realtime-w01018 canvas")
    limits = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('realtime-w01018'))"
        ".getOption().series[0].markLine.data.map(l => l.yAxis)"
    )
    assert limits == [50.0, 40.0]
    page.wait_for_selector("#hourly-w01018 canvas")
    assert page.locator("[data-testid=hourly-chart]").count() == 1
    assert errors == []
