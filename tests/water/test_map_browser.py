"""The river network in a real browser: the sections on the region's province boundaries, in
both languages, on a desktop and a phone screen (tests/maps_support.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer
from tests.conftest import People
from tests.maps_support import check_region_map
from tests.water.test_pages import build_network

pytestmark = pytest.mark.browser


def test_network_map_draws_the_provinces(
    browser: Any, live_server: LiveServer, people: People
) -> None:
    build_network(live_server.session_factory, people)
    for check in check_region_map(browser, live_server, "/water", "network-chart"):
        assert check.facts["points"] == 3, check
