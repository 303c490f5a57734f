"""Resolving who calls costs one statement: the credential and its user are read together.

Every API call and every page resolves its actor first, so a lazy load of the user there was a
second database round trip on each request (found by profiling ``GET /v2/events``:
benchmarks/bench_ports_events.py's "floor")."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.demo import OFFICE_ADMIN
from jingjinji.accounts.models import ApiToken, User
from jingjinji.db import utcnow
from tests.conftest import People, login
from tests.statements import count_request


def _reads_of(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and table in s]


def test_an_api_token_and_its_user_are_read_in_one_statement(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, OFFICE_ADMIN)
    client.get("/api/v1/me", headers=headers)  # stamps last use: the next call writes nothing
    counted = count_request(client, "/api/v1/me", headers=headers)
    assert counted.response.status_code == 200, counted.response.text
    token_reads = _reads_of(counted.statements, "api_tokens")
    assert len(token_reads) == 1, counted.report()
    user_reads = _reads_of(counted.statements, "users")
    assert user_reads == token_reads, counted.report()


def test_a_web_session_and_its_user_are_read_in_one_statement(
    client: TestClient, people: People
) -> None:
    login(client, OFFICE_ADMIN, people.password)
    counted = count_request(client, "/api/v1/me")
    assert counted.response.status_code == 200, counted.response.text
    session_reads = _reads_of(counted.statements, "web_sessions")
    assert len(session_reads) == 1, counted.report()
    user_reads = _reads_of(counted.statements, "users")
    assert user_reads == session_reads, counted.report()


def _token(session: Session, headers: dict[str, str]) -> ApiToken:
    secret = headers["Authorization"].removeprefix("Bearer ")
    return session.scalars(select(ApiToken).where(ApiToken.prefix == secret[:12])).one()


def _writes_to(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE") and table in s]


def test_a_token_s_last_use_is_stamped_at_most_once_a_minute(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, OFFICE_ADMIN)
    first = count_request(client, "/api/v1/me", headers=headers)
    assert first.response.status_code == 200, first.response.text
    assert len(_writes_to(first.statements, "api_tokens")) == 1, first.report()
    with session_factory() as session:
        token = _token(session, headers)
        stamped = token.last_used_at
        assert stamped is not None
        assert dt.timedelta(0) <= utcnow() - stamped < dt.timedelta(minutes=1)
    again = count_request(client, "/api/v1/me", headers=headers)
    assert again.response.status_code == 200
    assert _writes_to(again.statements, "api_tokens") == [], again.report()
    with session_factory() as session:
        token = _token(session, headers)
        token.last_used_at = stamped - dt.timedelta(minutes=2)
        session.commit()
    later = count_request(client, "/api/v1/me", headers=headers)
    assert len(_writes_to(later.statements, "api_tokens")) == 1, later.report()
    with session_factory() as session:
        restamped = _token(session, headers).last_used_at
        assert restamped is not None and restamped >= stamped


@pytest.mark.parametrize("change", ["revoke", "expire", "deactivate"])
def test_a_token_just_used_is_refused_on_the_next_request_once_it_ends(
    client: TestClient, people: People, session_factory: sessionmaker[Session], change: str
) -> None:
    """Nothing of a token is remembered between requests: revoked, expired or its user
    deactivated by another process (here: straight in the database), the next request is
    refused."""
    headers = people.headers(session_factory, OFFICE_ADMIN)
    for _ in range(2):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    with session_factory() as session:
        token = _token(session, headers)
        if change == "revoke":
            token.revoked_at = utcnow()
        elif change == "expire":
            token.expires_at = utcnow() - dt.timedelta(seconds=1)
        else:
            user = session.get(User, token.user_id)
            assert user is not None
            user.is_active = False
        session.commit()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
