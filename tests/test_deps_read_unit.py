"""``deps.read_unit``: a read-only request in one worker thread on an autocommit connection
(``GET /v2/events`` of the DCSA API is served so). Its connection goes back to the pool
transactional again, a write inside it is refused and leaves nothing, and a request without a
credential is still a 401 before its query is read. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditEntry
from jingjinji.deps import DbSession, read_unit
from jingjinji.security import Actor
from tests.conftest import People
from tests.statements import engine_of

EVENTS = "/api/v1/ports/dcsa/v2/events"


def _autocommit(dbapi_connection: Any) -> bool:
    """Whether a psycopg or sqlite3 connection runs each statement in its own transaction."""
    if hasattr(dbapi_connection, "autocommit"):
        return bool(dbapi_connection.autocommit)
    return dbapi_connection.isolation_level is None


@contextmanager
def statements_with_mode(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement ``engine`` sends in the block, with whether it ran in autocommit."""
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(
            (" ".join(statement.split())[:60], _autocommit(conn.connection.dbapi_connection))
        )

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _next_connection_is_transactional(session_factory: sessionmaker[Session]) -> bool:
    with session_factory() as session:
        dbapi = session.connection().connection.dbapi_connection
        return not _autocommit(dbapi)


def test_the_events_read_runs_as_one_autocommit_unit_and_hands_back_a_transactional_connection(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "office")
    engine = engine_of(client)
    with statements_with_mode(engine) as first:
        answer = client.get(EVENTS, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == []
    # The token's SELECT, its first last-use stamp (a fresh token), the page's SELECT.
    assert len(first) == 3, first
    assert all(autocommit for _, autocommit in first), first
    with statements_with_mode(engine) as second:
        assert client.get(EVENTS, headers=headers).status_code == 200
    assert len(second) == 2 and all(autocommit for _, autocommit in second), second
    assert _next_connection_is_transactional(session_factory)


def test_a_refused_read_ends_its_unit_and_the_next_write_is_transactional(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "office")
    unknown = client.get(f"{EVENTS}/3cecb101-7a1a-43a4-9d62-e88a131651e2", headers=headers)
    assert unknown.status_code == 404
    wrong_version = client.get(EVENTS, headers={**headers, "API-Version": "3"})
    assert wrong_version.status_code == 400
    assert _next_connection_is_transactional(session_factory)
    # A write through the API after them still commits as one unit (the token and its audit).
    made = client.post("/api/v1/tokens", json={"name": "after-a-read"}, headers=headers)
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, "limit=0"), ({}, ""), ({"Authorization": "Bearer jjj_not-a-token"}, "")],
)
def test_without_a_valid_credential_it_is_a_401(
    client: TestClient, headers: dict[str, str], query: str
) -> None:
    answer = client.get(f"{EVENTS}?{query}", headers=headers)
    assert answer.status_code == 401, answer.text


def _audit_count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_write_inside_a_read_unit_is_refused_and_leaves_nothing(
    people: People, session_factory: sessionmaker[Session]
) -> None:
    app = FastAPI()
    app.state.session_factory = session_factory

    @app.get("/writes-in-a-read")
    async def writes_in_a_read(request: Request, session: DbSession) -> int:
        def read(actor: Actor) -> int:
            audit.record(session, actor=actor, action="test.write", object_type="test")
            return 1

        return await read_unit(request, session, read)

    headers = people.headers(session_factory, "office")
    before = _audit_count(session_factory)
    with TestClient(app) as client, pytest.raises(RuntimeError, match="read_unit"):
        client.get("/writes-in-a-read", headers=headers)
    assert _audit_count(session_factory) == before
    assert _next_connection_is_transactional(session_factory)
