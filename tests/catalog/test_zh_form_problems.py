"""Issue 15: the catalog's forms say what is wrong in the reader's language, the field by its
label on the form, never pydantic's English (both databases)."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import People, login

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}
PYDANTIC = ("should have", "Input should", "Value error", "Field required")


def _client(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    login(client, username, password)
    return client


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _apply(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get("/catalog/BJ-COND", headers=headers)
    answer = client.post(
        "/catalog/BJ-COND/apply",
        data={
            "csrf_token": _csrf(page.text),
            "purpose": "",
            "period_start": dt.date.today().isoformat(),
            "period_end": "31.12.2099",
        },
        headers=headers,
    )
    assert answer.status_code == 422
    assert 'data-testid="form-errors"' in answer.text
    return answer.text


def test_the_apply_form_lists_its_problems_in_chinese(app: FastAPI, catalog: People) -> None:
    text = _apply(_client(app, "he-analyst", catalog.password), ZH)
    assert "用途：不得为空" in text
    assert "字段：至少选择一项" in text
    assert "使用截止日期：日期应写作 YYYY-MM-DD（ISO 8601），而不是 &#39;31.12.2099&#39;" in text
    assert not any(english in text for english in PYDANTIC)


def test_the_apply_form_lists_its_problems_in_english(app: FastAPI, catalog: People) -> None:
    text = _apply(_client(app, "he-analyst", catalog.password), EN)
    assert "Purpose: must not be blank" in text
    assert "Access until: a date is written YYYY-MM-DD (ISO 8601)" in text
    assert not any(english in text for english in PYDANTIC)


def test_a_decision_outside_the_allowed_values_reads_in_chinese(
    app: FastAPI, catalog: People
) -> None:
    steward = _client(app, "bj-env", catalog.password)
    queue = steward.get("/access-requests", headers=ZH)
    answer = steward.post(
        "/access-requests/1/decide",
        data={"csrf_token": _csrf(queue.text), "decision": "maybe"},
        headers=ZH,
    )
    assert answer.status_code == 422
    assert "不是允许的取值之一，可选：&#39;approve&#39;、&#39;reject&#39;" in answer.text
    assert not any(english in answer.text for english in PYDANTIC)


def test_an_end_before_the_start_names_the_start_by_its_label(
    app: FastAPI, catalog: People
) -> None:
    """Found by trying the demo: the Chinese read "结束日期早于 period_start", a bare code."""
    client = _client(app, "he-analyst", catalog.password)
    page = client.get("/catalog/BJ-COND", headers=ZH)
    answer = client.post(
        "/catalog/BJ-COND/apply",
        data={
            "csrf_token": _csrf(page.text),
            "fields": "x",
            "purpose": "研究",
            "period_start": "2099-05-10",
            "period_end": "2099-01-10",
        },
        headers=ZH,
    )
    assert answer.status_code == 422
    assert "使用截止日期：早于使用起始日期" in answer.text
    assert "period_start" not in answer.text.split('data-testid="form-errors"', 1)[1][:400]
