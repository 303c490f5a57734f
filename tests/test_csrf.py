"""CSRF tokens bound to the session, cookie flags, and the audit of refusals made before any
service runs (``csrf.refused``, ``api.unauthenticated``) with its per-address rate limit."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.app import create_app
from jingjinji.audit.models import AuditEntry
from jingjinji.config import Settings
from jingjinji.refusals import RefusalLog
from jingjinji.web import CSRF_COOKIE, SECURE_CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import People, csrf_from, login


class Clock:
    """A monotonic clock the test moves by hand (the refusal log's windows are a minute)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    clock = Clock()
    app.state.refusal_log = RefusalLog(clock=clock)
    return clock


def _entries(factory: sessionmaker[Session], action: str) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        ).all()
        return [
            {
                "actor": row.actor_username,
                "outcome": row.outcome,
                "object_id": row.object_id,
                **json.loads(row.detail_json),
            }
            for row in rows
        ]


def _plant(client: TestClient, name: str, value: str) -> None:
    """Replace the browser's cookie, as a cookie set by a sibling subdomain would."""
    client.cookies.delete(name)
    client.cookies.set(name, value, domain="testserver.local")
    assert client.cookies.get(name) == value


def _login_form_token(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _create_token(client: TestClient, csrf: str, name: str = "cli") -> Any:
    """A cookie-authenticated API write (as htmx sends one): needs the X-CSRF-Token header."""
    return client.post("/api/v1/tokens", json={"name": name}, headers={"X-CSRF-Token": csrf})


def test_own_session_token_is_accepted(client: TestClient, people: People, clock: Clock) -> None:
    login(client, "bj-env", people.password)
    token = csrf_from(client.get("/account").text)
    assert _create_token(client, token).status_code == 201
    # The form field works as the header does (logout is a plain form post).
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_planted_nonce_cookie_with_its_token_is_refused_and_audited(
    app: FastAPI,
    session_factory: sessionmaker[Session],
    people: People,
    clock: Clock,
) -> None:
    """The attack of issue 10: the attacker fetches /login, keeps the nonce cookie and its
    token, plants the cookie in the victim's browser (a sibling subdomain, plain http) and
    posts the token. Signed double-submit over the nonce let that through for any session."""
    with TestClient(app) as attacker, TestClient(app) as victim:
        attacker_token = _login_form_token(attacker)
        attacker_nonce = attacker.cookies.get(CSRF_COOKIE)
        assert attacker_nonce
        login(victim, "bj-env", people.password)
        _plant(victim, CSRF_COOKIE, attacker_nonce)
        refused = _create_token(victim, attacker_token)
        assert refused.status_code == 403, refused.text
        assert "does not match this session" in refused.json()["detail"]
        form = victim.post("/logout", data={"csrf_token": attacker_token}, follow_redirects=False)
        assert form.status_code == 403
        # The victim is still signed in: the forged logout did nothing.
        assert victim.get("/api/v1/me").status_code == 200
    entries = _entries(session_factory, "csrf.refused")
    # Two refusals from one address within a minute: one entry.
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["outcome"] == "denied"
    assert entry["path"] == "/api/v1/tokens" and entry["method"] == "POST"
    assert entry["signed_in"] is True and entry["token"] == "mismatch"
    assert entry["address"] == "testclient"


def test_token_of_another_session_is_refused(
    app: FastAPI, session_factory: sessionmaker[Session], people: People, clock: Clock
) -> None:
    with TestClient(app) as mine, TestClient(app) as other:
        login(mine, "bj-env", people.password)
        login(other, "bj-env", people.password)  # the same user, another session
        other_token = csrf_from(other.get("/account").text)
        assert _create_token(mine, other_token).status_code == 403
        mine_token = csrf_from(mine.get("/account").text)
        assert _create_token(mine, mine_token).status_code == 201


def test_pre_login_token_is_rotated_at_login(client: TestClient, people: People) -> None:
    anonymous_token = _login_form_token(client)
    login(client, "bj-env", people.password)
    # The form token of the anonymous page does not work for the signed-in session ...
    assert _create_token(client, anonymous_token).status_code == 403
    # ... and the first page after login drops the pre-session nonce.
    page = client.get("/account")
    assert f'{CSRF_COOKIE}=""' in page.headers.get("set-cookie", ""), page.headers
    assert client.cookies.get(CSRF_COOKIE) is None
    assert _create_token(client, csrf_from(page.text)).status_code == 201


def test_tokens_differ_per_page_but_all_work(client: TestClient, people: People) -> None:
    """A random salt per rendering: a compressed page never repeats the same secret."""
    login(client, "bj-env", people.password)
    first = csrf_from(client.get("/account").text)
    second = csrf_from(client.get("/account").text)
    assert first != second
    assert _create_token(client, first, "a").status_code == 201
    assert _create_token(client, second, "b").status_code == 201


def test_missing_token_is_refused_and_audited(
    client: TestClient, session_factory: sessionmaker[Session], people: People, clock: Clock
) -> None:
    login(client, "bj-env", people.password)
    assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 403
    [entry] = _entries(session_factory, "csrf.refused")
    assert entry["token"] == "missing" and entry["path"] == "/api/v1/tokens"


def test_refusal_audit_is_rate_limited_per_address(
    client: TestClient, session_factory: sessionmaker[Session], people: People, clock: Clock
) -> None:
    login(client, "bj-env", people.password)
    for _ in range(5):
        assert _create_token(client, "salt.forged").status_code == 403
    assert len(_entries(session_factory, "csrf.refused")) == 1
    clock.now += 59.0
    assert _create_token(client, "salt.forged").status_code == 403
    assert len(_entries(session_factory, "csrf.refused")) == 1
    clock.now += 1.0  # the minute is over: the next refusal is recorded with the count
    assert _create_token(client, "salt.forged").status_code == 403
    entries = _entries(session_factory, "csrf.refused")
    assert [e["earlier_unrecorded"] for e in entries] == [0, 5]
    # Another address has its own window.
    with TestClient(client.app, client=("192.0.2.7", 50000)) as elsewhere:
        login(elsewhere, "bj-env", people.password)
        assert _create_token(elsewhere, "salt.forged").status_code == 403
    addresses = [e["address"] for e in _entries(session_factory, "csrf.refused")]
    assert addresses == ["testclient", "testclient", "192.0.2.7"]


def test_refusal_log_is_bounded() -> None:
    clock = Clock()
    log = RefusalLog(max_tracked=3, clock=clock)
    assert [log.admit("a", f"10.0.0.{i}") for i in range(3)] == [0, 0, 0]
    # Full, every window open: a new address shares the "*" counter.
    assert log.admit("a", "10.0.0.9") == 0
    assert log.admit("a", "10.0.0.10") is None
    assert log.tracked() == 4  # three addresses and the shared counter
    clock.now += 61.0  # the windows ended: they are dropped to make room
    assert log.admit("a", "10.0.0.11") == 0
    assert log.tracked() == 1


def test_anonymous_api_401_is_audited_once_per_minute(
    client: TestClient, session_factory: sessionmaker[Session], clock: Clock
) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/tokens").status_code == 401
    [entry] = _entries(session_factory, "api.unauthenticated")
    assert entry["outcome"] == "denied" and entry["actor"] == "anonymous"
    assert entry["path"] == "/api/v1/me" and entry["method"] == "GET"
    assert entry["bad_token"] is False
    clock.now += 60.0
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer jjj_not-a-token"})
    assert bad.status_code == 401
    entries = _entries(session_factory, "api.unauthenticated")
    assert [(e["bad_token"], e["earlier_unrecorded"]) for e in entries] == [
        (False, 0),
        (True, 1),
    ]
    # Pages are not API refusals: an anonymous page is a redirect to the login, not audited.
    clock.now += 60.0
    assert client.get("/account", follow_redirects=False).status_code in {302, 303}
    assert len(_entries(session_factory, "api.unauthenticated")) == 2


def _cookie_headers(response: Any) -> dict[str, str]:
    """Set-Cookie headers by cookie name, lower-cased."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header.lower()
    return found


def test_cookies_are_secure_over_https(
    settings: Settings, session_factory: sessionmaker[Session], people: People
) -> None:
    """The default setting (secure_cookies=True): every cookie Secure, the CSRF nonce a
    __Host- cookie (no Domain, path /), the session HttpOnly and SameSite=Lax; HSTS sent."""
    secure = dataclasses.replace(settings, secure_cookies=True)
    app = create_app(secure, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        csrf = _cookie_headers(page)[SECURE_CSRF_COOKIE]
        assert "; secure" in csrf and "; httponly" in csrf and "samesite=lax" in csrf
        assert "path=/" in csrf and "domain=" not in csrf
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/login",
            data={"username": "office", "password": people.password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session = _cookie_headers(response)[SESSION_COOKIE]
        assert "; secure" in session and "; httponly" in session and "samesite=lax" in session
        language = _cookie_headers(client.get("/lang/en", follow_redirects=False))["jjj_lang"]
        assert "; secure" in language and "; httponly" in language
    plain = create_app(settings, session_factory=session_factory)
    with TestClient(plain) as client:
        page = client.get("/login")
        assert "strict-transport-security" not in page.headers
        assert "; secure" not in _cookie_headers(page)[CSRF_COOKIE]


def test_plain_named_nonce_cookie_is_ignored_when_secure(
    settings: Settings, session_factory: sessionmaker[Session], people: People
) -> None:
    secure = dataclasses.replace(settings, secure_cookies=True)
    app = create_app(secure, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver") as client:
        token = _login_form_token(client)
        nonce = client.cookies[SECURE_CSRF_COOKIE]
        client.cookies.delete(SECURE_CSRF_COOKIE)
        _plant(client, CSRF_COOKIE, nonce)
        response = client.post(
            "/login",
            data={"username": "office", "password": people.password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 403, response.text


def test_secure_cookies_by_default_and_off_only_for_local_plain_http(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from jingjinji.cli import _demo_settings
    from jingjinji.config import load_settings

    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("JJJ_SECURE_COOKIES", raising=False)
    monkeypatch.delenv("JJJ_INSECURE_HTTP", raising=False)
    default = load_settings()
    assert default.secure_cookies is True
    # The demo serves plain http: on a loopback host its cookies are not Secure ...
    for host in ("127.0.0.1", "localhost", "::1"):
        assert _demo_settings(default, host).secure_cookies is False
    # ... on any other host they stay Secure (it has to be put behind HTTPS).
    assert _demo_settings(default, "0.0.0.0").secure_cookies is True
    monkeypatch.setenv("JJJ_INSECURE_HTTP", "1")
    assert load_settings().secure_cookies is False
    monkeypatch.delenv("JJJ_INSECURE_HTTP")
    monkeypatch.setenv("JJJ_SECURE_COOKIES", "0")
    assert load_settings().secure_cookies is False
