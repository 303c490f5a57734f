"""Monthly partitions of ``source_packets`` and ``source_values`` (PostgreSQL only; SQLite has
plain tables).

Migration 0501 makes both tables ``PARTITION BY RANGE (data_time)`` with a DEFAULT partition.
Each month (a UTC month: ``data_time`` is stored in UTC) gets, for each table::

    source_packets_y2026m12        FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')
                                   PARTITION BY LIST (cn)
    source_packets_y2026m12_rt     FOR VALUES IN (2011, 2051)   real-time and minute data
    source_packets_y2026m12_rest   DEFAULT                      hourly and daily data (kept)

so that retention empties a month's real-time and minute data by partition
(:mod:`jingjinji.sources.loader.retention`) and keeps its hourly and daily data.

A month whose rows already sit in the DEFAULT partition (it had no partition when they were
stored) cannot get its partition while they are there: PostgreSQL refuses to attach a range
the default partition holds rows of. :func:`ensure_month_partitions` moves them, in the same
transaction: the month's rows are deleted from the default partition into a temporary table,
the partitions are created, and the rows inserted again through the parent (they land in the
new partitions). Readers see either the old or the new layout, never a month without its rows.

Privileges: creating a table needs CREATE on schema ``public``, which the application role
does not hold (``jingjinji.dbroles``). The loader tries once per month and, refused, logs a
warning and stores the rows in the DEFAULT partition; ``jjj sources partitions --months-ahead
N``, run with the owner's URL as ``jjj db upgrade`` is, makes the months ahead and moves rows
out of the default partition. Partitions need no grants of their own: PostgreSQL checks the
privileges of the table a statement names, and the application only ever names the parents.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

PARTITIONED_TABLES = ("source_packets", "source_values")
#: Real-time (2011) and minute (2051) data: the commands retention removes.
REALTIME_COMMANDS = (2011, 2051)
#: Another loader or ``jjj sources partitions`` making the same month waits for this lock.
_ADVISORY_LOCK = 5_012_011
#: How long partition DDL waits for the parent's lock (a long read holds it) before giving up:
#: the batch then stores its rows in the DEFAULT partition instead of waiting behind the read.
LOCK_TIMEOUT = "5s"

_MONTH_NAME = re.compile(r"^source_packets_y(\d{4})m(\d{2})$")


@dataclass(frozen=True, slots=True)
class MadeMonth:
    """A month's partitions made, and the rows moved into them from the default partition."""

    month: dt.date
    moved_packets: int
    moved_values: int


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def existing_months(connection: Connection) -> set[dt.date]:
    """The months that have their partitions (of ``source_packets``; both tables are made
    together)."""
    names = connection.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'public.source_packets'::regclass"
        )
    )
    months = set()
    for name in names:
        match = _MONTH_NAME.match(name)
        if match:
            months.add(dt.date(int(match[1]), int(match[2]), 1))
    return months


def default_months(connection: Connection) -> set[dt.date]:
    """The UTC months of the rows in the DEFAULT partitions."""
    rows = connection.scalars(
        text(
            "SELECT DISTINCT date_trunc('month', data_time)::date FROM source_packets_default"
            " UNION SELECT DISTINCT date_trunc('month', data_time)::date"
            " FROM source_values_default"
        )
    )
    return set(rows)


def ensure_month_partitions(connection: Connection, months: Iterable[dt.date]) -> list[MadeMonth]:
    """Make the partitions of each month in ``months`` (first days of UTC months) that has none,
    moving that month's rows out of the DEFAULT partition; in the connection's transaction.
    Returns what was made (nothing on SQLite). A role that may not create tables gets the
    database's error (SQLSTATE 42501) and the transaction must be rolled back."""
    if not is_postgres(connection):
        return []
    wanted = {dt.date(m.year, m.month, 1) for m in months}
    if not wanted - existing_months(connection):
        return []
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
    made = []
    for month in sorted(wanted - existing_months(connection)):  # again, under the lock
        moved = [_make_month(connection, table, month) for table in PARTITIONED_TABLES]
        made.append(MadeMonth(month, moved_packets=moved[0], moved_values=moved[1]))
    return made


def _make_month(connection: Connection, table: str, month: dt.date) -> int:
    """Create one table's partitions of ``month``; returns the rows moved from the default."""
    name = partition_name(table, month)
    low, high = month.isoformat(), next_month(month).isoformat()
    window = {"low": month, "high": next_month(month)}
    in_month = "data_time >= :low AND data_time < :high"
    moved = 0
    held = connection.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {table}_default WHERE {in_month})"), window
    )
    if held:
        connection.execute(text(f"CREATE TEMPORARY TABLE jjj_moving (LIKE {table})"))
        moved = connection.execute(
            text(
                f"WITH moved AS (DELETE FROM {table}_default WHERE {in_month} RETURNING *)"
                " INSERT INTO jjj_moving SELECT * FROM moved"
            ),
            window,
        ).rowcount
    realtime = ", ".join(str(cn) for cn in REALTIME_COMMANDS)
    for statement in (
        f"CREATE TABLE {name} PARTITION OF {table}"
        f" FOR VALUES FROM ('{low}') TO ('{high}') PARTITION BY LIST (cn)",
        f"CREATE TABLE {name}_rt PARTITION OF {name} FOR VALUES IN ({realtime})",
        f"CREATE TABLE {name}_rest PARTITION OF {name} DEFAULT",
    ):
        connection.execute(text(statement))
    if held:
        connection.execute(text(f"INSERT INTO {table} SELECT * FROM jjj_moving"))
        connection.execute(text("DROP TABLE jjj_moving"))
    return int(moved)


def plan_months(connection: Connection, *, today: dt.date, months_ahead: int) -> list[dt.date]:
    """The months ``jjj sources partitions`` makes: from this month ``months_ahead`` ahead, and
    every month that has rows in the DEFAULT partition (moved out)."""
    this_month = dt.date(today.year, today.month, 1)
    wanted = {add_months(this_month, k) for k in range(months_ahead + 1)}
    wanted |= default_months(connection)
    return sorted(wanted - existing_months(connection))
