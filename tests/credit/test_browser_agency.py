"""In a real browser: a refused upload on the agency desk shows every problem with its row,
column and reason (nothing stored), in the user's language; a good file is then stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People
from tests.credit.records_support import HE_CO

pytestmark = pytest.mark.browser

HEADER = "kind,uscc,subject_name,document_number,title,legal_basis,content,decision_date\n"


def test_refused_upload_shows_rows_columns_and_reasons(
    page: Any,
    live_server: LiveServer,
    people: People,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    browser_login(page, live_server, "he-samr", people.password)
    page.goto(f"{live_server.url}/credit/agency")
    bad = tmp_path / "records.csv"
    wrong = HE_CO[:17] + ("0" if HE_CO[17] != "0" else "1")
    bad.write_text(
        HEADER
        + f"penalty,{wrong},冀示例（虚构）,B-1,t,b,c,2026-10-01\n"
        + f"penalty,{HE_CO},冀示例（虚构）,B-2,t,b,c,2099-10-01\n",
        encoding="utf-8",
    )
    page.set_input_files("[data-testid=credit-upload-file]", str(bad))
    page.click("[data-testid=credit-upload-submit]")
    page.wait_for_selector("[data-testid=upload-errors]")
    rows = page.locator("[data-testid=upload-error]")
    assert rows.count() == 2
    first = rows.nth(0)
    assert first.get_attribute("data-row") == "2"
    assert first.get_attribute("data-column") == "uscc"
    assert HE_CO[17] in first.inner_text()  # the expected check character
    second = rows.nth(1)
    assert (second.get_attribute("data-row"), second.get_attribute("data-column")) == (
        "3",
        "decision_date",
    )
    assert "2099-10-01" in second.inner_text()
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 0

    good = tmp_path / "good.csv"
    good.write_text(HEADER + f"penalty,{HE_CO},冀示例（虚构）,B-1,t,b,c,2026-10-01\n", "utf-8")
    page.set_input_files("[data-testid=credit-upload-file]", str(good))
    page.click("[data-testid=credit-upload-submit]")
    page.wait_for_selector("[data-testid=upload-success]")
    assert page.locator("[data-testid=queue-row]").count() == 1
