"""Error pages: a browser asking for a page that fails gets HTML in the user's language with the
user's own navigation (name, role, links), never raw problem+json; the API keeps problem+json.

Covered: an unknown address (404), a page the user may not see (403), a page form whose values
cannot be read (422, as a page and as the htmx fragment), a method the page does not take (405)
and a failure of a service behind a page (500, forced by replacing the service in the test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.exc import OperationalError

from jingjinji.catalog import flows as catalog_flows
from tests.conftest import People, csrf_from, login

BROWSER = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
ZH = {**BROWSER, "accept-language": "zh-CN,zh;q=0.9"}
PROBLEM = "application/problem+json"


def _is_page(response: Response, status: int) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert "problem" not in response.headers["content-type"]
    return response.text


def _has_own_navigation(html: str, username: str) -> None:
    """The header of every page: the user's name and role, the account link, log out."""
    assert f'data-testid="who">{username} · ' in html
    assert 'href="/account"' in html and 'action="/logout"' in html
    assert 'href="/login?next=' not in html
    assert 'class="mainnav"' in html


@pytest.fixture
def signed_in(client: TestClient, people: People) -> TestClient:
    login(client, "bj-env", people.password)
    return client


def test_unknown_address_shows_the_users_navigation_in_chinese(signed_in: TestClient) -> None:
    html = _is_page(signed_in.get("/no-such-page", headers=ZH), 404)
    _has_own_navigation(html, "bj-env")
    assert '<html lang="zh-CN">' in html
    assert "404 · 未找到" in html and "此地址没有页面。" in html


def test_unknown_address_in_english_for_an_english_browser(signed_in: TestClient) -> None:
    english = {**BROWSER, "accept-language": "en-GB,en;q=0.9"}
    html = _is_page(signed_in.get("/air/no-such-page", headers=english), 404)
    _has_own_navigation(html, "bj-env")
    assert "404 · Not found" in html and "There is no page at this address." in html


def test_language_cookie_wins_on_an_error_page(signed_in: TestClient) -> None:
    signed_in.get("/lang/zh_CN?next=/region", follow_redirects=False)
    html = _is_page(signed_in.get("/no-such-page", headers=BROWSER), 404)
    assert "404 · 未找到" in html
    _has_own_navigation(html, "bj-env")


def test_anonymous_error_page_offers_the_login(client: TestClient, people: People) -> None:
    html = _is_page(client.get("/no-such-page", headers=BROWSER), 404)
    assert 'href="/login?next=/no-such-page"' in html
    assert 'data-testid="who"' not in html


def test_forbidden_page_shows_the_users_navigation(signed_in: TestClient) -> None:
    html = _is_page(signed_in.get("/audit", headers=ZH), 403)
    _has_own_navigation(html, "bj-env")
    assert "403 · 无权操作" in html


def test_unreadable_page_form_is_a_page_naming_the_field(signed_in: TestClient) -> None:
    token = csrf_from(signed_in.get("/account").text)
    response = signed_in.post(
        "/account/tokens",
        data={"name": "report", "days_valid": "ninety", "csrf_token": token},
        headers=ZH,
    )
    html = _is_page(response, 422)
    _has_own_navigation(html, "bj-env")
    assert "422 · 输入有误" in html and "表单中有值无法读取；未做任何更改。" in html
    assert "<td>days_valid</td>" in html


def test_unreadable_page_form_sent_by_htmx_gets_the_fragment(signed_in: TestClient) -> None:
    token = csrf_from(signed_in.get("/account").text)
    response = signed_in.post(
        "/account/tokens",
        data={"name": "report", "days_valid": "0", "csrf_token": token},
        headers={**ZH, "hx-request": "true", "hx-target": "token-result"},
    )
    html = _is_page(response, 422)
    assert html.lstrip().startswith('<div id="token-result" data-testid="refusal"')
    assert "<html" not in html
    assert "days_valid" in html and "输入有误" in html


def test_bad_query_of_a_page_is_a_page(signed_in: TestClient) -> None:
    response = signed_in.get("/air/cities/110000?start=notadate", headers=ZH)
    html = _is_page(response, 422)
    _has_own_navigation(html, "bj-env")
    assert "<td>start</td>" in html


def test_method_the_page_does_not_take_is_a_page_with_allow(signed_in: TestClient) -> None:
    response = signed_in.request("DELETE", "/region", headers=ZH)
    html = _is_page(response, 405)
    _has_own_navigation(html, "bj-env")
    assert "405 · 不支持该请求方式" in html
    assert response.headers["allow"] == "GET"


@pytest.fixture
def fragile(app: FastAPI, people: People) -> Iterator[TestClient]:
    """A client that answers server failures (as a browser sees them) instead of raising."""
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "he-env", people.password)
        yield client


def test_a_failing_service_gives_the_500_page(
    fragile: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the region overview broke")

    monkeypatch.setattr(catalog_flows, "region_overview", broken)
    html = _is_page(fragile.get("/region", headers=ZH), 500)
    _has_own_navigation(html, "he-env")
    assert "500 · 服务器内部错误" in html
    assert "the region overview broke" not in html  # the cause is logged, never shown


def test_a_database_failure_gives_the_500_page(
    fragile: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(catalog_flows, "region_overview", broken)
    html = _is_page(fragile.get("/region", headers=BROWSER), 500)
    _has_own_navigation(html, "he-env")
    assert "500 · 服务器内部错误" in html and "disk I/O error" not in html


def test_the_api_keeps_problem_json(fragile: TestClient) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v1/warnings/99999"):
        response = fragile.get(path, headers=BROWSER)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
    invalid = fragile.get("/api/v1/warnings?limit=many", headers=BROWSER)
    assert invalid.status_code == 422 and invalid.headers["content-type"] == PROBLEM
    assert invalid.json()["errors"][0]["loc"] == ["query", "limit"]
    wrong_method = fragile.request("DELETE", "/api/v1/warnings", headers=BROWSER)
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == PROBLEM


def test_api_client_asking_for_json_off_api_gets_problem_json(client: TestClient) -> None:
    """A script (no HTML accepted) that hits a page with a method it does not take."""
    response = client.request("DELETE", "/region", headers={"accept": "application/json"})
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
