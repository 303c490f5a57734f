"""The EDIFACT upload page in a real browser: a file chosen and sent through the htmx form is
accepted and queued, the list refreshes by itself once the job has run, and the report shows the
message problems and the events; a file that is no interchange shows its refusal in the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.demo import DEMO_PASSWORD
from jingjinji.jobs import service as jobs
from tests.browser_support import LiveServer, browser_login, page_errors
from tests.ports.conftest import Ports

pytestmark = pytest.mark.browser

FILES = Path(__file__).parents[2] / "src" / "jingjinji" / "ports" / "data" / "edifact"


def test_upload_a_file_and_see_its_report(
    page: Any,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    ports: Ports,
    tmp_path: Path,
) -> None:
    errors = page_errors(page)
    browser_login(page, live_server, "tj-port", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ports/edifact")
    page.set_input_files(
        "[data-testid=edifact-form] input[name=file]", str(FILES / "bad_mixed_messages.edi")
    )
    page.click("[data-testid=edifact-form] button[type=submit]")
    page.wait_for_selector("[data-testid=submission-link]")
    # The list shows the queued submission after a refresh and polls until it is done.
    page.reload()
    status = page.locator("[data-testid=submission-row] [data-testid=submission-status]").first
    assert status.inner_text() in {"queued", "running"}
    assert jobs.run_pending(session_factory) >= 1
    page.wait_for_function(
        "() => document.querySelector('[data-testid=submission-status]').textContent.trim()"
        " === 'done'",
        timeout=15_000,
    )
    page.click("[data-testid=submission-row] a")
    page.wait_for_selector("[data-testid=submission-errors]")
    problems = page.locator("[data-testid=submission-errors]").inner_text()
    assert "BGM" in problems and "1:1" in problems and "EQD" in problems
    assert (
        page.locator("[data-testid=submission-events] a[href^='/ports/containers/']").count() == 1
    )
    assert errors == []
    # A file that is no interchange: the refusal is written into the form's result (the 422 is
    # the one failed request; htmx logs it as a response error).
    page.goto(f"{live_server.url}/ports/edifact")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an interchange")
    page.set_input_files("[data-testid=edifact-form] input[name=file]", str(notes))
    page.click("[data-testid=edifact-form] button[type=submit]")
    page.wait_for_selector("[data-testid=edifact-result] .error")
    assert "UNA or UNB" in page.locator("[data-testid=edifact-result]").inner_text()
    assert errors[0] == f"422 {live_server.url}/ports/edifact"
