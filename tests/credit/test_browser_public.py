"""The public finds a subject by its former name and downloads a credit report in a real
browser; `jjj credit verify-report` says the downloaded file is valid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from typer.testing import CliRunner

from jingjinji.cli import app
from tests.browser_support import LiveServer
from tests.credit.public_support import CURRENT_NAME, PublicData

pytestmark = pytest.mark.browser


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_public_finds_a_subject_and_downloads_a_verifiable_report(
    page: Any,
    live_server: LiveServer,
    public_data: PublicData,
    report_key: str,
    tmp_path: Path,
    cli_env: None,
) -> None:
    page.goto(f"{live_server.url}/credit")
    page.fill("[data-testid=credit-q]", "旧名称示例")
    page.click("[data-testid=credit-search-button]")
    hit = page.locator("[data-testid=credit-hit]")
    # The search is a form GET: wait for the results page rather than count what is there now.
    expect(hit).to_have_count(1)
    hit.locator("a").click()
    page.wait_for_selector("[data-testid=credit-subject]")
    assert page.inner_text("[data-testid=subject-uscc]") == public_data.uscc
    assert CURRENT_NAME in page.inner_text("h1")
    expect(page.locator("[data-testid=tab-penalty] [data-testid=record-row]")).to_have_count(1)

    downloaded = []
    for testid in ("report-pdf-en", "report-pdf-zh_CN", "report-json-en"):
        with page.expect_download() as download_info:
            page.click(f"[data-testid={testid}]")
        target = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(target)
        downloaded.append(target)
    assert downloaded[0].read_bytes().startswith(b"%PDF")
    assert downloaded[0].suffix == ".pdf" and downloaded[2].suffix == ".json"
    for path in downloaded:
        result = CliRunner().invoke(app, ["credit", "verify-report", str(path)], prog_name="jjj")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("valid:")
        assert "issued with this payload" in result.output
