"""Database engine, session factory and shared column types.

SQLite (embedded default) and PostgreSQL are both first-class: every query here must run on
both. Timestamps are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Largest value of an ``Integer`` column on PostgreSQL (``integer`` is 32-bit; SQLite's 64-bit
# range is wider). A larger id names no row: it must be refused as input, not sent to the
# database, where it overflows (a 500 on either backend).
MAX_DB_INT = 2**31 - 1

# An id as accepted from a client (path, query, form or JSON body): out of range is a 422.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]


def is_db_id(value: int) -> bool:
    """Whether ``value`` can name a row of an ``Integer`` primary key."""
    return 1 <= value <= MAX_DB_INT


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime.

    SQLite has no time zones; storing naive UTC everywhere keeps both backends identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


# JSON that is JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: ``PRAGMA synchronous`` of every SQLite connection. In WAL mode ``NORMAL`` syncs only at
#: checkpoints, so a transaction acknowledged to a client can vanish on a power failure; ``FULL``
#: syncs the WAL at every commit, so what was acknowledged is on disk. Measured cost on this
#: machine (benchmarks/bench_sqlite_sync.py, docs/operations.md): see the operations guide.
SQLITE_SYNCHRONOUS = "FULL"
SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _sqlite_pragmas(synchronous: str) -> Callable[[Any, Any], None]:
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ValueError(f"synchronous={synchronous!r}: choose from {SQLITE_SYNCHRONOUS_LEVELS}")

    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return on_connect


def make_engine(url: str, *, sqlite_synchronous: str = SQLITE_SYNCHRONOUS, **kwargs: Any) -> Engine:
    """An engine for ``url``; on SQLite with WAL, foreign keys, a busy timeout and
    ``sqlite_synchronous`` (durable ``FULL`` unless a caller says otherwise)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_synchronous))
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


#: A pooled connection that has waited longer than this since its last use is pinged before
#: it is handed out, and replaced if it is dead (the server restarted, or a firewall dropped an
#: idle connection), so that no request fails on it. One used more recently than this is
#: handed out as it is: it answered a statement a moment ago (should the server have gone away
#: in those seconds, the request on it fails and SQLAlchemy invalidates the whole pool).
#: ``pool_pre_ping`` pinged on every checkout: a round trip on every request; dropping it took
#: an empty API page's p50 from 18.5 to 12.4 ms and from 11.5 to 9.7 ms in two runs at load ~10
#: (docs/ports.md, "The fixed cost of a request").
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping`` for connections idle longer than :data:`PING_AFTER_IDLE_SECONDS`
    (SQLAlchemy's "custom pessimistic ping": raising ``DisconnectionError`` at checkout makes
    the pool replace the connection and try again)."""

    def used(dbapi_connection: Any, record: Any, *args: Any) -> None:
        record.info["jjj_last_used"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        last = record.info.get("jjj_last_used")
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection failed its ping") from exc

    event.listen(engine, "connect", used)
    event.listen(engine, "checkin", used)
    event.listen(engine, "checkout", checkout)


def make_server_engine(
    url: str, *, pool_size: int, max_overflow: int, pool_timeout: float
) -> Engine:
    """The engine of a server process: a bounded pool that refuses (rather than queues
    forever) when no connection comes free in ``pool_timeout`` seconds."""
    if url.startswith("sqlite") and (":memory:" in url or url.rstrip("/").endswith("sqlite:")):
        return make_engine(url)  # one shared in-memory connection: no pool to size
    return make_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def copy_out_csv(session: Session, query: str, params: Sequence[Any]) -> bytes:
    """The rows of ``query`` as CSV bytes through PostgreSQL ``COPY (...) TO STDOUT``, on the
    session's connection and transaction. ``query`` marks each parameter with ``{}``; the values
    are quoted as SQL literals (COPY takes no bind parameters). Far cheaper than fetching rows
    as Python tuples when the caller parses the bytes into columns (``polars.read_csv``)."""
    from psycopg import sql

    statement = sql.SQL(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)").format(
        *(sql.Literal(v) for v in params)
    )
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    buffer = io.BytesIO()
    with dbapi.cursor() as cursor, cursor.copy(statement) as stream:
        for block in stream:
            buffer.write(block)
    return buffer.getvalue()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
