"""The demo users get a precomputed hash of the public demo password (no hashing while the demo
loads); every other account is hashed with the production argon2 parameters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.accounts import demo as accounts_demo
from jingjinji.accounts import service
from jingjinji.accounts.models import User
from jingjinji.accounts.schemas import UserIn
from jingjinji.cli import app as cli_app
from jingjinji.config import get_settings
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.security import Role
from tests.conftest import People

PRODUCTION = PasswordHasher()  # what accounts.service uses outside the tests


class CountingHasher(PasswordHasher):
    """The production parameters, counting the hashes made."""

    hashes = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        CountingHasher.hashes += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo the tests' cheap hashing (conftest) for one test."""
    CountingHasher.hashes = 0
    monkeypatch.setattr(service, "_hasher", CountingHasher())
    yield


def _has_production_parameters(stored: str) -> bool:
    params = extract_parameters(stored)
    return (params.time_cost, params.memory_cost, params.parallelism) == (
        PRODUCTION.time_cost,
        PRODUCTION.memory_cost,
        PRODUCTION.parallelism,
    ) and not PRODUCTION.check_needs_rehash(stored)


def test_the_precomputed_hash_is_the_demo_password_with_production_parameters() -> None:
    assert PRODUCTION.verify(accounts_demo.DEMO_PASSWORD_HASH, accounts_demo.DEMO_PASSWORD)
    assert _has_production_parameters(accounts_demo.DEMO_PASSWORD_HASH), (
        "argon2's production parameters changed: make DEMO_PASSWORD_HASH again"
    )


def test_loading_the_demo_users_hashes_nothing(
    session_factory: sessionmaker[Session], production_hashing: None
) -> None:
    ctx = DemoContext()
    with session_factory() as session:
        regions_demo.load(session, ctx)
        accounts_demo.load(session, ctx)
        session.commit()
        stored = {u.username: u.password_hash for u in session.scalars(select(User))}
        assert CountingHasher.hashes == 0
        assert set(stored) == {u for u, *_ in accounts_demo.DEMO_USERS}
        assert set(stored.values()) == {accounts_demo.DEMO_PASSWORD_HASH}
        user = service.authenticate(
            session, username="bj-env", password=accounts_demo.DEMO_PASSWORD
        )
        assert user is not None and user.password_hash == accounts_demo.DEMO_PASSWORD_HASH


def _steward(people: People, username: str) -> UserIn:
    return UserIn(
        username=username,
        display_name=username,
        password="a real secret 1",
        role=Role.STEWARD,
        organisation_id=people.organisations["bj_env"],
    )


def test_real_accounts_are_hashed_with_production_parameters(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    production_hashing: None,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # through the API
    body = _steward(people, "api-user").model_dump(mode="json")
    response = client.post(
        "/api/v1/users", json=body, headers=people.headers(session_factory, "office")
    )
    assert response.status_code == 201, response.text
    # through `jjj accounts create-user`
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app,
            [
                "accounts",
                "create-user",
                "--username=cli-user",
                "--role=analyst",
                f"--organisation={people.organisations['bj_drc']}",
                "--password=a real secret 2",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    # through the service, even when handed a hash made with lower parameters
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("a real secret 3")
    with session_factory() as session:
        data = _steward(people, "cheap-user").model_copy(update={"password": "a real secret 3"})
        service.bootstrap_user(session, data=data, password_hash=cheap)
        session.commit()
        stored = {
            u.username: u.password_hash
            for u in session.scalars(
                select(User).where(User.username.in_(["api-user", "cli-user", "cheap-user"]))
            )
        }
    assert len(stored) == 3
    for username, value in stored.items():
        assert _has_production_parameters(value), (username, value)
    assert stored["cheap-user"] != cheap
    assert CountingHasher.hashes == 3
