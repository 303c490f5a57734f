"""Resolving who calls costs one statement: the credential and its user are read together.

Every API call and every page resolves its actor first, so a lazy load of the user there was a
second database round trip on each request (found by profiling ``GET /v2/events``:
benchmarks/bench_ports_events.py's "floor")."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.demo import OFFICE_ADMIN
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
