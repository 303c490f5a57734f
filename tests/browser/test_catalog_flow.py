"""Browsing the catalog, applying for a conditional dataset as one jurisdiction and approving
it as the owner, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from jingjinji.catalog import demo as catalog_demo
from jingjinji.demo import DemoContext
from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People

pytestmark = pytest.mark.browser
DATASET = "BJ-ENV-PENALTY"  # conditional, owned by the Beijing environment bureau


@pytest.fixture
def catalog_loaded(live_server: LiveServer, people: People) -> None:
    with live_server.session_factory() as session:
        catalog_demo.load(session, DemoContext(values={"organisations": people.organisations}))
        session.commit()


def test_browse_apply_and_approve(
    page: Any, live_server: LiveServer, people: People, catalog_loaded: None
) -> None:
    # A Hebei analyst browses the catalog, filtered to Beijing's conditional datasets.
    browser_login(page, live_server, "he-analyst", people.password)
    page.goto(f"{live_server.url}/catalog")
    page.select_option("[data-testid=filter-jurisdiction]", "110000")
    page.select_option("[data-testid=filter-class]", "conditional")
    page.click("[data-testid=filter-button]")
    row = page.locator(f"[data-testid=dataset-row][data-code={DATASET}]")
    assert row.count() == 1
    assert page.locator("[data-testid=dataset-row][data-class=unconditional]").count() == 0
    row.locator("[data-testid=dataset-link]").click()
    page.wait_for_selector(f"[data-testid=dataset-detail][data-code={DATASET}]")
    assert page.locator("[data-testid=field-withheld]").count() > 0

    # ... and applies for the conditional fields.
    page.locator("[data-testid=apply-field]").first.check()
    page.fill("[data-testid=apply-purpose]", "Cross-border enforcement statistics for Langfang")
    page.click("[data-testid=apply-button]")
    page.wait_for_selector("[data-testid=notice]")
    mine = page.locator(f"[data-testid=request-row][data-dataset={DATASET}][data-status=pending]")
    request_id = mine.first.get_attribute("data-request-id")
    assert request_id
    browser_logout(page)

    # The owner's steward approves exactly that request.
    browser_login(page, live_server, "bj-env", people.password)
    page.goto(f"{live_server.url}/access-requests")
    current = f"[data-testid=grant-row][data-dataset={DATASET}][data-current=true]"
    grants_before = page.locator(current).count()
    owner_row = page.locator(f"[data-testid=request-row][data-request-id='{request_id}']")
    owner_row.locator("[data-testid=approve-button]").click()
    page.wait_for_selector("[data-testid=notice]")
    # It left the owner's queue and shows as a current grant.
    assert page.locator(f"[data-testid=request-row][data-request-id='{request_id}']").count() == 0
    assert page.locator(current).count() == grants_before + 1
    browser_logout(page)

    # The analyst now reads the granted fields.
    browser_login(page, live_server, "he-analyst", people.password)
    page.goto(f"{live_server.url}/catalog/{DATASET}")
    page.wait_for_selector("[data-testid=access-granted]")
    readable = int(page.get_attribute("[data-testid=access-summary]", "data-readable") or "0")
    assert readable > 0
