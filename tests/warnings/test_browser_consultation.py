"""A regional consultation walked through in a real browser by the three jurisdictions'
environment agencies and the coordination office."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jingjinji.warnings import service
from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People

pytestmark = pytest.mark.browser


@pytest.fixture
def consultation(live_server: LiveServer, warn: People) -> int:
    with live_server.session_factory() as session:
        warning = service.propose(
            session,
            actor=warn["office"],
            cities=["110000", "120000", "130100"],
            level="orange",
            start=dt.date(2026, 12, 10),
            end=dt.date(2026, 12, 13),
            max_aqi=342,
        )
        service.open_consultation(session, actor=warn["office"], warning_id=warning.id)
        session.commit()
        return warning.id


def test_three_agencies_answer_and_office_issues(
    page: Any, live_server: LiveServer, warn: People, consultation: int
) -> None:
    url = f"{live_server.url}/warnings/{consultation}"

    browser_login(page, live_server, "bj-env", warn.password)
    page.goto(url)
    page.click("[data-testid=answer-agree]")
    page.wait_for_selector("[data-testid=answer-110000] >> text=agree")
    assert page.locator("[data-testid=consultation-answer]").count() == 0
    browser_logout(page)

    browser_login(page, live_server, "tj-env", warn.password)
    page.goto(url)
    page.select_option("[data-testid=answer-level]", "red")
    page.fill("[data-testid=answer-reason]", "Port-area inversion forecast to last one more day")
    page.click("[data-testid=answer-propose]")
    page.wait_for_selector("[data-testid=answer-120000] >> text=red")
    browser_logout(page)

    # Hebei's steward may not answer for Beijing: the form answers only for its own province.
    browser_login(page, live_server, "he-env", warn.password)
    page.goto(url)
    page.click("[data-testid=answer-agree]")
    page.wait_for_selector("[data-testid=answer-130000] >> text=agree")
    browser_logout(page)

    browser_login(page, live_server, "office", warn.password)
    page.goto(url)
    page.select_option("[data-testid=issue-warning] select[name=level]", "orange")
    page.click("[data-testid=issue-warning] button[type=submit]")
    page.wait_for_selector("[data-testid=measures]")
    assert page.inner_text("[data-testid=warning-status]").strip() == "issued"
    assert page.locator("[data-testid=lift-warning]").count() == 1
