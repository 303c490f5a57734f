"""Creating an event subscription in a real browser, in Chinese: the htmx form answers with the
secret shown once, the new subscription is listed, and neither the list nor its page shows the
secret again; a refused callback address is shown in the form's place, in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jingjinji.accounts.demo import DEMO_PASSWORD
from jingjinji.web import LANG_COOKIE
from tests.browser_support import LiveServer, browser_login, page_errors
from tests.ports.conftest import Ports, subscription_settings

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The sealing key in this test's var directory; rx.example stands for a public receiver."""
    yield from subscription_settings(monkeypatch, tmp_path, allowed_hosts="rx.example")


def test_create_a_subscription_and_see_its_secret_once(
    page: Any, live_server: LiveServer, ports: Ports
) -> None:
    errors = page_errors(page)
    page.context.add_cookies([{"name": LANG_COOKIE, "value": "zh_CN", "url": live_server.url}])
    browser_login(page, live_server, "tj-port", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ports/subscriptions")
    assert page.locator("h1").inner_text() == "事件订阅"
    # A loopback address is refused, shown where the answer goes, in Chinese.
    page.fill("[data-testid=callback-url]", "http://127.0.0.1:9/x")
    page.click("[data-testid=create-subscription]")
    refusal = page.wait_for_selector("[data-testid=refusal]")
    assert "回调地址被拒绝" in refusal.inner_text()
    # The refusal's own 422 (and htmx's console line about it) is expected; nothing else.
    assert errors and errors[0].startswith("422 "), errors
    errors.clear()
    page.fill("[data-testid=callback-url]", "https://rx.example/dcsa/callback")
    page.check("input[name=event_type][value=EQUIPMENT]")
    page.fill("[data-testid=equipment-codes]", "GTIN, GTOT")
    page.click("[data-testid=create-subscription]")
    shown = page.wait_for_selector("[data-testid=secret-once]")
    assert "仅显示这一次" in shown.inner_text()
    secret = page.locator("[data-testid=secret]").inner_text()
    assert len(secret) == 44
    page.click("[data-testid=subscription-link]")
    page.wait_for_selector("[data-testid=subscription-facts]")
    assert secret not in page.content()
    assert "尚未发送" in page.locator("[data-testid=state]").inner_text()
    page.goto(f"{live_server.url}/ports/subscriptions")
    assert page.locator("[data-testid=subscriptions-table] tbody tr").count() == 1
    assert secret not in page.content()
    assert errors == []


def test_the_filter_boxes_are_a_compact_grid_on_a_phone_and_the_edit_form_saves(
    page: Any, live_server: LiveServer, ports: Ports
) -> None:
    """At 390 px the three event type boxes take two rows of a grid, each box beside its code
    (they were one full-width box per line, the code under it); the page fits the phone's
    width; the page's edit form changes the filters."""
    errors = page_errors(page)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, "tj-port", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ports/subscriptions?lang=en")
    boxes = page.locator("input[name=event_type]")
    assert boxes.count() == 3
    tops = sorted({round(boxes.nth(i).bounding_box()["y"]) for i in range(3)})
    # two columns at most two rows apart by about a line (a full-width box per line before)
    assert len(tops) <= 2 and tops[-1] - tops[0] < 40, tops
    first = boxes.nth(0).bounding_box()
    code = page.locator(".check-grid code").nth(0).bounding_box()
    assert abs(code["y"] - first["y"]) < first["height"] and code["x"] > first["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("[data-testid=callback-url]", "https://rx.example/dcsa/callback")
    page.click("[data-testid=create-subscription]")
    page.wait_for_selector("[data-testid=secret-once]")
    page.click("[data-testid=subscription-link]")
    page.click("[data-testid=edit-subscription] summary")
    form = page.locator("[data-testid=edit-subscription-form]")
    form.locator("input[name=event_type][value=TRANSPORT]").check()
    form.locator("input[name=transport_event_type_code]").fill("ARRI")
    form.locator("[data-testid=save-subscription]").click()
    page.wait_for_selector("[data-testid=subscription-facts] >> text=ARRI")
    assert "TRANSPORT" in page.locator("[data-testid=subscription-facts]").inner_text()
    assert errors == [], errors
