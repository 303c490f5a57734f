"""Monthly partitions (PostgreSQL) and retention (both backends): a month's real-time and minute
data goes by partition, its hourly data stays; a loader that may not create tables stores in the
DEFAULT partition, and the owner's `partitions` run moves those rows out."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from jingjinji import dbroles
from jingjinji.audit.models import AuditEntry
from jingjinji.db import make_engine, make_session_factory
from jingjinji.sources.loader import (
    BatchLoader,
    apply_retention,
    ensure_month_partitions,
    existing_months,
    plan_months,
)
from jingjinji.sources.models import Packet, Value
from tests.sources.conftest import Registry
from tests.sources.loader_support import message

ONLY_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
RECEIVED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _data(cn: int, china_time: str, value: float = 1.0) -> str:
    return (
        f"ST=32;CN={cn};PW=123456;MN=HE-A-W-001;Flag=4;CP=&&DataTime={china_time};"
        f"w01018-Avg={value},w01018-Flag=N;w21003-Avg={value / 10},w21003-Flag=N&&"
    )


def _load(factory: sessionmaker[Session], segments: list[str]) -> None:
    loader = BatchLoader(factory, stats_prefix="t.stats.")
    loader.load([message(i + 1, s, received_at=RECEIVED) for i, s in enumerate(segments)])


def _homes(session: Session, table: str) -> dict[tuple[int, dt.datetime], str]:
    """The partition each row of ``table`` sits in, by command and data time (naive UTC)."""
    rows = session.execute(text(f"SELECT cn, data_time, tableoid::regclass::text FROM {table}"))
    return {(cn, at): home for cn, at, home in rows}


@ONLY_POSTGRESQL
def test_a_month_gets_its_partitions_with_real_time_data_apart(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    # China 2019-03-10 08:00 is 00:00 UTC; 2019-03-01 05:00 China is still February in UTC.
    _load(
        session_factory,
        [
            _data(2011, "20190310080000"),
            _data(2061, "20190310080000"),
            _data(2051, "20190301050000"),
        ],
    )
    with session_factory() as session:
        months = existing_months(session.connection())
        assert {dt.date(2019, 3, 1), dt.date(2019, 2, 1)} <= months
        march = dt.datetime(2019, 3, 10)
        assert _homes(session, "source_packets") == {
            (2011, march): "source_packets_y2019m03_rt",
            (2061, march): "source_packets_y2019m03_rest",
            (2051, dt.datetime(2019, 2, 28, 21)): "source_packets_y2019m02_rt",
        }
        value_homes = set(_homes(session, "source_values").values())
        assert value_homes == {
            "source_values_y2019m03_rt",
            "source_values_y2019m03_rest",
            "source_values_y2019m02_rt",
        }


@pytest.fixture
def restricted_factory(db_url: str, engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions as an application role with the production grants (``dbroles``): no CREATE."""
    role = f"jjj_loader_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        dbroles.apply_grants(connection, role)
    restricted = make_engine(db_url, poolclass=NullPool)

    def as_role(dbapi_connection: object, record: object) -> None:
        dbapi_connection.execute(f"SET ROLE {role}")  # type: ignore[attr-defined]
        dbapi_connection.commit()  # type: ignore[attr-defined]

    event.listen(restricted, "connect", as_role)
    yield make_session_factory(restricted)
    restricted.dispose()
    with engine.begin() as connection:
        connection.execute(text(f"DROP OWNED BY {role}"))
        connection.execute(text(f"DROP ROLE {role}"))


