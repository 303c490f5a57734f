"""The water pages in a real browser: the river network chart draws with its class legend, and
a section page shows its class calendar and its series chart, without script errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer, page_errors
from tests.conftest import People
from tests.water.test_pages import build_network

pytestmark = pytest.mark.browser


@pytest.fixture
def network(live_server: LiveServer, people: People) -> list[str]:
    return build_network(live_server.session_factory, people)


def test_network_chart_draws(page: Any, live_server: LiveServer, network: list[str]) -> None:
    errors = page_errors(page)
    page.goto(f"{live_server.url}/water")
    page.wait_for_selector("[data-testid=network-chart][data-map-ready=true] svg path")
    assert page.locator("[data-testid=class-legend]").inner_text().count("Class") == 5
    assert "Inferior V" in page.locator("[data-testid=class-legend]").inner_text()
    assert page.locator("[data-testid=section-table] tbody tr").count() == 3
    # The chart's own legend names the classes too (ECharts keeps it in its option).
    legend = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('network-chart'))"
        ".getOption().legend[0].data"
    )
    assert "Inferior V" in legend and "Not assessed" in legend
    assert errors == []


def test_section_calendar_and_series(
    page: Any, live_server: LiveServer, network: list[str]
) -> None:
    errors = page_errors(page)
    page.goto(f"{live_server.url}/water/sections/{network[1]}")
    calendar = page.locator("[data-testid=class-calendar] > div")
    assert calendar.count() == 12
    assert calendar.nth(0).get_attribute("data-class") == "6"
    assert calendar.nth(11).get_attribute("data-class") == "0"
    assert calendar.nth(0).is_visible()
    page.wait_for_selector("[data-testid=series-chart] canvas")
    # Choosing another item reloads the page with that item charted.
    with page.expect_navigation():
        page.select_option("[data-testid=series-item]", "cod")
    assert "item=cod" in page.url
    page.wait_for_selector("[data-testid=series-chart] canvas")
    assert errors == []
