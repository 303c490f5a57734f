"""The public air page on a phone (390 px wide) in a real browser, in English and Chinese: the
ranking, the outlook and the advice table are there, and nothing widens the page beyond the
window (a wide table scrolls inside its box)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.air.hourly_support import load_three_cities
from tests.browser_support import LiveServer
from tests.conftest import People

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _fits(page: Any, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    inner: int = page.evaluate("window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{what} is {width}px wide in a {inner}px window"


def test_public_air_page_fits_a_phone(page: Any, live_server: LiveServer, warn: People) -> None:
    load_three_cities(live_server.session_factory)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/air/public")
    page.wait_for_selector("[data-testid=public-ranking]")
    rows = page.locator("[data-testid=public-ranking] tbody tr[data-city]")
    assert rows.count() == 3
    assert rows.first.get_attribute("data-city") == "120000"
    assert page.locator("[data-testid=advice-table] tbody tr").count() == 6
    assert page.locator("[data-testid=outlook-110000]").is_visible()
    assert "No forecast has been issued" in page.inner_text("[data-testid=outlook-110000]")
    _fits(page, "the public air page (en)")
    # the ranking itself fits the phone: the advice is a row under each city, not a column
    ranking: int = page.eval_on_selector("[data-testid=public-ranking]", "e => e.scrollWidth")
    assert ranking <= PHONE["width"], f"the ranking is {ranking}px wide"

    page.goto(f"{live_server.url}/lang/zh_CN?next=/air/public")
    page.wait_for_selector("[data-testid=public-ranking]")
    assert "实时空气质量" in page.inner_text("h1")
    assert "轻度污染" in page.inner_text("[data-testid=public-ranking]")
    _fits(page, "the public air page (zh-CN)")
