"""The station map in a real browser: every station of the registry on the region's province
boundaries, in both languages, on a desktop and a phone screen (tests/maps_support.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer
from tests.conftest import People
from tests.maps_support import check_region_map

pytestmark = pytest.mark.browser


def test_station_map_draws_the_provinces(
    browser: Any, live_server: LiveServer, air: People
) -> None:
    seen = check_region_map(browser, live_server, "/air", "station-map")
    # The registry's stations, none with data yet: one "no data" series, every station on it.
    assert {check.facts["points"] for check in seen} == {seen[0].facts["points"]}
    assert seen[0].facts["points"] >= 50
