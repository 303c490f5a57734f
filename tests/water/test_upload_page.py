"""/water/upload: the form for stewards and administrators; a refused file lists its rows,
columns and reasons in the reader's language (htmx fragment or whole page); a good file shows
its counts. The browser test does the same in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.water.models import Sample
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People, login
from tests.water.conftest import WaterNetwork

HEADER = "section_code,sampled_at,kind,nh3n,do\n"
GOOD = HEADER + "BJ-HE-01,2025-07-01T08:00,manual,1.2,6.5\nBJ-HE-01,2025-08-01T08:00,manual,0.9,\n"
BAD = HEADER + "BJ-HE-01,2025-07-01T08:00,manual,x,6.5\nBJ-HE-01,2025-07-01T08:00,manual,-1,\n"


def _form(client: TestClient, lang: str) -> str:
    page = client.get("/water/upload", headers={"accept-language": lang})
    assert page.status_code == 200
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _send(client: TestClient, content: str, *, lang: str, htmx: bool = True) -> tuple[int, str]:
    token = _form(client, lang)
    headers = {"accept-language": lang}
    if htmx:
        headers |= {"HX-Request": "true", "HX-Target": "upload-result"}
    answer = client.post(
        "/water/upload",
        data={"csrf_token": token},
        files={"file": ("july.csv", content.encode(), "text/csv")},
        headers=headers,
    )
    return answer.status_code, answer.text


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Sample)) or 0)


def test_the_form_lists_the_sections_the_steward_writes(
    client: TestClient, people: People, water_sections: WaterNetwork
) -> None:
    login(client, "he-env", people.password)
    page = client.get("/water/upload", headers={"accept-language": "en"})
    assert 'data-testid="upload-form"' in page.text
    assert "HE-TJ-01" in page.text and "HE-PROV-01" in page.text
    assert "BJ-HE-01 (" not in page.text


def test_an_analyst_is_told_who_uploads(
    client: TestClient, people: People, water_sections: WaterNetwork
) -> None:
    login(client, "bj-analyst", people.password)
    page = client.get("/water/upload", headers={"accept-language": "zh-CN"})
    assert 'data-testid="may-not-upload"' in page.text
    assert 'data-testid="upload-form"' not in page.text
    assert "只有监测机构的数据管理员和管理员可以上传监测数据" in page.text


def test_the_public_is_sent_to_log_in(client: TestClient, water_sections: WaterNetwork) -> None:
    answer = client.get("/water/upload", follow_redirects=False)
    assert answer.status_code in (303, 401)


@pytest.mark.parametrize(
    ("lang", "reasons"),
    [
        ("en", ("not a number", "a value cannot be negative")),
        ("zh-CN", ("不是数字", "数值不能为负")),
    ],
)
def test_a_refused_file_lists_rows_columns_and_reasons(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
    lang: str,
    reasons: tuple[str, str],
) -> None:
    login(client, "bj-env", people.password)
    status, html = _send(client, BAD, lang=lang)
    assert status == 422
    assert html.lstrip().startswith('<div id="upload-result"')
    assert 'data-row="2" data-column="nh3n"' in html
    assert 'data-row="3" data-column="nh3n"' in html
    for reason in reasons:
        assert reason in html
    assert _count(session_factory) == 0
    # A plain form post gets the whole page with the same list.
    status, page = _send(client, BAD, lang=lang, htmx=False)
    assert status == 422
    assert 'data-testid="upload-form"' in page and 'data-row="3"' in page


def test_a_good_file_shows_its_counts(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    login(client, "bj-env", people.password)
    status, html = _send(client, GOOD, lang="zh-CN")
    assert status == 200
    assert '<dd data-testid="rows-received">2</dd>' in html
    assert '<dd data-testid="inserted">3</dd>' in html
    status, again = _send(client, GOOD, lang="en")
    assert '<dd data-testid="unchanged">3</dd>' in again
    assert _count(session_factory) == 3


def test_another_agencys_section_is_refused_on_the_page(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    login(client, "tj-env", people.password)
    status, html = _send(client, GOOD, lang="zh-CN")
    assert status == 403
    assert 'data-testid="upload-denied"' in html
    assert "您无权写入文件中某个断面的监测数据" in html
    assert "BJ-HE-01" in html
    assert _count(session_factory) == 0


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    login(client, "bj-env", people.password)
    answer = client.post("/water/upload", files={"file": ("a.csv", GOOD.encode(), "text/csv")})
    assert answer.status_code == 403
    assert _count(session_factory) == 0


@pytest.mark.browser
def test_in_a_browser_a_refused_file_shows_its_rows_and_a_good_one_its_counts(
    page: Any,
    live_server: LiveServer,
    people: People,
    session_factory: sessionmaker[Session],
    water_sections: WaterNetwork,
    tmp_path: Path,
) -> None:
    browser_login(page, live_server, "bj-env", people.password)
    page.goto(f"{live_server.url}/water/upload")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    page.set_input_files("[data-testid=upload-file]", str(bad))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=upload-errors]")
    rows = page.locator("[data-testid=upload-error]")
    assert rows.count() == 2
    assert (rows.nth(0).get_attribute("data-row"), rows.nth(0).get_attribute("data-column")) == (
        "2",
        "nh3n",
    )
    assert rows.nth(1).get_attribute("data-row") == "3"
    assert _count(session_factory) == 0

    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.set_input_files("[data-testid=upload-file]", str(good))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=upload-stored]")
    assert page.inner_text("[data-testid=inserted]") == "3"
    assert _count(session_factory) == 3


def test_the_size_limit_reads_as_one_sentence_in_each_language(
    client: TestClient, people: People, water_sections: WaterNetwork
) -> None:
    """Found by trying the demo: the zh-CN page read "最大 5 MB." (an English full stop)."""
    login(client, "he-env", people.password)
    zh = client.get("/water/upload", headers={"accept-language": "zh-CN"}).text
    assert re.search(r'data-testid="upload-limit">最大 \d+ MB。</p>', zh)
    en = client.get("/water/upload", headers={"accept-language": "en"}).text
    assert re.search(r'data-testid="upload-limit">At most \d+ MB\.</p>', en)
