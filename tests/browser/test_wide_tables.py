"""Wide tables scroll inside the page, never widen it (issue 15): the audit page with a long
JSON detail and a catalog preview with many wide columns, at 1280x800."""

from __future__ import annotations

from typing import Any

import pytest

from jingjinji.audit import service as audit
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People

pytestmark = pytest.mark.browser
CODE = "BJ-ENV-WIDE"
COLUMNS = 24
# Unbreakable text: no spaces or hyphens, so only a scrolling container keeps it inside the page.
WIDE_TEXT = "pm2_5_hourly_station_1001A_" * 6


def _overflow(page: Any) -> tuple[int, int]:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    inner: int = page.evaluate("window.innerWidth")
    return width, inner


@pytest.fixture
def wide_data(live_server: LiveServer, people: People) -> None:
    owner = people["bj-env"]
    names = [f"measurement_{i:02d}_value" for i in range(COLUMNS)]
    data = DatasetIn.model_validate(
        {
            "code": CODE,
            "title_zh": "宽表",
            "title_en": "Wide table",
            "owner_organisation_id": people.organisations["bj_env"],
            "domain": "environment",
            "update_cycle": "daily",
            "sharing_class": "unconditional",
            "open_to_public": True,
            "fields": [
                {"name": n, "type": "string", "sharing_class": "unconditional"} for n in names
            ],
        }
    )
    with live_server.session_factory() as session:
        catalog.create_dataset(session, actor=owner, data=data)
        catalog.write_records(
            session,
            actor=owner,
            dataset_code=CODE,
            rows=[{n: f"{WIDE_TEXT}{i}" for n in names} for i in range(3)],
        )
        audit.record(
            session,
            actor=owner,
            action="catalog.records.note",
            object_type="dataset",
            object_id=CODE,
            detail={"fields": names, "note": WIDE_TEXT * 3, "mean": 8.041666666666666},
        )
        session.commit()


def test_audit_page_and_preview_fit_the_viewport(
    page: Any, live_server: LiveServer, people: People, wide_data: None
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(page, live_server, "office", people.password)

    page.goto(f"{live_server.url}/audit?action=catalog.records.note")
    page.wait_for_selector("[data-testid=audit-row]")
    # The detail is shown as indented JSON, escaped, in a wrapping <pre>.
    detail = page.locator("[data-testid=audit-detail]").first
    assert '"fields": [' in detail.inner_text()
    assert detail.evaluate("e => e.tagName") == "PRE"
    width, inner = _overflow(page)
    assert width <= inner, f"audit page is {width}px wide in a {inner}px window"

    page.goto(f"{live_server.url}/catalog/{CODE}")
    page.wait_for_selector("[data-testid=preview-row]")
    width, inner = _overflow(page)
    assert width <= inner, f"catalog preview is {width}px wide in a {inner}px window"
    # The table itself is still whole: it scrolls inside its container.
    table_width: int = page.eval_on_selector("[data-testid=preview-table]", "e => e.scrollWidth")
    assert table_width > inner
