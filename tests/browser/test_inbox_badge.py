"""The header of every page shows the unread count (fetched by htmx once the page loaded), and
the inbox marks read from a real browser."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.notifications import service
from jingjinji.notifications.service import Audience, Kind
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People

pytestmark = pytest.mark.browser


def test_header_badge_counts_unread_and_the_inbox_marks_read(
    page: Any, live_server: LiveServer, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        for _ in range(2):
            service.notify(
                session,
                kind=Kind.ACCESS_ESCALATED,
                audience=Audience(office=True),
                params={"dataset": "BJ-ENV-PERMIT", "due": "2026-01-19"},
                link="/access-requests",
            )
        session.commit()
    browser_login(page, live_server, "office", people.password)
    page.goto(f"{live_server.url}/region")
    badge = page.locator("[data-testid=inbox-link] [data-testid=unread-count]")
    badge.wait_for()
    assert badge.inner_text() == "2"
    page.click("[data-testid=inbox-link]")
    page.wait_for_selector("[data-testid=inbox]")
    assert page.locator("[data-testid=notification]").count() == 2
    page.locator("[data-testid=notification] button:not([value])").first.click()
    page.wait_for_selector("[data-testid=inbox]")
    page.locator("[data-testid=inbox-link] [data-testid=unread-count]").wait_for()
    assert page.inner_text("[data-testid=inbox-link] [data-testid=unread-count]") == "1"
