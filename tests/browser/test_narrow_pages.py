"""At 390 px (a phone) the home page, the catalog list and a dataset's page fit the window: the
signed-in bar wraps, a table wider than the window scrolls inside itself, a long unbreakable
fact (a maintainer's e-mail address) wraps in its column. Found by trying the demo at 390 px:
most list pages were 420-1160 px wide, and every signed-in English page 431 px."""

from __future__ import annotations

from typing import Any

import pytest

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People

pytestmark = pytest.mark.browser
CODE = "BJ-ENV-NARROW-PHONE-CHECK"
EMAIL = "bj-env-narrow-phone-check-maintainer@data.jingjinji.example"


@pytest.fixture
def narrow_data(live_server: LiveServer, people: People) -> None:
    owner = people["bj-env"]
    data = DatasetIn.model_validate(
        {
            "code": CODE,
            "title_zh": "手机宽度检查数据集",
            "title_en": "Dataset for the phone width check",
            "owner_organisation_id": people.organisations["bj_env"],
            "domain": "environment",
            "update_cycle": "daily",
            "sharing_class": "unconditional",
            "open_to_public": True,
            "maintainer_name": "Data desk",
            "maintainer_email": EMAIL,
            "fields": [
                {
                    "name": f"measurement_{i:02d}_hourly_value",
                    "type": "number",
                    "unit": "μg/m³",
                    "description": "hourly mean concentration at the station",
                    "sharing_class": "unconditional",
                }
                for i in range(4)
            ],
        }
    )
    with live_server.session_factory() as session:
        catalog.create_dataset(session, actor=owner, data=data)
        session.commit()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_catalog_pages_fit_a_phone(
    page: Any, live_server: LiveServer, people: People, narrow_data: None, lang: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "jjj_lang", "value": lang, "url": live_server.url}])
    # office: the longest role name in the signed-in bar ("Coordination office administrator").
    browser_login(page, live_server, "office", people.password)
    for path in ("/", "/catalog", f"/catalog/{CODE}"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("[data-testid=who]")
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} ({lang}) is {width}px wide in a 390px window"
    # The address is whole, wrapped inside the window.
    mail = page.locator(f"a[href='mailto:{EMAIL}']")
    assert mail.inner_text().replace("\n", "") == EMAIL
    right: float = mail.evaluate("e => e.getBoundingClientRect().right")
    assert right <= 390
