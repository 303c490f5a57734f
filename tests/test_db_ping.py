"""Pooled PostgreSQL connections are pinged before use only after waiting a while
(``db.PING_AFTER_IDLE_SECONDS``): a dead idle connection is replaced before anyone uses it,
and a busy server does not pay a round trip on every request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from jingjinji import db


def _pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The connections pinged by any engine's dialect during the test."""
    from sqlalchemy.dialects.postgresql._psycopg_common import _PGDialect_common_psycopg

    seen: list[Any] = []
    real = _PGDialect_common_psycopg.do_ping

    def counted(self: Any, dbapi_connection: Any) -> bool:
        seen.append(dbapi_connection)
        return bool(real(self, dbapi_connection))  # type: ignore[no-untyped-call]

    monkeypatch.setattr(_PGDialect_common_psycopg, "do_ping", counted)
    return seen


@pytest.fixture
def pg_engine(pg_database: str) -> Iterator[Engine]:
    """A one-connection pool on PostgreSQL (SQLite has no server to lose and no ping)."""
    engine = db.make_engine(pg_database, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(pg_engine: Engine, pings: list[Any]) -> None:
    first = _pid(pg_engine)
    assert [_pid(pg_engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    pg_engine: Engine, pings: list[Any], pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    first = _pid(pg_engine)
    time.sleep(0.1)
    assert _pid(pg_engine) == first  # alive: pinged, kept
    assert len(pings) == 1
    admin = db.make_engine(pg_database)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    time.sleep(0.1)
    second = _pid(pg_engine)  # the dead one failed its ping and was replaced: no error
    assert second != first
