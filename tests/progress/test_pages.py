"""The progress pages render in zh_CN and en, filter and group, and every marked string of the
domain has a zh_CN translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.timezone import china_today
from tests.conftest import People, login

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "jingjinji"
PAGES = [
    "/progress",
    "/progress?year=2020",
    "/progress/indicators",
    "/progress/indicators?area=ecology&group_by=status",
    "/progress/indicators?group_by=agency&jurisdiction=120000",
    "/progress/indicators/bh_pm25",
    "/progress/indicators/bh_hsr_length",
    "/progress/commitments",
    "/progress/commitments?group_by=agency",
    "/progress/commitments?area=ports&jurisdiction=130000&status=in_progress&group_by=jurisdiction",
    "/progress/commitments/bjtj-23",
    "/progress/report?year=2021",
    "/progress/report?year=2021&jurisdiction=120116",
]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh_CN", ["协同发展进展", "生态环境", "承诺事项"]),
        ("en", ["Coordinated-development progress", "Ecology and environment", "Commitments"]),
    ],
)
def test_pages_render_in_both_languages(
    client: TestClient,
    demo: People,
    lang: str,
    words: list[str],
) -> None:
    client.cookies.set("jjj_lang", lang)
    texts = []
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        # ECharts only where charts are drawn: the dashboard, an indicator, the report
        charts = url.split("?")[0] in ("/progress", "/progress/report") or url.startswith(
            "/progress/indicators/"
        )
        assert ("/static/vendor/echarts.min.js?v=" in r.text) is charts, url
        texts.append(r.text)
    blob = " ".join(texts)
    for w in words:
        assert w in blob, w
    report = texts[PAGES.index("/progress/report?year=2021")]
    assert report.count('data-testid="report-area"') == 10
    assert 'data-testid="report-pdf"' in report


def test_page_filters_and_grouping(client: TestClient, demo: People) -> None:
    client.cookies.set("jjj_lang", "en")
    grouped = client.get("/progress/commitments?group_by=area").text
    assert grouped.count('data-testid="group"') == 10
    ports = client.get("/progress/commitments?area=ports").text
    assert ports.count("<tr data-code=") == 6
    tj = client.get("/progress/indicators?jurisdiction=120000&status=substantial").text
    assert 'data-indicator="tj_carbon_trading_volume"' in tj
    assert 'data-indicator="bh_sei_share"' not in tj  # a single value: no_data
    pm = client.get("/progress/indicators/bh_pm25").text
    assert 'data-testid="series-chart"' in pm and "lower is better" in pm
    assert client.get("/progress/indicators/nope").status_code == 404
    assert client.get("/progress/report?year=2021&jurisdiction=zz").status_code == 422
    # bad filter values answer an error page, not a 500
    assert client.get("/progress/commitments?area=moon").status_code == 422
    assert client.get("/progress/indicators?group_by=colour").status_code == 422
    # numbers no Integer column holds (they overflowed the database parameter: a 500)
    assert client.get(f"/progress?year={10**30}").status_code == 200
    assert client.get(f"/progress/commitments?agency={10**30}").status_code == 200
    # a form sent with every field left blank filters nothing
    blank = client.get("/progress/commitments?area=&jurisdiction=&status=&agency=&group_by=")
    unfiltered = client.get("/progress/commitments").text.count("<tr data-code=")
    assert blank.status_code == 200
    assert blank.text.count("<tr data-code=") == unfiltered > 6
    every = client.get("/progress/indicators").text.count("data-indicator=")
    blank_year = client.get("/progress/indicators?year=&area=&status=&group_by=&jurisdiction=")
    assert blank_year.text.count("data-indicator=") == every


def test_status_form_on_the_commitment_page(
    client: TestClient,
    session_factory: sessionmaker[Session],
    demo: People,
) -> None:
    login(client, "office", demo.password)
    page = client.get("/progress/commitments/bjtj-30")
    assert 'data-testid="status-form"' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/progress/commitments/bjtj-30/status",
        data={"csrf_token": token, "status": "completed", "changed_on": "2099-01-01"},
    )
    assert r.status_code == 200 and 'data-testid="status-error"' in r.text
    r = client.post(
        "/progress/commitments/bjtj-30/status",
        data={"csrf_token": token, "status": "delayed", "changed_on": "2001-01-01"},
    )
    assert r.status_code == 200 and "cannot be dated before" in r.text
    today = china_today().isoformat()
    r = client.post(
        "/progress/commitments/bjtj-30/status",
        data={"csrf_token": token, "status": "delayed", "changed_on": today, "note": "funding"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    detail = client.get("/api/v1/progress/commitments/bjtj-30").json()
    assert detail["status"] == "delayed"
    assert [(h["status"], h["note"]) for h in detail["history"]][-1] == ("delayed", "funding")
    assert (
        client.post(
            "/progress/commitments/bjtj-30/status", data={"status": "delayed", "changed_on": today}
        ).status_code
        == 403
    )  # no CSRF token


def test_every_marked_string_is_translated() -> None:
    with (PACKAGE / "locale/zh_CN/LC_MESSAGES/progress.po").open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    translated = {m.id for m in catalog if m.id and m.string}
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "N_": None, "tr": (2,)}
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(PACKAGE / "progress"), method_map, options, keywords)
    }
    assert len(found) > 100
    assert sorted(found - translated) == []
