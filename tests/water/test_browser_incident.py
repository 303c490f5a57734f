"""An incident at a Beijing -> Hebei section walked through in a real browser: the downstream
and upstream agencies acknowledge, the office opens and concludes the consultation, Beijing
answers it, the office records a measure and closes with a report; the timeline shows each
step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import LiveServer, browser_login, browser_logout
from tests.conftest import People
from tests.water.incident_support import CROSS, MORNING, build_network, record

pytestmark = pytest.mark.browser


@pytest.fixture
def incident(live_server: LiveServer, people: People) -> int:
    build_network(live_server.session_factory, people)
    # NH3-N 1.8 mg/L is class V at a section whose target is class III.
    (incident_id,) = record(
        live_server.session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 1.8}
    )
    return incident_id


def _step(page: Any, testid: str) -> None:
    page.click(f"[data-testid={testid}]")


def test_linkage_from_detection_to_closure(
    page: Any, live_server: LiveServer, people: People, incident: int
) -> None:
    url = f"{live_server.url}/water/incidents/{incident}"
    timeline = page.locator("[data-testid=timeline]")

    # Hebei, downstream, sees the notice waiting with its deadline and acknowledges it.
    browser_login(page, live_server, "he-env", people.password)
    page.goto(f"{live_server.url}/water/incidents")
    expect(page.locator("[data-testid=my-notices] tbody tr")).to_have_count(1)
    page.click(f"[data-testid=incident-row-{incident}] a")
    _step(page, "acknowledge")
    expect(
        page.locator("[data-testid=notice-row-130000] [data-testid=notice-ack]")
    ).to_contain_text("he-env")
    expect(page.locator("[data-testid=acknowledge]")).to_have_count(0)
    browser_logout(page)

    # The office opens the consultation.
    browser_login(page, live_server, "office", people.password)
    page.goto(url)
    page.fill("[data-testid=consultation-text]", "Close the outlets upstream of the border?")
    _step(page, "open-consultation")
    expect(timeline.locator("[data-testid=step-consultation_opened]")).to_have_count(1)
    browser_logout(page)

    # Beijing, which monitors the section, acknowledges and answers.
    browser_login(page, live_server, "bj-env", people.password)
    page.goto(url)
    _step(page, "acknowledge")
    expect(
        page.locator("[data-testid=notice-row-110000] [data-testid=notice-ack]")
    ).to_contain_text("bj-env")
    # Proposing without saying what is refused on the page.
    _step(page, "answer-propose")
    expect(page.locator("[data-testid=incident-errors]")).to_contain_text(
        "Your answer: required when proposing"
    )
    page.fill("[data-testid=answer-text]", "Agreed: the Tongzhou outlets close tonight")
    _step(page, "answer-agree")
    expect(timeline.locator("[data-testid=step-answer]")).to_contain_text("Tongzhou")
    expect(page.locator("[data-testid=answer-form]")).to_have_count(0)
    browser_logout(page)

    # The office concludes, records a measure and closes with a report.
    browser_login(page, live_server, "office", people.password)
    page.goto(url)
    page.fill("[data-testid=conclude-text]", "Outlets close; joint sampling daily")
    _step(page, "conclude-consultation")
    expect(timeline.locator("[data-testid=step-consultation_closed]")).to_have_count(1)
    page.fill("[data-testid=measure-text]", "Emergency closure of two outlets in Tongzhou")
    _step(page, "record-measure")
    expect(timeline.locator("[data-testid=step-measure]")).to_contain_text("Tongzhou")
    _step(page, "close-incident")  # no report: refused on the page
    expect(page.locator("[data-testid=incident-errors]")).to_contain_text(
        "Closure report: must not be blank"
    )
    page.fill("[data-testid=closure-text]", "NH3-N back to class III on 12 June")
    _step(page, "close-incident")
    expect(page.locator("[data-testid=closure-report]")).to_contain_text("class III")
    expect(page.locator("[data-testid=incident-actions]")).to_have_count(0)

    page.reload()
    for kind, count in (
        ("opened", 1),
        ("notified", 3),
        ("acknowledged", 2),
        ("consultation_opened", 1),
        ("answer", 1),
        ("consultation_closed", 1),
        ("measure", 1),
        ("closed", 1),
    ):
        expect(timeline.locator(f"[data-testid=step-{kind}]")).to_have_count(count)
