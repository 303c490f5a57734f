"""Login throttling: progressive delay, lockout, reset on success, per address across
accounts, 429 with Retry-After, and the rate-limited audit of failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import logins, throttle, totp
from jingjinji.accounts.logins import LoginRules
from jingjinji.accounts.models import LoginChallenge, LoginThrottle
from jingjinji.accounts.throttle import ThrottleRules, TooManyAttempts
from jingjinji.app import create_app
from jingjinji.config import Settings
from tests.accounts.helpers import entries, try_login
from tests.conftest import People


def _age(session_factory: sessionmaker[Session], key: str, seconds: float) -> None:
    """Move a key's failure times ``seconds`` into the past (instead of sleeping)."""
    delta = dt.timedelta(seconds=seconds)
    with session_factory() as session:
        row = session.get(LoginThrottle, key)
        assert row is not None and row.last_failure_at is not None
        row.last_failure_at -= delta
        row.window_started_at -= delta
        if row.audited_at is not None:
            row.audited_at -= delta
        if row.locked_until is not None:
            row.locked_until -= delta
        session.commit()


def _row(session_factory: sessionmaker[Session], key: str) -> LoginThrottle | None:
    with session_factory() as session:
        return session.get(LoginThrottle, key)


def test_progressive_delay_then_429_with_retry_after(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    client.cookies.set("jjj_lang", "en")
    for _ in range(3):
        assert try_login(client, "bj-env", "wrong password!").status_code == 401
    # the 4th attempt comes too soon: refused without checking the password, even a right one
    refused = try_login(client, "bj-env", people.password)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"
    assert "jjj_session" not in refused.cookies
    assert "Try again in 2 seconds" in refused.text
    row = _row(session_factory, "user:bj-env")
    assert row is not None and row.failures == 3  # a refused attempt is not counted
    _age(session_factory, "user:bj-env", 2.1)
    assert try_login(client, "bj-env", "wrong password!").status_code == 401
    # 4 failures: the next attempt waits 2^2 = 4 s
    again = try_login(client, "bj-env", "wrong password!")
    assert again.status_code == 429 and again.headers["retry-after"] == "4"


def test_the_429_page_is_in_the_users_language(client: TestClient, people: People) -> None:
    client.cookies.set("jjj_lang", "zh_CN")
    for _ in range(3):
        try_login(client, "bj-env", "wrong password!")
    refused = try_login(client, "bj-env", "wrong password!")
    assert refused.status_code == 429
    assert "失败次数过多" in refused.text


def test_lockout_after_ten_failures_and_success_resets(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    for n in range(10):
        if n >= 3:
            _age(session_factory, "user:bj-env", 61)  # past the capped delay
        assert try_login(client, "bj-env", "wrong password!").status_code == 401
    row = _row(session_factory, "user:bj-env")
    assert row is not None and row.locked_until is not None
    refused = try_login(client, "bj-env", people.password)
    assert refused.status_code == 429
    assert 890 <= int(refused.headers["retry-after"]) <= 900
    # the lock ends after 15 minutes; a right password then logs in and clears the account
    _age(session_factory, "user:bj-env", 15 * 60 + 1)
    _age(session_factory, "addr:testclient", 15 * 60 + 1)  # 10 failures: the address waits too
    assert try_login(client, "bj-env", people.password).status_code == 303
    assert _row(session_factory, "user:bj-env") is None


def test_unknown_and_known_usernames_look_alike(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    known = [try_login(client, "bj-env", "wrong password!") for _ in range(3)]
    unknown = [try_login(client, "no-such-user", "wrong password!") for _ in range(3)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 3
    alert = 'data-testid="login-error">'
    assert (
        known[0].text.split(alert)[1].split("<")[0]
        == (unknown[0].text.split(alert)[1].split("<")[0])
    )
    assert try_login(client, "no-such-user", "x").status_code == 429
    # equal work: the unknown user's attempt also runs one argon2 computation (timed)
    _age(session_factory, "user:bj-env", 61)
    _age(session_factory, "user:no-such-user", 61)
    started = time.perf_counter()
    try_login(client, "bj-env", "wrong password!")
    known_s = time.perf_counter() - started
    started = time.perf_counter()
    try_login(client, "no-such-user", "wrong password!")
    unknown_s = time.perf_counter() - started
    assert unknown_s < 5 * known_s and known_s < 5 * unknown_s


@pytest.fixture
def strict_client(
    settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    """A server whose per-address limit is low enough to reach in a test."""
    app = create_app(
        dataclasses.replace(settings, login_address_delay_after=4, login_address_lockout_after=6),
        session_factory=session_factory,
    )
    with TestClient(app) as client:
        yield client


def test_per_address_limit_spans_accounts(
    strict_client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    for name in ("a-one", "a-two", "a-three", "a-four"):
        assert try_login(strict_client, name, "wrong password!").status_code == 401
    # a fifth account, never tried: refused, because the address must wait
    refused = try_login(strict_client, "bj-env", people.password)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    _age(session_factory, "addr:testclient", 3)
    for name in ("a-five", "a-six"):
        _age(session_factory, "addr:testclient", 61)
        assert try_login(strict_client, name, "wrong password!").status_code == 401
    row = _row(session_factory, "addr:testclient")
    assert row is not None and row.failures == 6 and row.locked_until is not None
    assert try_login(strict_client, "bj-env", people.password).status_code == 429


def test_failed_logins_are_audited_at_most_once_a_minute_per_address(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    secret = "wrong password! do not log me"
    for name in ("bj-env", "tj-env", "he-env"):
        try_login(client, name, secret)
    denied = entries(session_factory, "session.login", "denied")
    assert len(denied) == 1
    entry, detail = denied[0]
    assert entry.object_id == "bj-env" and detail["username"] == "bj-env"
    assert detail["failures"] == 1 and detail["address"] == "testclient"
    assert secret not in entry.detail_json
    _age(session_factory, "addr:testclient", 61)
    try_login(client, "x" * 300, secret)
    denied = entries(session_factory, "session.login", "denied")
    assert len(denied) == 2
    entry, detail = denied[1]
    # the two failures in between and this one; the username as typed, truncated
    assert detail["failures"] == 3
    assert detail["username"] == "x" * 100 and entry.object_id == "x" * 100


def test_throttle_state_is_shared_through_the_database(
    settings: Settings, session_factory: sessionmaker[Session], people: People
) -> None:
    """Two app instances (two server processes) over one database see the same failures."""
    first = TestClient(create_app(settings, session_factory=session_factory))
    second = TestClient(create_app(settings, session_factory=session_factory))
    with first, second:
        for _ in range(3):
            assert try_login(first, "bj-env", "wrong password!").status_code == 401
        assert try_login(second, "bj-env", people.password).status_code == 429
    with session_factory() as session:
        session.execute(update(LoginThrottle).values(failures=0))
        session.commit()
        assert session.scalar(select(LoginThrottle.failures).limit(1)) == 0


def test_concurrent_attempts_queue_on_the_throttle_rows(
    session_factory: sessionmaker[Session], people: People, settings: Settings, tmp_path: Path
) -> None:
    """Eight attempts at once on one account: each checks the throttle only after the one
    before it committed, so exactly three passwords are checked and the rest are refused."""
    rules = LoginRules(throttle=ThrottleRules(), vault=totp.vault_in(tmp_path))
    barrier = threading.Barrier(8)

    def attempt(n: int) -> str:
        barrier.wait()
        with session_factory() as session:
            try:
                result = logins.login(
                    session,
                    username="bj-env",
                    password="wrong password!",
                    address=f"10.0.0.{n}",
                    rules=rules,
                )
            except TooManyAttempts:
                session.rollback()
                return "429"
            session.commit()
            return "401" if result is None else "200"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)))
    assert outcomes == ["401"] * 3 + ["429"] * 5
    row = _row(session_factory, "user:bj-env")
    assert row is not None and row.failures == 3


def test_expired_throttle_rows_are_purged_and_their_failures_audited(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    for name in ("bj-env", "tj-env", "he-env"):  # one entry for the address, two counted
        try_login(client, name, "wrong password!")
    for _ in range(10):  # bj-admin locked out for 15 minutes
        try_login(client, "bj-admin", "wrong password!")
        _age(session_factory, "user:bj-admin", 61)
    rules = ThrottleRules()
    now = dt.datetime.now(dt.UTC)
    with session_factory() as session:
        assert throttle.purge_expired(session, rules=rules, now=now) == 0  # all still current
        session.commit()
    for key in ("user:bj-env", "user:tj-env", "user:he-env", "addr:testclient"):
        _age(session_factory, key, 16 * 60 + 61)
    audited_before = len(entries(session_factory, "session.login", "denied"))
    with session_factory() as session:
        assert throttle.purge_expired(session, rules=rules, now=now) == 4
        session.commit()
    remaining = {key for key in ("user:bj-admin", "user:bj-env", "addr:testclient")}
    assert {k for k in remaining if _row(session_factory, k) is not None} == {"user:bj-admin"}
    denied = entries(session_factory, "session.login", "denied")
    assert len(denied) == audited_before + 1  # the address's unaudited failures
    assert denied[-1][1]["address"] == "testclient" and denied[-1][1]["failures"] > 0


def test_expired_second_steps_are_purged(
    session_factory: sessionmaker[Session], people: People
) -> None:
    now = dt.datetime.now(dt.UTC)
    user_id = people["office"].user_id
    with session_factory() as session:
        for token_hash, minutes in (("a" * 64, -1), ("b" * 64, 4)):
            session.add(
                LoginChallenge(
                    token_hash=token_hash,
                    user_id=user_id,
                    expires_at=now + dt.timedelta(minutes=minutes),
                )
            )
        session.commit()
        assert logins.purge_expired_challenges(session, now=now) == 1
        session.commit()
        assert list(session.scalars(select(LoginChallenge.token_hash))) == ["b" * 64]
