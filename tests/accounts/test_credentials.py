"""Password change, administrator reset, deactivation: API, pages and CLI; sessions and API
tokens end with them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.accounts.models import ApiToken, WebSession
from jingjinji.cli import app as cli_app
from jingjinji.config import get_settings
from tests.accounts.helpers import entries, form_token, try_login
from tests.conftest import People, csrf_from, login

NEW = "a brand new passphrase"


def _live_tokens(session_factory: sessionmaker[Session], user_id: int) -> int:
    with session_factory() as session:
        stmt = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        return len(list(session.scalars(stmt)))


def _sessions(session_factory: sessionmaker[Session], user_id: int) -> int:
    with session_factory() as session:
        stmt = select(WebSession).where(WebSession.user_id == user_id)
        return len(list(session.scalars(stmt)))


def test_api_password_change_ends_sessions_and_tokens(
    client: TestClient, people: People, session_factory: sessionmaker[Session], app: object
) -> None:
    user_id = people["bj-env"].user_id
    browser = TestClient(client.app)
    login(browser, "bj-env", people.password)
    headers = people.headers(session_factory, "bj-env")
    other = people.token(session_factory, "bj-env")
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not the password", "new_password": NEW},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == ["body", "current_password"]
    weak = client.post(
        "/api/v1/me/password",
        json={"current_password": people.password, "new_password": "bj-env-password"},
        headers=headers,
    )
    assert weak.status_code == 422 and "username" in weak.json()["errors"][0]["msg"]
    assert weak.json()["errors"][0]["loc"] == ["body", "new_password"]
    done = client.post(
        "/api/v1/me/password",
        json={"current_password": people.password, "new_password": NEW},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"sessions_ended": 1, "tokens_revoked": 2}
    assert _live_tokens(session_factory, user_id) == 0 and _sessions(session_factory, user_id) == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert browser.get("/account", follow_redirects=False).status_code == 303
    assert try_login(client, "bj-env", people.password).status_code == 401
    assert try_login(client, "bj-env", NEW).status_code == 303
    assert [d for _, d in entries(session_factory, "user.password.change", "ok")] == [
        {"sessions_ended": 1, "tokens_revoked": 2}
    ]
    assert len(entries(session_factory, "user.password.change", "refused")) == 2


def test_wrong_current_passwords_are_throttled(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "bj-env")
    body = {"current_password": "not the password", "new_password": NEW}
    for _ in range(3):
        assert client.post("/api/v1/me/password", json=body, headers=headers).status_code == 422
    refused = client.post(
        "/api/v1/me/password",
        json={"current_password": people.password, "new_password": NEW},
        headers=headers,
    )
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429


def test_web_password_change_rotates_the_session(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "bj-env", people.password)
    old_cookie = client.cookies.get("jjj_session")
    elsewhere = TestClient(client.app)
    login(elsewhere, "bj-env", people.password)
    page = client.get("/account")
    assert 'action="/account/password"' in page.text
    changed = client.post(
        "/account/password",
        data={
            "current_password": people.password,
            "new_password": NEW,
            "csrf_token": form_token(page.text),
        },
    )
    assert changed.status_code == 200, changed.text
    new_cookie = client.cookies.get("jjj_session")
    assert new_cookie and new_cookie != old_cookie
    assert client.get("/account").status_code == 200  # the rotated session works
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert _sessions(session_factory, people["bj-env"].user_id) == 1


def test_web_password_change_refusals_are_shown_on_the_account_page(
    client: TestClient, people: People
) -> None:
    client.cookies.set("jjj_lang", "en")
    login(client, "bj-env", people.password)
    token = form_token(client.get("/account").text)
    wrong = client.post(
        "/account/password",
        data={"current_password": "not it at all", "new_password": NEW, "csrf_token": token},
    )
    assert wrong.status_code == 422
    assert 'data-testid="account-error">The current password is wrong.' in wrong.text
    weak = client.post(
        "/account/password",
        data={"current_password": people.password, "new_password": "short", "csrf_token": token},
    )
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    for _ in range(2):  # three failures in all: the next attempt waits
        client.post(
            "/account/password",
            data={"current_password": "not it at all", "new_password": NEW, "csrf_token": token},
        )
    refused = client.post(
        "/account/password",
        data={"current_password": people.password, "new_password": NEW, "csrf_token": token},
    )
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert "Try again in 2 seconds" in refused.text
    assert client.get("/account").status_code == 200  # still logged in with the old session


def test_web_password_change_needs_the_csrf_token(client: TestClient, people: People) -> None:
    login(client, "bj-env", people.password)
    refused = client.post(
        "/account/password", data={"current_password": people.password, "new_password": NEW}
    )
    assert refused.status_code == 403


def test_reset_by_administrators_follows_the_province_rule(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    secret = people.token(session_factory, "he-env")
    body = {"new_password": NEW}
    tj_admin = people.headers(session_factory, "tj-admin")
    refused = client.post("/api/v1/users/he-env/password", json=body, headers=tj_admin)
    assert refused.status_code == 403
    assert entries(session_factory, "user.password.reset", "denied")
    steward = people.headers(session_factory, "bj-env")
    assert (
        client.post("/api/v1/users/he-env/password", json=body, headers=steward).status_code == 403
    )
    he_admin = people.headers(session_factory, "he-admin")
    assert (
        client.post("/api/v1/users/office/password", json=body, headers=he_admin).status_code == 403
    )
    done = client.post("/api/v1/users/he-env/password", json=body, headers=he_admin)
    assert done.status_code == 200 and done.json()["tokens_revoked"] == 1
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert try_login(client, "he-env", NEW).status_code == 303
    office = people.headers(session_factory, "office")
    weak = client.post(
        "/api/v1/users/tj-env/password", json={"new_password": "short"}, headers=office
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["loc"] == ["body", "new_password"]


def test_deactivation_ends_sessions_and_tokens_and_login(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    browser = TestClient(client.app)
    login(browser, "bj-analyst", people.password)
    secret = people.token(session_factory, "bj-analyst")
    bj_admin = people.headers(session_factory, "bj-admin")
    off = client.post("/api/v1/users/bj-analyst/deactivate", headers=bj_admin)
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert _sessions(session_factory, people["bj-analyst"].user_id) == 0
    assert _live_tokens(session_factory, people["bj-analyst"].user_id) == 0
    assert browser.get("/account", follow_redirects=False).status_code == 303
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert try_login(client, "bj-analyst", people.password).status_code == 401
    [(_entry, detail)] = entries(session_factory, "user.deactivate", "ok")
    assert detail == {"sessions_ended": 1, "tokens_revoked": 1}
    tj_admin = people.headers(session_factory, "tj-admin")
    assert client.post("/api/v1/users/bj-analyst/reactivate", headers=tj_admin).status_code == 403
    on = client.post("/api/v1/users/bj-analyst/reactivate", headers=bj_admin)
    assert on.status_code == 200 and on.json()["is_active"] is True
    assert try_login(client, "bj-analyst", people.password).status_code == 303
    own = client.post("/api/v1/users/bj-admin/deactivate", headers=bj_admin)
    assert own.status_code == 409


def test_user_administration_page(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "bj-admin", people.password)
    page = client.get("/account/users")
    assert page.status_code == 200
    assert 'data-username="bj-env"' in page.text and 'data-username="tj-env"' not in page.text
    token = form_token(page.text)
    reset = client.post(
        "/account/users/bj-env/password", data={"new_password": NEW, "csrf_token": token}
    )
    assert reset.status_code == 200
    assert try_login(TestClient(client.app), "bj-env", NEW).status_code == 303
    off = client.post("/account/users/bj-env/active", data={"active": "false", "csrf_token": token})
    assert off.status_code == 200
    assert try_login(TestClient(client.app), "bj-env", NEW).status_code == 401
    no_csrf = client.post("/account/users/bj-env/active", data={"active": "true"})
    assert no_csrf.status_code == 403
    other = TestClient(client.app)
    login(other, "tj-admin", people.password)
    refused = other.post(
        "/account/users/bj-stats/password",
        data={"new_password": NEW, "csrf_token": csrf_from(other.get("/account").text)},
    )
    assert refused.status_code == 403


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_reset_deactivate_activate_and_passwd(
    cli_env: Path, client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    runner = CliRunner()
    secret = people.token(session_factory, "tj-env")
    password_file = cli_env / "pw.txt"
    password_file.write_text(NEW + "\n")
    done = runner.invoke(
        cli_app,
        ["accounts", "reset-password", "--username=tj-env", f"--password-file={password_file}"],
    )
    assert done.exit_code == 0, done.output
    assert "1 API tokens revoked" in done.output
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert try_login(client, "tj-env", NEW).status_code == 303
    # hidden prompts: the current password, then the new one twice
    changed = runner.invoke(
        cli_app,
        ["accounts", "passwd", "--username=tj-env"],
        input=f"{NEW}\nanother long passphrase\nanother long passphrase\n",
    )
    assert changed.exit_code == 0, changed.output
    assert NEW not in changed.output
    weak = runner.invoke(
        cli_app,
        ["accounts", "passwd", "--username=tj-env"],
        input="another long passphrase\ntj-env-tj-env\ntj-env-tj-env\n",
    )
    assert weak.exit_code == 2 and "username" in weak.output
    off = runner.invoke(cli_app, ["accounts", "deactivate", "--username=tj-env"])
    assert off.exit_code == 0, off.output
    assert try_login(client, "tj-env", "another long passphrase").status_code == 401
    on = runner.invoke(cli_app, ["accounts", "activate", "--username=tj-env"])
    assert on.exit_code == 0, on.output
    assert try_login(client, "tj-env", "another long passphrase").status_code == 303
    missing = runner.invoke(cli_app, ["accounts", "deactivate", "--username=nobody-here"])
    assert missing.exit_code == 2 and "nobody-here" in missing.output
