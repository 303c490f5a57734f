"""Retention: real-time (2011) and minute (2051) data older than ``JJJ_SOURCES_RETENTION_DAYS``
is removed; hourly (2061) and daily (2031) data is kept.

The unit is the UTC month: a month goes once it is entirely older than the cutoff (``now`` less
the retention period), that is every month before the cutoff's own month.

- PostgreSQL: each such month's real-time sub-partitions (``source_packets_yYYYYmMM_rt``,
  ``source_values_yYYYYmMM_rt``) are emptied with ``TRUNCATE``: the files go at once, no row is
  visited and no dead tuples are left to vacuum. They are emptied rather than dropped so that
  the month keeps its layout: a late real-time packet of that month still lands in its ``_rt``
  sub-partition (and goes at the next run), where after a ``DROP`` it would land in the kept
  ``_rest`` sub-partition for good; a TRUNCATE also locks only the sub-partition, where
  detaching or dropping it locks the parent tables the loader writes. Real-time rows of those
  months still in the DEFAULT partitions (months that had no partition) are deleted.
- SQLite: the rows are deleted, per logger and command (the primary key's order, so each
  chunk is an index range) in chunks of ``chunk`` rows, each chunk its own transaction, so the
  loader is never kept waiting for long.

One audit entry (``sources.retention.apply``) records what went. Run as the database owner on
PostgreSQL (``TRUNCATE`` is not granted to the application role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from jingjinji.db import is_postgres, session_scope
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.loader.batch import month_of
from jingjinji.sources.loader.partitions import (
    PARTITIONED_TABLES,
    REALTIME_COMMANDS,
    existing_months,
    partition_name,
)
from jingjinji.sources.loader.store import sqlite_time

SQLITE_CHUNK = 5000


@dataclass(slots=True)
class RetentionReport:
    """What retention removed (or, with ``dry_run``, would remove)."""

    boundary: dt.date  # rows before this UTC month start go
    dry_run: bool
    months: list[dt.date] = field(default_factory=list)  # partitions emptied (PostgreSQL)
    packets: int = 0
    values: int = 0


def retention_boundary(now: dt.datetime, days: int) -> dt.date:
    """The first UTC month that is kept: every month before it ended before ``now - days``."""
    return month_of(now - dt.timedelta(days=days))


def apply_retention(
    factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    days: int,
    dry_run: bool = False,
    chunk: int = SQLITE_CHUNK,
) -> RetentionReport:
    """Remove the real-time and minute data of the months entirely older than ``days``."""
    report = RetentionReport(boundary=retention_boundary(now, days), dry_run=dry_run)
    with factory() as session:
        postgres = is_postgres(session)
    if postgres:
        _postgres(factory, report)
    else:
        _sqlite(factory, report, chunk=chunk)
    if not dry_run and (report.packets or report.values):
        with session_scope(factory) as session:
            audit.record(
                session,
                actor=SYSTEM_ACTOR,
                action="sources.retention.apply",
                object_type="source_packets",
                detail={
                    "before": report.boundary.isoformat(),
                    "days": days,
                    "commands": list(REALTIME_COMMANDS),
                    "months": [m.strftime("%Y-%m") for m in report.months],
                    "packets": report.packets,
                    "values": report.values,
                },
            )
    return report


def _postgres(factory: sessionmaker[Session], report: RetentionReport) -> None:
    realtime = ", ".join(str(cn) for cn in REALTIME_COMMANDS)
    old = {"boundary": report.boundary}
    with session_scope(factory) as session:
        connection = session.connection()
        months = sorted(m for m in existing_months(connection) if m < report.boundary)
        for month in months:
            counts = [
                int(
                    connection.scalar(
                        text(f"SELECT count(*) FROM {partition_name(table, month)}_rt")
                    )
                    or 0
                )
                for table in PARTITIONED_TABLES
            ]
            if not any(counts):
                continue
            report.months.append(month)
            report.packets += counts[0]
            report.values += counts[1]
            if not report.dry_run:
                names = ", ".join(f"{partition_name(t, month)}_rt" for t in PARTITIONED_TABLES)
                connection.execute(text(f"TRUNCATE {names}"))
        for table, attribute in zip(PARTITIONED_TABLES, ("packets", "values"), strict=True):
            where = f"cn IN ({realtime}) AND data_time < :boundary"
            if report.dry_run:
                count = connection.scalar(
                    text(f"SELECT count(*) FROM {table}_default WHERE {where}"), old
                )
            else:
                count = connection.execute(
                    text(f"DELETE FROM {table}_default WHERE {where}"), old
                ).rowcount
            setattr(report, attribute, getattr(report, attribute) + int(count or 0))
        if report.dry_run:
            session.rollback()


def _sqlite(factory: sessionmaker[Session], report: RetentionReport, *, chunk: int) -> None:
    boundary = sqlite_time(dt.datetime.combine(report.boundary, dt.time(), dt.UTC))
    with factory() as session:
        loggers = list(session.scalars(text("SELECT id FROM source_loggers ORDER BY id")))
    for table, attribute in zip(PARTITIONED_TABLES, ("packets", "values"), strict=True):
        for logger_id in loggers:
            for cn in REALTIME_COMMANDS:
                key = {"logger": logger_id, "cn": cn, "boundary": boundary, "chunk": chunk}
                in_range = "logger_id = :logger AND cn = :cn AND data_time < :boundary"
                if report.dry_run:
                    with factory() as session:
                        count = session.scalar(
                            text(f"SELECT count(*) FROM {table} WHERE {in_range}"), key
                        )
                    setattr(report, attribute, getattr(report, attribute) + int(count or 0))
                    continue
                while True:
                    with session_scope(factory) as session:
                        deleted = _rowcount(
                            session.execute(
                                text(
                                    f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table}"
                                    f" WHERE {in_range} LIMIT :chunk)"
                                ),
                                key,
                            )
                        )
                    setattr(report, attribute, getattr(report, attribute) + int(deleted))
                    if deleted < chunk:
                        break


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
