"""An objection and a credit repair end to end across two jurisdictions, in a real browser: a
Hebei subject objects to a Tianjin penalty in the public form, the Tianjin steward answers in
the objection desk, the Hebei administrator sees the outcome; the repair likewise (with the
refusal of a too-early application shown on the page)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People
from tests.credit.services_support import HE_CO, days_ago, make_record

pytestmark = pytest.mark.browser


def _records(live_server: LiveServer, people: People) -> tuple[int, int, int, str]:
    with live_server.session_factory() as session:
        recent = make_record(session, people["tj-samr"], title="违反产品质量法（异议）")
        early = make_record(session, people["tj-samr"], title="违反计量法（过早）")
        old = make_record(
            session, people["tj-samr"], title="违反广告法（修复）", decision_date=days_ago(200)
        )
        assert early.publicity_min_end is not None
        return recent.id, early.id, old.id, early.publicity_min_end.isoformat()


def test_objection_and_repair_across_two_jurisdictions(
    page: Any, live_server: LiveServer, people: People
) -> None:
    recent, early, old, early_from = _records(live_server, people)
    url = live_server.url

    # The Hebei subject objects to the Tianjin penalty (anonymous public form).
    page.goto(f"{url}/credit/subjects/{HE_CO}/object")
    page.select_option("[data-testid=credit-form-record]", str(recent))
    page.fill("[data-testid=credit-form-name]", "王五（河北测试示例建材有限公司）")
    page.fill("[data-testid=credit-form-contact]", "0311-00000000")
    page.fill("[data-testid=credit-form-reason]", "罚款金额录入有误")
    page.click("[data-testid=credit-form-submit]")
    expect(page.get_by_test_id("credit-form-done")).to_be_visible()
    expect(page.get_by_test_id("credit-form-due")).not_to_be_empty()

    # The Tianjin steward answers in the objection desk.
    browser_login(page, live_server, "tj-samr", people.password)
    page.goto(f"{url}/credit/desk/objections")
    form = page.locator("form[data-testid^=objection-answer-]")
    expect(form).to_have_count(1)
    form.locator("[data-testid=objection-outcome]").select_option("corrected")
    form.locator("[data-testid=objection-answer-text]").fill("经复核已撤下")
    form.locator("[data-testid=objection-answer-submit]").click()
    expect(page.get_by_test_id("desk-notice")).to_be_visible()
    browser_logout(page)

    # The Hebei administrator sees the outcome.
    browser_login(page, live_server, "he-admin", people.password)
    page.goto(f"{url}/credit/desk/objections")
    expect(page.get_by_test_id("objection-status")).to_have_text("Corrected")
    expect(page.locator("form[data-testid^=objection-answer-]")).to_have_count(0)
    browser_logout(page)

    # Repair: too early is refused on the page with the date; an old penalty is accepted.
    page.goto(f"{url}/credit/subjects/{HE_CO}/repair")
    page.select_option("[data-testid=credit-form-record]", str(early))
    page.fill("[data-testid=credit-form-name]", "河北测试示例建材有限公司（虚构）")
    page.fill("[data-testid=credit-form-evidence]", "罚款已缴清")
    page.click("[data-testid=credit-form-submit]")
    expect(page.get_by_test_id("credit-form-errors")).to_contain_text(early_from)
    page.select_option("[data-testid=credit-form-record]", str(old))
    page.click("[data-testid=credit-form-submit]")
    expect(page.get_by_test_id("credit-form-done")).to_be_visible()

    browser_login(page, live_server, "tj-samr", people.password)
    page.goto(f"{url}/credit/desk/repairs")
    form = page.locator("form[data-testid^=repair-decide-]")
    expect(form).to_have_count(1)
    form.locator("[data-testid=repair-outcome]").select_option("approved")
    form.locator("[data-testid=repair-decide-submit]").click()
    expect(page.get_by_test_id("desk-notice")).to_be_visible()
    browser_logout(page)

    browser_login(page, live_server, "he-admin", people.password)
    page.goto(f"{url}/credit/desk/repairs")
    expect(page.get_by_test_id("repair-status")).to_have_text("Approved")
