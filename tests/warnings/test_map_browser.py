"""The warnings map in a real browser: the cities on the region's province boundaries with the
warning levels' legend, in both languages, on a desktop and a phone screen
(tests/maps_support.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer
from tests.conftest import People
from tests.maps_support import check_region_map

pytestmark = pytest.mark.browser


def test_warning_map_draws_the_provinces(
    browser: Any, live_server: LiveServer, warn: People
) -> None:
    seen = check_region_map(browser, live_server, "/warnings", "warning-map")
    for check in seen:
        # The 13 cities, none under an open warning; the legend names no
        # warning and the four levels.
        assert check.facts["points"] == 13, check
        assert check.facts["legend"] == 5, check
