"""In a real browser: a refused record on the agency desk comes back with every field as the
user left it (the severity select, the ticked measures and "publish at once" included)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import LiveServer, browser_login
from tests.conftest import People
from tests.credit.records_support import HE_CO

pytestmark = pytest.mark.browser

FORM = "[data-testid=credit-record-form]"


def test_a_refused_record_keeps_the_selects_and_the_ticks(
    page: Any, live_server: LiveServer, people: People
) -> None:
    browser_login(page, live_server, "he-samr", people.password)
    page.goto(f"{live_server.url}/credit/agency")
    page.select_option(f"{FORM} select[name=kind]", "black_list")
    page.fill(f"{FORM} input[name=uscc]", HE_CO)
    page.fill(f"{FORM} input[name=subject_name]", "浏览器示例有限公司（虚构）")
    page.fill(f"{FORM} input[name=document_number]", "冀黑-浏览器-1")
    page.fill(f"{FORM} input[name=title]", "严重失信")
    page.fill(f"{FORM} input[name=legal_basis]", "示例")
    page.select_option(f"{FORM} select[name=severity]", "serious")
    page.fill(f"{FORM} input[name=decision_date]", "2099-01-02")
    page.check(f"{FORM} input[name=measures][value=B03_STRICT_INSPECTION]")
    page.check(f"{FORM} input[name=publish]")
    page.click(f"{FORM} button[type=submit]")
    page.wait_for_selector("[data-field=decision_date]")
    assert page.input_value(f"{FORM} select[name=severity]") == "serious"
    assert page.input_value(f"{FORM} select[name=kind]") == "black_list"
    assert page.input_value(f"{FORM} input[name=document_number]") == "冀黑-浏览器-1"
    assert page.is_checked(f"{FORM} input[name=measures][value=B03_STRICT_INSPECTION]")
    assert not page.is_checked(f"{FORM} input[name=measures][value=B01_PROCUREMENT_BAN]")
    assert page.is_checked(f"{FORM} input[name=publish]")
