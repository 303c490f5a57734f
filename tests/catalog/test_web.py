"""Catalog pages in both languages, and the apply -> approve -> access flow through forms."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

import jingjinji.catalog
from jingjinji.catalog import service
from jingjinji.i18n import LOCALE_DIR
from jingjinji.timezone import china_today
from tests.catalog.support import SETTINGS, audit_entries, request_in
from tests.conftest import People, login

EN = {"accept-language": "en"}
ZH = {"accept-language": "zh-CN"}


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _client(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    login(client, username, password)
    return client


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (EN, ["Data catalog", "Unconditional sharing", "Open to the public"]),
        (ZH, ["数据目录", "共享属性", "无条件共享", "向社会开放"]),
    ],
)
def test_anonymous_browse_sees_open_datasets(
    client: TestClient, catalog: People, headers: dict[str, str], words: list[str]
) -> None:
    page = client.get("/catalog", headers=headers)
    assert page.status_code == 200
    for word in words:
        assert word in page.text
    assert re.findall(r'data-testid="dataset-row" data-code="([^"]+)"', page.text) == ["BJ-OPEN"]
    assert "Dataset BJ-OPEN" in page.text if headers is EN else "数据集 BJ-OPEN" in page.text
    detail = client.get("/catalog/BJ-OPEN", headers=headers)
    assert detail.status_code == 200
    assert '<span class="badge conditional" data-class="conditional">' in detail.text
    assert 'data-testid="apply-button"' not in detail.text
    # Anonymous visitors are sent to log in for the rest.
    hidden = client.get("/catalog/BJ-COND", follow_redirects=False)
    assert hidden.status_code in (302, 303, 307) and "/login" in hidden.headers["location"]


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        (EN, ["Your access", "Apply for access", "Conditional: your organisation holds no grant"]),
        (ZH, ["您的访问权限", "申请使用", "有条件共享：本单位未获得该字段的授权"]),
    ],
)
def test_detail_for_a_logged_in_outsider(
    app: FastAPI, catalog: People, headers: dict[str, str], words: list[str]
) -> None:
    client = _client(app, "he-analyst", catalog.password)
    page = client.get("/catalog/BJ-COND", headers=headers)
    assert page.status_code == 200
    for word in words:
        assert word in page.text, word
    assert 'data-testid="apply-button"' in page.text
    assert re.findall(r'name="fields" value="(\w+)"', page.text) == ["x", "y"]
    assert 'data-readable="0"' in page.text
    filtered = client.get("/catalog", params={"sharing_class": "conditional"}, headers=headers)
    assert re.findall(r'data-code="([^"]+)" data-class', filtered.text) == ["BJ-COND"]


def test_apply_approve_then_access_through_forms(
    app: FastAPI, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    analyst = _client(app, "he-analyst", catalog.password)
    detail = analyst.get("/catalog/BJ-COND", headers=EN)
    today = china_today()
    applied = analyst.post(
        "/catalog/BJ-COND/apply",
        data={
            "csrf_token": _csrf(detail.text),
            "fields": ["x", "y"],
            "purpose": "Cross-border enforcement",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=90)).isoformat(),
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    mine = analyst.get(applied.headers["location"], headers=EN)
    assert 'data-testid="notice"' in mine.text
    assert re.findall(
        r'data-testid="request-row" data-request-id="(\d+)" data-status="(\w+)"', mine.text
    ) == [("1", "pending")]
    assert 'data-testid="approve-button"' not in mine.text
    assert 'data-testid="pending-request"' in analyst.get("/catalog/BJ-COND").text

    steward = _client(app, "bj-env", catalog.password)
    queue = steward.get("/access-requests", headers=ZH)
    assert "待我审核" in queue.text
    assert 'data-testid="approve-button"' in queue.text
    nothing_ticked = steward.post(
        "/access-requests/1/decide",
        data={"csrf_token": _csrf(queue.text), "decision": "approve"},
    )
    assert nothing_ticked.status_code == 422
    assert 'data-testid="form-errors"' in nothing_ticked.text
    decided = steward.post(
        "/access-requests/1/decide",
        data={
            "csrf_token": _csrf(queue.text),
            "decision": "approve",
            "fields": ["y"],
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303
    after = steward.get("/access-requests", headers=EN)
    assert 'data-testid="revoke-button"' in after.text

    granted = analyst.get("/catalog/BJ-COND", headers=EN)
    assert 'data-testid="access-granted"' in granted.text
    assert 'data-field="y" data-readable="true"' in granted.text
    assert 'data-field="x" data-readable="false"' in granted.text
    assert re.findall(r'data-testid="preview-row"><td>(\w+)</td>', granted.text) == ["10", "20"]
    # Reading Beijing data from Hebei (the preview) is audited.
    assert [
        e.actor_username for e in audit_entries(session_factory, action="catalog.records.read")
    ] == ["he-analyst"]

    grant_id = re.findall(r'data-testid="grant-row" data-grant-id="(\d+)"', after.text)[0]
    revoked = steward.post(
        f"/access-grants/{grant_id}/revoke",
        data={"csrf_token": _csrf(after.text), "reason": "Project finished"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert 'data-testid="access-granted"' not in analyst.get("/catalog/BJ-COND").text


def test_forms_need_csrf_and_valid_input(app: FastAPI, catalog: People) -> None:
    analyst = _client(app, "he-analyst", catalog.password)
    today = china_today().isoformat()
    forged = analyst.post(
        "/catalog/BJ-COND/apply",
        data={"fields": ["x"], "purpose": "p", "period_start": today, "period_end": today},
    )
    assert forged.status_code == 403
    page = analyst.get("/catalog/BJ-COND", headers=EN)
    empty = analyst.post(
        "/catalog/BJ-COND/apply",
        data={
            "csrf_token": _csrf(page.text),
            "purpose": "p",
            "period_start": today,
            "period_end": "not-a-date",
        },
        headers=EN,
    )
    assert empty.status_code == 422
    assert 'data-testid="form-errors"' in empty.text
    assert "fields" in empty.text and "period_end" in empty.text
    steward = _client(app, "bj-env", catalog.password)
    queue = steward.get("/access-requests")
    unknown = steward.post(
        "/access-requests/999/decide", data={"csrf_token": _csrf(queue.text), "decision": "reject"}
    )
    assert unknown.status_code == 404


def test_reject_and_escalated_pages(
    app: FastAPI, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with session_factory() as session:
        overdue = service.create_access_request(
            session,
            actor=catalog["tj-analyst"],
            data=request_in("BJ-COND", ["x"]),
            settings=SETTINGS,
            now=long_ago,
        )
        fresh = service.create_access_request(
            session,
            actor=catalog["he-analyst"],
            data=request_in("BJ-COND", ["y"]),
            settings=SETTINGS,
        )
        service.escalate_overdue(session)
        session.commit()
        overdue_id, fresh_id = overdue.id, fresh.id
    steward = _client(app, "bj-env", catalog.password)
    queue = steward.get("/access-requests", headers=EN)
    rejected = steward.post(
        f"/access-requests/{fresh_id}/decide",
        data={"csrf_token": _csrf(queue.text), "decision": "reject", "reason": ""},
        headers=EN,
    )
    assert rejected.status_code == 422 and "reason" in rejected.text
    rejected = steward.post(
        f"/access-requests/{fresh_id}/decide",
        data={
            "csrf_token": _csrf(queue.text),
            "decision": "reject",
            "reason": "Not covered by an agreement",
        },
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    office = _client(app, "office", catalog.password)
    page = office.get("/access-requests", headers=ZH)
    assert "已上报协调办" in page.text
    rows = re.findall(r'data-request-id="(\d+)" data-status="(\w+)"', page.text)
    assert (str(overdue_id), "escalated") in rows
    section = page.text.split('id="escalated"', 1)[1]
    assert f'action="/access-requests/{overdue_id}/decide"' in section
    assert 'data-testid="overdue"' in section
    analyst = _client(app, "he-analyst", catalog.password)
    mine = analyst.get("/access-requests", headers=EN)
    assert "Not covered by an agreement" in mine.text


def test_region_page_renders_in_both_languages(client: TestClient, people: People) -> None:
    zh = client.get("/region", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "河北省" in zh.text and "区域概况" in zh.text
    client.cookies.set("jjj_lang", "en")
    en = client.get("/region")
    assert "Region overview" in en.text and "Hebei" in en.text


def test_region_page_shows_organisations_and_published_datasets(
    client: TestClient, catalog: People
) -> None:
    """The region overview (served by the catalog) puts each province's organisations and
    subdivisions next to the datasets it publishes."""
    page = client.get("/region", headers=EN)
    assert page.status_code == 200
    beijing = page.text.split('data-testid="jurisdiction-110000"', 1)[1].split("</section>", 1)[0]
    for label, count in (
        ("unconditional", 2),
        ("conditional", 1),
        ("not shared", 1),
        ("open to the public", 1),
    ):
        assert f"{label}: {count}</span>" in beijing, label
    assert f'href="/catalog?organisation={catalog.organisations["bj_env"]}"' in beijing
    assert "Cities and districts (16)" in beijing
    hebei = page.text.split('data-testid="jurisdiction-130000"', 1)[1].split("</section>", 1)[0]
    assert "unconditional: 0</span>" in hebei


def test_access_requests_page_needs_login(client: TestClient) -> None:
    response = client.get("/access-requests", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login")


def test_every_marked_string_is_translated() -> None:
    package = Path(jingjinji.catalog.__file__).parent
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    marked = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(package), method_map=method_map, options_map=options
        )
        if isinstance(message, str)
    }
    assert len(marked) > 50
    # The catalog's topics: catalog.po and catalog_pages.po (the dataset page's additions).
    translated: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("catalog*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        translated |= {
            m.id: m.string
            for m in catalog
            if m.id and isinstance(m.id, str) and isinstance(m.string, str)
        }
    missing = sorted(m for m in marked if not translated.get(m))
    assert missing == []
    for msgid, text in translated.items():  # placeholders survive translation
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text))
