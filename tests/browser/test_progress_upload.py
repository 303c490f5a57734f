"""The progress template round trip in a real browser: download the Excel template, fill it,
upload it, see per-cell errors, fix, upload again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People

pytestmark = pytest.mark.browser


@pytest.fixture
def progress_loaded(live_server: LiveServer, people: People) -> None:
    with live_server.session_factory() as session:
        progress_demo.load(session, DemoContext(values={"organisations": people.organisations}))
        session.commit()


def test_template_round_trip(
    page: Any, live_server: LiveServer, people: People, progress_loaded: None, tmp_path: Path
) -> None:
    browser_login(page, live_server, "tj-binhai", people.password)
    page.goto(f"{live_server.url}/progress/upload")
    with page.expect_download() as download_info:
        page.click("[data-testid=template-xlsx]")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)

    workbook = load_workbook(template)
    indicators = workbook["indicators"]
    header = [c.value for c in indicators[1]]
    yearly = next(
        dict(zip(header, (c.value for c in row), strict=True))
        for row in indicators.iter_rows(min_row=2)
        if row[header.index("period_type")].value == "year"
    )
    values = workbook[workbook.sheetnames[1]]
    assert [c.value for c in values[1]][:4] == [
        "indicator_code",
        "jurisdiction_code",
        "period",
        "value",
    ]
    rows = [
        [yearly["code"], "120116", "2025", 42.5, yearly["unit"], "browser test"],
        [yearly["code"], "120116", "2025Q5", 1, yearly["unit"], "browser test"],
    ]
    for r, row in enumerate(rows, start=2):  # the template's first empty rows
        for c, value in enumerate(row, start=1):
            values.cell(row=r, column=c, value=value)
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)

    page.set_input_files("[data-testid=upload-file]", str(filled))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=upload-errors]")
    bad = page.locator("[data-testid=upload-error][data-column=period]")
    assert bad.count() == 1
    assert bad.first.get_attribute("data-row") == "3"

    for c in range(1, 7):
        values.cell(row=3, column=c).value = None
    workbook.save(filled)
    page.goto(f"{live_server.url}/progress/upload")
    page.set_input_files("[data-testid=upload-file]", str(filled))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=upload-success], [data-testid=upload-errors]")
    errors = page.locator("[data-testid=upload-error]").all_inner_texts()
    assert errors == []
    assert page.inner_text("[data-testid=stored-count]").strip() == "1"

    page.goto(f"{live_server.url}/progress/indicators/{yearly['code']}")
    assert "42.5" in page.content()
