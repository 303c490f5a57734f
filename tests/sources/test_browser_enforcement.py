"""A linked enforcement case walked through in a real browser: Hebei opens a case from two SO2
events of an enterprise by the Beijing border (a refusal shown first), gives Beijing's
environment bureau an inspection, Beijing completes it, Hebei closes the case; the timeline
shows each step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from jingjinji.sources.service import exceedances
from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store

pytestmark = pytest.mark.browser


@pytest.fixture
def events(live_server: LiveServer, registry: Registry) -> list[int]:
    factory = live_server.session_factory
    batch_id = store(factory, registry.loggers["HE-A-G-001"], hourly("a21026", [40, 20, 50]))
    with factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        session.commit()
    return ids


def test_linked_enforcement_from_events_to_closure(
    page: Any, live_server: LiveServer, people: People, events: list[int]
) -> None:
    timeline = page.locator("[data-testid=timeline]")
    browser_login(page, live_server, "he-env", people.password)
    page.goto(f"{live_server.url}/sources/exceedances?lang=en")
    for event_id in events:
        page.check(f"[data-testid=pick-{event_id}]")
    page.click("[data-testid=open-case-button]")  # no title: refused on the page
    expect(page.locator("[data-testid=open-case-errors]")).to_contain_text("title")
    page.fill("[data-testid=case-title]", "SO2 above the permit at HE-A")
    page.click("[data-testid=open-case-button]")
    expect(page.locator("[data-testid=case-body] h1")).to_contain_text("SO2 above the permit")
    expect(page.locator("[data-testid=involved-110000]")).to_contain_text("border")
    url = page.url

    page.select_option("[data-testid=task-agency]", str(people.organisations["bj_env"]))
    page.fill("[data-testid=task-due]", "2099-12-31T09:00")
    page.fill("[data-testid=task-description]", "Check the desulphuriser")
    page.click("[data-testid=add-task]")
    expect(timeline.locator("[data-testid=step-task_added]")).to_have_count(1)
    page.click("[data-testid=close-case]")  # no conclusion: refused on the page
    expect(page.locator("[data-testid=case-errors]")).to_contain_text("conclusion")
    page.fill("[data-testid=conclusion]", "Too early")
    page.click("[data-testid=close-case]")  # an open task: refused too
    expect(page.locator("[data-testid=case-errors]")).to_contain_text("open tasks")
    browser_logout(page)

    browser_login(page, live_server, "bj-env", people.password)
    page.goto(url)
    form = page.locator("[data-testid^=complete-form-]")
    form.locator("textarea").fill("Bypass found and sealed")
    form.locator("button").click()
    expect(timeline.locator("[data-testid=step-task_done]")).to_contain_text("Bypass found")
    expect(page.locator("[data-testid=close-form]")).to_have_count(0)  # Beijing does not lead
    browser_logout(page)

    browser_login(page, live_server, "he-env", people.password)
    page.goto(url)
    page.fill("[data-testid=conclusion]", "Fined; the bypass was removed")
    page.click("[data-testid=close-case]")
    expect(page.locator("[data-testid=case-conclusion]")).to_contain_text("bypass was removed")
    expect(page.locator("[data-testid=case-actions]")).to_have_count(0)
    page.reload()
    for action, count in (
        ("opened", 1),
        ("involved", 2),
        ("task_added", 1),
        ("task_done", 1),
        ("closed", 1),
    ):
        expect(timeline.locator(f"[data-testid=step-{action}]")).to_have_count(count)
