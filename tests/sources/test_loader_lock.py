"""The loader keeps SQLite's one write lock short: a batch's rows are built in their stored form
before its transaction (``store.sqlite_rows``), so the lock is held only for the statements."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.sources.loader import BatchLoader, store
from jingjinji.sources.models import Value
from tests.sources.conftest import Registry
from tests.sources.loader_support import message

T0 = dt.datetime(2026, 12, 1, 1, 0, 5, tzinfo=dt.UTC)
HOURLY_2017 = (
    "QN=20261201090005123;ST=32;CN=2061;PW=123456;MN=HE-A-W-001;Flag=5;"
    "CP=&&DataTime=20261201090000;w01018-Avg=55.2,w01018-Flag=N;w00000-Avg=3.2,w00000-Flag=N&&"
)
MINUTE_2005 = (
    "ST=31;CN=2051;PW=123456;MN=HE-A-G-001;"
    "CP=&&DataTime=20261201091000000;02-Avg=30.5,02-ZsAvg=33.1,02-Flag=N;01-Avg=5,01-Flag=D&&"
)


def test_the_rows_are_built_before_the_write_lock_is_taken(
    session_factory: sessionmaker[Session], registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    bind = session_factory.kw["bind"]
    sqlite = bind.dialect.name == "sqlite"
    others_could_write: list[bool] = []
    stored_form = store.sqlite_time

    def probed(moment: dt.datetime) -> str:
        # While the rows are built, another connection can still take the write lock.
        if not others_could_write:
            other = sqlite3.connect(bind.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                others_could_write.append(True)
            except sqlite3.OperationalError:  # database is locked
                others_could_write.append(False)
            finally:
                other.close()
        return stored_form(moment)

    monkeypatch.setattr(store, "sqlite_time", probed)
    stored = BatchLoader(session_factory, stats_prefix="t.stats.").load(
        [message(1, HOURLY_2017, received_at=T0), message(2, MINUTE_2005, received_at=T0)]
    )
    assert (stored.packets_stored, stored.values_stored) == (2, 4)
    # PostgreSQL copies the rows as they are: no SQLite form is built.
    assert others_could_write == ([True] if sqlite else [])


def test_a_batch_of_stored_and_new_packets_stores_the_new_ones_values_only(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    loader = BatchLoader(session_factory, stats_prefix="t.stats.")
    first = loader.load([message(1, HOURLY_2017, received_at=T0)])
    assert (first.packets_stored, first.values_stored) == (1, 2)
    # A redelivered packet with a changed value, next to a new one: the stored one stays.
    second = loader.load(
        [
            message(2, HOURLY_2017.replace("55.2", "99.9"), received_at=T0),
            message(3, MINUTE_2005, received_at=T0),
        ]
    )
    assert (second.packets_stored, second.duplicates, second.values_stored) == (1, 1, 2)
    with session_factory() as session:
        assert sorted(session.scalars(select(Value.factor))) == [
            "a21026",
            "a34013",
            "w00000",
            "w01018",
        ]
        assert session.scalar(select(Value.avg).where(Value.factor == "w01018")) == 55.2
        audits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == store.AUDIT_ACTION)
        ).all()
        assert len(audits) == 2  # one per batch


def test_sqlite_rows_hold_the_stored_form_of_the_times() -> None:
    from jingjinji.sources.loader.batch import parse_messages, prepare

    messages = [message(1, HOURLY_2017, received_at=T0)]
    batch = prepare(
        messages,
        parse_messages(messages, "t.stats."),
        {"HE-A-W-001": 7},
        stats_prefix="t.stats.",
        now=T0,
    )
    rows = store.sqlite_rows(batch)
    at = "2026-12-01 01:00:00.000000"  # China 09:00
    assert rows.packets == [
        (7, 2061, at, "20261201090005123", 2017, "2026-12-01 01:00:05.000000", 1)
    ]
    assert [v[:4] for v in rows.values] == [(7, 2061, at, "w01018"), (7, 2061, at, "w00000")]
    assert rows.value_keys == [(7, 2061, at), (7, 2061, at)]