@ONLY_POSTGRESQL
def test_without_create_privilege_rows_land_in_the_default_partition_and_move_later(
    session_factory: sessionmaker[Session],
    registry: Registry,
    restricted_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    may = dt.date(2019, 5, 1)
    with caplog.at_level(logging.WARNING, logger="jingjinji.sources.loader"):
        _load(restricted_factory, [_data(2011, "20190510080000"), _data(2061, "20190510080000")])
    assert "could not make the partitions of 2019-05" in caplog.text
    assert "permission denied" in caplog.text
    with session_factory() as session:
        # Stored all the same, in the default partition.
        assert set(_homes(session, "source_packets").values()) == {"source_packets_default"}
        assert session.scalar(select(func.count()).select_from(Value)) == 4
        today = dt.date(2026, 12, 2)
        assert may in plan_months(session.connection(), today=today, months_ahead=0)

    with session_factory() as session:  # the owner, as `jjj sources partitions`
        (made,) = ensure_month_partitions(session.connection(), [may])
        session.commit()
    assert (made.month, made.moved_packets, made.moved_values) == (may, 2, 4)
    with session_factory() as session:
        assert set(_homes(session, "source_packets").values()) == {
            "source_packets_y2019m05_rt",
            "source_packets_y2019m05_rest",
        }
        assert set(_homes(session, "source_values").values()) == {
            "source_values_y2019m05_rt",
            "source_values_y2019m05_rest",
        }
        assert session.scalar(select(func.count()).select_from(Value)) == 4
        assert may not in plan_months(
            session.connection(), today=dt.date(2019, 5, 2), months_ahead=0
        )


def test_retention_removes_old_real_time_and_minute_data_and_keeps_hourly(
    session_factory: sessionmaker[Session], registry: Registry, backend: str
) -> None:
    _load(
        session_factory,
        [
            _data(2011, "20190115080000"),
            _data(2051, "20190115080000"),
            _data(2061, "20190115080000"),
            _data(2031, "20190115000000"),
            _data(2011, "20261115080000"),  # recent: kept
        ],
    )
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)

    dry = apply_retention(session_factory, now=now, days=180, dry_run=True, chunk=1)
    assert dry.boundary == dt.date(2026, 6, 1)
    assert (dry.packets, dry.values) == (2, 4)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Packet)) == 5

    done = apply_retention(session_factory, now=now, days=180, chunk=1)
    assert (done.packets, done.values) == (2, 4)
    if backend == "postgresql":
        assert done.months == [dt.date(2019, 1, 1)]
    with session_factory() as session:
        kept = session.execute(select(Packet.cn, Packet.data_time).order_by(Packet.data_time))
        assert [(cn, at.year) for cn, at in kept] == [(2031, 2019), (2061, 2019), (2011, 2026)]
        assert session.scalar(select(func.count()).select_from(Value)) == 6
        if backend == "postgresql":  # emptied, not dropped: a late packet still lands there
            assert session.scalar(text("SELECT count(*) FROM source_packets_y2019m01_rt")) == 0
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sources.retention.apply")
        )
        assert '"packets":2' in entry.detail_json.replace(" ", "")
    again = apply_retention(session_factory, now=now, days=180)
    assert (again.packets, again.values) == (0, 0)


def test_partitions_and_retention_commands(
    db_url: str, backend: str, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    from typer.testing import CliRunner

    from jingjinji.cli import app
    from jingjinji.config import get_settings

    env = {"JJJ_DATABASE_URL": db_url, "JJJ_OWNER_DATABASE_URL": None}

    def jjj(*args: str) -> str:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, list(args), env=env, prog_name="jjj")
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    said = jjj("sources", "partitions", "--months-ahead", "1")
    if backend == "sqlite":
        assert "nothing to make" in said
    else:
        this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
        with session_factory() as session:
            months = existing_months(session.connection())
        assert {this_month, (this_month + dt.timedelta(days=32)).replace(day=1)} <= months

    _load(session_factory, [_data(2011, "20190115080000"), _data(2061, "20190115080000")])
    said = jjj("sources", "retention", "--dry-run", "--days", "30")
    assert "would remove 1 packets and 2 values" in said
    said = jjj("sources", "retention", "--days", "30")
    assert "removed 1 packets and 2 values" in said
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Packet)) == 1
