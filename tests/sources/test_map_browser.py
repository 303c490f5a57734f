"""The map of outlets in a real browser: the outlets on the region's province boundaries, in
both languages, on a desktop and a phone screen (tests/maps_support.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser_support import LiveServer
from tests.maps_support import check_region_map
from tests.sources.conftest import Registry
from tests.sources.pages_support import store_outlet_data

pytestmark = pytest.mark.browser


def test_outlet_map_draws_the_provinces(
    browser: Any,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    registry: Registry,
) -> None:
    store_outlet_data(session_factory, registry)
    for check in check_region_map(browser, live_server, "/sources", "sources-map"):
        assert check.facts["points"] == 4, check
