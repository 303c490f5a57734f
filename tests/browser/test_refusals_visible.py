"""Every refusal of an upload form is shown on the page, with its reasons, in the user's language.

A wrong header, a station or jurisdiction the user may not write, and a file over the body limit
(answered by the request-limits middleware before the application) are each sent from the real
form in a real browser, in Chinese and in English. Before this was fixed the air upload (htmx)
showed nothing for any refusal (htmx 2 swaps only 2xx answers) and an oversized file showed
raw problem+json.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import i18n, limits
from jingjinji.air import datasets
from jingjinji.air import service as air_service
from jingjinji.config import Settings
from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from jingjinji.progress.models import Indicator
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.web import LANG_COOKIE
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People

pytestmark = pytest.mark.browser

#: The upload body limit of the test server: a few KiB, so that a small file is over it.
BODY_LIMIT = 4096
LANGS = ["zh_CN", "en"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(
        settings, body_limit_air_upload=BODY_LIMIT, body_limit_progress_upload=BODY_LIMIT
    )


def _t(lang: str, message: str) -> str:
    text = i18n.translations(lang).gettext(message)
    if lang == "zh_CN":
        assert text != message, f"no Chinese translation of {message!r}"
    return text


def _use_language(page: Any, server: LiveServer, lang: str) -> None:
    page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": server.url}])


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _too_large_text(lang: str) -> str:
    return _t(lang, limits.TOO_LARGE_FOR_PAGE).split("%")[0]


@pytest.mark.parametrize("lang", LANGS)
def test_air_upload_shows_every_refusal(
    page: Any,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    people: People,
    tmp_path: Path,
    lang: str,
) -> None:
    with session_factory() as session:
        air_service.load_stations(session, actor=SYSTEM_ACTOR)
        datasets.register_datasets(session, actor=SYSTEM_ACTOR)
        session.commit()
    _use_language(page, live_server, lang)
    browser_login(page, live_server, "he-env", people.password)  # Hebei's steward
    page.goto(f"{live_server.url}/air/upload")
    result = page.locator("#upload-result")
    rejected = _t(lang, "The file was rejected; nothing was stored.")

    # a header without the station and time columns: rejected whole, the columns named
    page.set_input_files("input[name=file]", _write(tmp_path, "h.csv", b"where,when\nx,y\n"))
    page.click("form[action='/air/upload'] button[type=submit]")
    expect(result).to_contain_text(rejected)
    expect(result).to_contain_text("station_code")

    # a Beijing station: Hebei's steward may not write it; the refusal names the owner
    page.set_input_files(
        "input[name=file]",
        _write(tmp_path, "s.csv", b"station_code,ts,pm2_5\n1001A,2016-12-20T00:00:00+08:00,5\n"),
    )
    page.click("form[action='/air/upload'] button[type=submit]")
    expect(result).not_to_contain_text("station_code")  # the earlier answer was replaced
    expect(result).to_contain_text(rejected)
    # the service's refusal, in the page's language (marked at its source with i18n.msg)
    refusal = "无权写入辖区 110000" if lang == "zh_CN" else "may not air.observations.write"
    expect(result).to_contain_text(refusal)
    expect(result).to_contain_text("110000")

    # over the body limit: refused before the application, still shown in the form
    big = b"station_code,ts,pm2_5\n" + b"1001A,2016-12-20T00:00:00+08:00,5\n" * 200
    page.set_input_files("input[name=file]", _write(tmp_path, "big.csv", big))
    page.click("form[action='/air/upload'] button[type=submit]")
    refusal = page.locator("#upload-result[data-testid=refusal]")
    expect(refusal).to_contain_text("413")
    expect(refusal).to_contain_text(_t(lang, "Content too large"))
    expect(refusal).to_contain_text(_too_large_text(lang))
    expect(refusal).to_contain_text(str(BODY_LIMIT))
    assert "application/problem+json" not in page.content()

    # the form still works after a refusal: the target kept its id
    page.set_input_files("input[name=file]", _write(tmp_path, "h2.csv", b"where,when\nx,y\n"))
    page.click("form[action='/air/upload'] button[type=submit]")
    expect(page.locator("#upload-result")).to_contain_text(rejected)


@pytest.mark.parametrize("lang", LANGS)
def test_progress_upload_shows_every_refusal(
    page: Any,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    people: People,
    tmp_path: Path,
    lang: str,
) -> None:
    with session_factory() as session:
        progress_demo.load(session, DemoContext(values={"organisations": people.organisations}))
        session.commit()
        indicator = session.scalars(
            select(Indicator).where(Indicator.period_type == "year").order_by(Indicator.code)
        ).first()
        assert indicator is not None
        code, unit = indicator.code, indicator.unit
    _use_language(page, live_server, lang)
    browser_login(page, live_server, "tj-binhai", people.password)  # Tianjin Binhai's steward
    nothing_stored = _t(lang, "Nothing was stored")
    main = page.locator("main")

    def send(name: str, content: bytes) -> None:
        page.goto(f"{live_server.url}/progress/upload")
        page.set_input_files("[data-testid=upload-file]", _write(tmp_path, name, content))
        page.click("[data-testid=upload-submit]")

    send("h.csv", b"where,when\nx,y\n")
    expect(main).to_contain_text(nothing_stored)
    expect(page.locator("[data-testid=upload-errors]")).to_contain_text("indicator_code")

    # Beijing's value: not the steward's jurisdiction
    header = b"indicator_code,jurisdiction_code,period,value,unit,source,note\n"
    row = f"{code},110000,2025,1,{unit},browser test,\n".encode()
    send("j.csv", header + row)
    expect(main).to_contain_text(nothing_stored)
    # Every problem is listed (issue 15, defect 8): the permission problem is a row of the
    # report naming the column and the jurisdiction, like the other bad cells.
    expect(page.locator("[data-testid=upload-errors]")).to_contain_text("jurisdiction_code")
    expect(page.locator("[data-testid=upload-errors]")).to_contain_text("110000")

    send("big.csv", header + row * 200)
    refusal = page.locator("main [data-testid=refusal]")
    expect(refusal).to_contain_text("413")
    expect(refusal).to_contain_text(_t(lang, "Content too large"))
    expect(refusal).to_contain_text(_too_large_text(lang))
    expect(refusal).to_contain_text(str(BODY_LIMIT))
    assert '"type"' not in page.inner_text("body")  # no raw problem+json


def test_problem_json_to_an_htmx_request_is_written_as_text(
    page: Any, live_server: LiveServer, people: People
) -> None:
    """An htmx request to an API route gets problem+json: the page shows its title, detail and
    errors as text in the target (never the raw JSON, never as markup)."""
    browser_login(page, live_server, "bj-env", people.password)
    page.goto(f"{live_server.url}/air/upload")
    page.wait_for_function("window.htmx !== undefined")
    # no file: the API refuses the request with a 422 problem naming the missing field
    page.evaluate(
        "htmx.ajax('POST', '/api/v1/air/observations/csv', "
        "{target: '#upload-result', swap: 'outerHTML', values: {units: '<b>x</b>'}})"
    )
    refusal = page.locator("#upload-result [data-testid=refusal]")
    expect(refusal).to_contain_text("422")
    expect(refusal).to_contain_text("file")
    assert '"type"' not in page.inner_text("#upload-result")
    assert page.locator("#upload-result b").count() == 0
