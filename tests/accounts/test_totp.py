"""The TOTP second factor: enrolment from the account page, the two-step login, replayed
and wrong codes refused, throttled like passwords, disabled with password and code."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.accounts import totp
from jingjinji.accounts.models import User
from jingjinji.app import create_app
from jingjinji.cli import app as cli_app
from jingjinji.config import Settings, get_settings
from tests.accounts.helpers import entries, form_token, try_login
from tests.conftest import People, login


def _code(secret: str, steps_ahead: int = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)


def _enrol(client: TestClient, username: str, password: str) -> str:
    """Log in, enrol and confirm a second factor; the secret. The confirming code is the
    current step's, so the next usable one is a step ahead."""
    login(client, username, password)
    page = client.get("/account")
    started = client.post("/account/totp", data={"csrf_token": form_token(page.text)})
    assert started.status_code == 200
    secret = started.text.split('data-testid="totp-secret">', 1)[1].split("<", 1)[0]
    uri = started.text.split('data-testid="totp-uri">', 1)[1].split("<", 1)[0]
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    wrong = client.post(
        "/account/totp/confirm",
        data={
            "code": "000000" if _code(secret) != "000000" else "111111",
            "csrf_token": form_token(started.text),
        },
    )
    assert wrong.status_code == 422
    confirmed = client.post(
        "/account/totp/confirm",
        data={"code": _code(secret), "csrf_token": form_token(started.text)},
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret


def _password_step(client: TestClient, username: str, password: str) -> str:
    response = try_login(client, username, password)
    assert response.status_code == 200, response.text
    assert 'action="/login/totp"' in response.text
    assert "jjj_session" not in response.cookies
    return form_token(response.text)


def test_two_step_login_and_replay_refused(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    secret = _enrol(client, "office", people.password)
    fresh = TestClient(client.app)
    token = _password_step(fresh, "office", people.password)
    challenge = fresh.cookies.get("jjj_login_challenge")
    assert challenge
    step = pyotp.TOTP(secret).timecode(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    code = _code(secret, 1)
    done = fresh.post(
        "/login/totp", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and fresh.cookies.get("jjj_session")
    assert fresh.get("/account").status_code == 200
    with session_factory() as session:
        user = session.query(User).filter_by(username="office").one()
        assert user.totp_last_step == step
    # the pending state is single use: its cookie, sent again, starts nothing
    replayed = TestClient(client.app)
    replayed.cookies.set("jjj_login_challenge", challenge)
    page = replayed.get("/login")
    again_step = replayed.post(
        "/login/totp",
        data={"code": _code(secret, 1), "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert again_step.status_code == 303 and again_step.headers["location"].startswith("/login")
    assert "jjj_session" not in again_step.cookies
    # the same code again, with the right password: refused (it was used in its window)
    again = TestClient(client.app)
    token = _password_step(again, "office", people.password)
    replay = again.post(
        "/login/totp", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    assert replay.status_code == 401 and "jjj_session" not in replay.cookies
    assert entries(session_factory, "user.totp.enable", "ok")


def test_wrong_codes_are_throttled_and_audited(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    secret = _enrol(client, "office", people.password)
    fresh = TestClient(client.app)
    token = _password_step(fresh, "office", people.password)
    wrong = "123456" if _code(secret, 1) != "123456" else "654321"
    for _ in range(3):
        bad = fresh.post("/login/totp", data={"code": wrong, "csrf_token": token})
        assert bad.status_code == 401
    refused = fresh.post("/login/totp", data={"code": _code(secret, 1), "csrf_token": token})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    [(_, detail)] = entries(session_factory, "session.login", "denied")
    assert detail["reason"] == "wrong or reused TOTP code" and detail["username"] == "office"


def test_no_second_step_without_a_pending_login(client: TestClient, people: People) -> None:
    page = client.get("/login")
    response = client.post(
        "/login/totp",
        data={"code": "123456", "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_disable_needs_password_and_code(client: TestClient, people: People) -> None:
    secret = _enrol(client, "office", people.password)
    page = client.get("/account")
    assert 'action="/account/totp/disable"' in page.text
    token = form_token(page.text)
    bad = client.post(
        "/account/totp/disable",
        data={"password": "not the password", "code": _code(secret, 1), "csrf_token": token},
    )
    assert bad.status_code == 422
    off = client.post(
        "/account/totp/disable",
        data={"password": people.password, "code": _code(secret, 1), "csrf_token": token},
    )
    assert off.status_code == 200, off.text
    assert try_login(TestClient(client.app), "office", people.password).status_code == 303


def test_totp_is_for_administrators(client: TestClient, people: People) -> None:
    login(client, "bj-analyst", people.password)
    page = client.get("/account")
    assert 'action="/account/totp"' not in page.text
    refused = client.post("/account/totp", data={"csrf_token": form_token(page.text)})
    assert refused.status_code == 403


def test_api_tokens_are_unaffected(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _enrol(client, "office", people.password)
    headers = people.headers(session_factory, "office")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_the_secret_is_stored_encrypted_with_a_key_outside_the_database(
    client: TestClient, people: People, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    secret = _enrol(client, "office", people.password)
    with session_factory() as session:
        stored = session.query(User).filter_by(username="office").one().totp_secret
    assert stored is not None and secret not in stored
    key_file = settings.var_dir / "totp.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Fernet(key_file.read_bytes()).decrypt(stored.encode()).decode() == secret
    # another key does not open it: the error says which file to restore
    with pytest.raises(RuntimeError, match=r"totp\.key"):
        totp.Vault(Fernet.generate_key()).open(stored)


@pytest.fixture
def strict_client(
    settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A server where office administrators must have a second factor."""
    app = create_app(
        dataclasses.replace(settings, totp_required_for_office_admins=True),
        session_factory=session_factory,
    )
    with TestClient(app) as client:
        yield client


def test_mandatory_second_factor_is_enrolled_at_login(
    strict_client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    first = try_login(strict_client, "office", people.password)
    assert first.status_code == 200 and "jjj_session" not in first.cookies
    secret = first.text.split('data-testid="totp-secret">', 1)[1].split("<", 1)[0]
    token = form_token(first.text)
    wrong = "123456" if _code(secret) != "123456" else "654321"
    bad = strict_client.post("/login/totp", data={"code": wrong, "csrf_token": token})
    assert bad.status_code == 401 and secret in bad.text  # the same key is shown again
    done = strict_client.post(
        "/login/totp", data={"code": _code(secret), "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and strict_client.cookies.get("jjj_session")
    assert [d for _, d in entries(session_factory, "user.totp.enable", "ok")] == [
        {"at_login": True}
    ]
    # from now on the login asks for a code of the enrolled secret, not for a new enrolment
    later = TestClient(strict_client.app)
    second = try_login(later, "office", people.password)
    assert second.status_code == 200 and 'data-testid="totp-secret"' not in second.text
    # others are not asked
    assert try_login(TestClient(strict_client.app), "bj-admin", people.password).status_code == 303


def test_operator_removes_a_second_factor(
    client: TestClient,
    people: People,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _enrol(client, "office", people.password)
    assert try_login(TestClient(client.app), "office", people.password).status_code == 200
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["accounts", "totp-off", "--username=office"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert try_login(TestClient(client.app), "office", people.password).status_code == 303
