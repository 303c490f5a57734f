"""Logging in and switching language in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People

pytestmark = pytest.mark.browser


def test_login_switch_language_logout(page: Any, live_server: LiveServer, people: People) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "bj-analyst")
    page.fill("input[name=password]", "wrong-password")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator("[role=alert]").is_visible()

    browser_login(page, live_server, "bj-analyst", people.password)
    page.goto(f"{live_server.url}/region")
    page.click("a[data-lang=zh_CN]")
    page.wait_for_selector("text=区域概况")
    page.click("a[data-lang=en]")
    page.wait_for_selector("text=Region overview")
    browser_logout(page)
    assert page.locator("[data-testid=who]").count() == 0
