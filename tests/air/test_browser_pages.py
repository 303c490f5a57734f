"""The air pages in a real browser: the station map, the series charts and the calendar
heat-map draw from the API without script errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jingjinji.air.importer import import_beijing_multisite
from jingjinji.security import SYSTEM_ACTOR
from tests.browser_support import LiveServer, page_errors
from tests.conftest import People

pytestmark = pytest.mark.browser


@pytest.fixture
def imported(live_server: LiveServer, air: People, slice_dir: Path) -> None:
    with live_server.session_factory() as session:
        import_beijing_multisite(session, slice_dir, actor=SYSTEM_ACTOR)
        session.commit()


def test_overview_map_and_ranking(page: Any, live_server: LiveServer, imported: None) -> None:
    errors = page_errors(page)
    page.goto(f"{live_server.url}/air")
    page.wait_for_selector("[data-testid=station-map][data-map-ready=true] svg path")
    assert page.locator("[data-testid=ranking] tbody tr").count() >= 1
    assert errors == []


def test_city_series_and_calendar(page: Any, live_server: LiveServer, imported: None) -> None:
    errors = page_errors(page)
    page.goto(f"{live_server.url}/air/cities/110000?start=2013-03-01&end=2013-03-10&year=2013")
    page.wait_for_selector("[data-testid=pollutant-charts] canvas")
    page.wait_for_selector("[data-testid=aqi-calendar] canvas")
    assert errors == []
