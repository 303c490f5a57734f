"""The set-based write of one prepared batch, in the caller's transaction (one transaction per
batch: the loader acknowledges the stream messages only after it committed).

- PostgreSQL: the packets are copied (``COPY``) into a temporary staging table and inserted
  from there ``ON CONFLICT DO NOTHING RETURNING`` their keys: a packet stored before (a
  redelivered message, a logger resending after a lost reply) is skipped, by its key (logger,
  command, data time). The values of exactly the returned packets are then copied straight into
  ``source_values`` (a new packet has no values yet; see :func:`_copy_values`).
- SQLite: ``INSERT OR IGNORE`` of the packets (``executemany``), then the values of the packets
  this batch inserted (they carry its ``batch_id``).

Then ``source_loggers.last_seen_at`` (the latest gateway receive time of each logger, never moved
back), the latest gateway counters, one ``source_batches`` row, ONE audit entry
(``sources.batch.load``, detail: the SHA-256 of the frames, the counts and the sequence range)
and, when packets were stored, the job ``sources.detect_exceedances`` with ``{"batch_id": id}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import is_postgres
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.loader.batch import VALUE_COLUMNS, PreparedBatch
from jingjinji.sources.models import Batch, GatewayStats, Logger
from jingjinji.sources.service.exceedances import DETECT_JOB

AUDIT_ACTION = "sources.batch.load"

PACKET_COLUMNS = (
    "logger_id",
    "cn",
    "data_time",
    "qn",
    "protocol_version",
    "received_at",
    "stream_sequence",
)
VALUE_ROW_COLUMNS = ("logger_id", "cn", "data_time", "factor", *VALUE_COLUMNS, "flag")
_KEY = ("logger_id", "cn", "data_time")
# Value rows go to source_values in key order: a B-tree takes sorted keys with fewer page
# splits and cache misses (store step / bare COPY, 3 runs interleaved at load 0.8-1.5: 0.48,
# 0.37, 0.39 unsorted; 0.35, 0.47, 0.51 sorted: bench_sources_loader.py).
_value_key = itemgetter(0, 1, 2, 3)


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What a batch stored: ``batch_id`` is None for a batch of gateway counters only."""

    batch_id: int | None
    packets_stored: int
    duplicates: int  # packets stored before, or twice in the batch
    values_stored: int


def store_batch(
    session: Session, batch: PreparedBatch, *, loader: str, rows: SqliteRows | None = None
) -> StoredBatch:
    """Write ``batch`` in the session's transaction (the caller commits, then acknowledges).
    On SQLite, ``rows`` are its rows built before the transaction (:func:`sqlite_rows`; built
    here when not given)."""
    _store_reports(session, batch)
    if batch.frames == 0:
        return StoredBatch(None, 0, 0, 0)
    row = Batch(
        loader=loader[:100],
        first_sequence=batch.first_sequence,
        last_sequence=batch.last_sequence,
        messages=batch.messages,
        packets_stored=0,
        duplicates=0,
        values_stored=0,
        sha256=batch.sha256,
    )
    session.add(row)
    session.flush()
    if batch.packets:
        if is_postgres(session):
            packets, values = _insert_postgres(session, batch, row.id)
        else:
            packets, values = _insert_sqlite(session, rows or sqlite_rows(batch), row.id)
    else:
        packets, values = 0, 0
    duplicates = len(batch.packets) - packets + batch.repeated
    row.packets_stored, row.duplicates, row.values_stored = packets, duplicates, values
    _mark_seen(session, batch.last_seen)
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action=AUDIT_ACTION,
        object_type="source_batch",
        object_id=row.id,
        detail={
            "sha256": batch.sha256,
            "messages": batch.messages,
            "frames": batch.frames,
            "stored": packets,
            "duplicates": duplicates,
            "values": values,
            "invalid": batch.invalid,
            "unknown_logger": batch.unknown_logger,
            "undated": batch.undated,
            "other_commands": batch.other_commands,
            "first_sequence": batch.first_sequence,
            "last_sequence": batch.last_sequence,
        },
    )
    if packets:
        jobs.enqueue(session, kind=DETECT_JOB, payload={"batch_id": row.id})
    session.flush()
    return StoredBatch(row.id, packets, duplicates, values)


def _copy(session: Session, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    with (
        dbapi.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _naive(moment: dt.datetime) -> dt.datetime:
    """The stored form of a UTC time (``timestamp without time zone``, like UTCDateTime)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _insert_postgres(session: Session, batch: PreparedBatch, batch_id: int) -> tuple[int, int]:
    # The staging table lives as long as the connection and is emptied at each commit; a batch
    # that rolls back takes its creation with it and the next one makes it again.
    session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS jjj_stage_packets"
            " (LIKE source_packets INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
    )
    _copy(
        session,
        "jjj_stage_packets",
        (*PACKET_COLUMNS, "batch_id"),
        [
            (r[0], r[1], _naive(r[2]), r[3], r[4], _naive(r[5]), r[6], batch_id)
            for r in batch.packets
        ],
    )
    columns = ", ".join((*PACKET_COLUMNS, "batch_id"))
    new = session.execute(
        text(
            f"INSERT INTO source_packets ({columns}) SELECT {columns} FROM jjj_stage_packets"
            f" ON CONFLICT DO NOTHING RETURNING {', '.join(_KEY)}"
        )
    ).all()
    rows = _naive_value_rows(batch.values)
    rows.sort(key=_value_key)
    if len(new) < len(batch.packets):  # some were stored before: only the new ones' values
        keys = {(logger_id, cn, at) for logger_id, cn, at in new}
        rows = [r for r in rows if (r[0], r[1], r[2]) in keys]
    return len(new), _copy_values(session, rows)


def _stored_times(values: list[Any], stored: Callable[[dt.datetime], Any]) -> list[Any]:
    """The data time of each value row in its stored form (``stored``), converted once per
    packet: a packet's values share its data time (about 5.5 value rows a packet in the Hebei
    day; 174,000 rows of 29,000 packets: 181 ms converted row by row, 90 ms so)."""
    times: dict[dt.datetime, Any] = {}
    out = []
    for r in values:
        at = times.get(r[2])
        if at is None:
            at = times[r[2]] = stored(r[2])
        out.append(at)
    return out


def _naive_value_rows(values: list[Any]) -> list[Any]:
    """The value rows with their data time as PostgreSQL stores it."""
    return [
        (r[0], r[1], at, *r[3:])
        for r, at in zip(values, _stored_times(values, _naive), strict=True)
    ]


def _copy_values(session: Session, rows: list[Any]) -> int:
    """The values of the packets just inserted, copied straight into ``source_values`` (most
    rows of a batch are values: no staging, no second pass). A packet that is new has no values
    yet; should one be there all the same (a row left by hand), the copy fails and the values
    go through a staging table with ``ON CONFLICT DO NOTHING`` instead."""
    import psycopg

    savepoint = session.begin_nested()
    try:
        _copy(session, "source_values", VALUE_ROW_COLUMNS, rows)
    except psycopg.errors.UniqueViolation:
        savepoint.rollback()
    else:
        savepoint.commit()
        return len(rows)
    session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS jjj_stage_values"
            " (LIKE source_values INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
    )
    _copy(session, "jjj_stage_values", VALUE_ROW_COLUMNS, rows)
    columns = ", ".join(VALUE_ROW_COLUMNS)
    return _rowcount(
        session.execute(
            text(
                f"INSERT INTO source_values ({columns}) SELECT {columns} FROM jjj_stage_values"
                " ON CONFLICT DO NOTHING"
            )
        )
    )


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def sqlite_time(moment: dt.datetime) -> str:
    """A UTC time as SQLAlchemy stores it in SQLite (naive, microseconds always written): the
    keys compare as text, so every writer must write this one form."""
    return _naive(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True, slots=True)
class SqliteRows:
    """A batch's packet and value rows in SQLite's stored form (times as :func:`sqlite_time`),
    built by :func:`sqlite_rows` BEFORE the write transaction: SQLite has one writer, and every
    other writer (a login, an audit entry) waits while a batch holds the lock, so the batch
    holds it only for its statements, not for this Python work."""

    packets: list[tuple[Any, ...]]  # PACKET_COLUMNS (the batch id is added in the transaction)
    values: list[tuple[Any, ...]]  # VALUE_ROW_COLUMNS
    value_keys: list[tuple[int, int, str]]  # the packet key of each value row, in order


def sqlite_rows(batch: PreparedBatch) -> SqliteRows:
    """The rows of ``batch`` as :func:`_insert_sqlite` writes them (pure: no database)."""
    packets = [
        (r[0], r[1], sqlite_time(r[2]), r[3], r[4], sqlite_time(r[5]), r[6]) for r in batch.packets
    ]
    times = _stored_times(batch.values, sqlite_time)
    values = [(r[0], r[1], at, *r[3:]) for r, at in zip(batch.values, times, strict=True)]
    keys = [(r[0], r[1], at) for r, at in zip(batch.values, times, strict=True)]
    return SqliteRows(packets, values, keys)


def _insert_sqlite(session: Session, rows: SqliteRows, batch_id: int) -> tuple[int, int]:
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    packet_columns = ", ".join((*PACKET_COLUMNS, "batch_id"))
    cursor = dbapi.cursor()
    try:
        cursor.executemany(
            f"INSERT OR IGNORE INTO source_packets ({packet_columns})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r, batch_id) for r in rows.packets],
        )
        cursor.execute(
            "SELECT logger_id, cn, data_time FROM source_packets WHERE batch_id = ?", (batch_id,)
        )
        new = set(cursor.fetchall())
        values = rows.values
        if len(new) < len(rows.packets):  # some were stored before: only the new ones' values
            values = [v for v, key in zip(values, rows.value_keys, strict=True) if key in new]
        marks = ", ".join("?" for _ in VALUE_ROW_COLUMNS)
        cursor.executemany(
            f"INSERT OR IGNORE INTO source_values ({', '.join(VALUE_ROW_COLUMNS)})"
            f" VALUES ({marks})",
            values,
        )
        stored_values = cursor.rowcount
    finally:
        cursor.close()
    return len(new), int(stored_values)


def _mark_seen(session: Session, last_seen: dict[int, dt.datetime]) -> None:
    """``last_seen_at`` of each logger to its latest receive time, never back (a redelivered
    old message does not move it)."""
    if not last_seen:
        return
    ordered = sorted(last_seen.items())
    if is_postgres(session):
        # One statement for the batch's loggers (arrays unnested), not one UPDATE per logger:
        # a batch of the Hebei day names about 290 (docs/sources.md, "Loader").
        session.connection().exec_driver_sql(
            "UPDATE source_loggers AS l SET last_seen_at = seen.at"
            " FROM unnest(%(ids)s::bigint[], %(ats)s::timestamp[]) AS seen (id, at)"
            " WHERE l.id = seen.id AND (l.last_seen_at IS NULL OR l.last_seen_at < seen.at)",
            {"ids": [i for i, _ in ordered], "ats": [_naive(at) for _, at in ordered]},
        )
        return
    # Core, not ORM: an ORM UPDATE with many parameter sets is a bulk update by primary key.
    table = cast(Table, Logger.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("logger"))
        .where(table.c.last_seen_at.is_(None) | (table.c.last_seen_at < bindparam("seen")))
        .values(last_seen_at=bindparam("seen"))
    )
    session.connection().execute(
        statement,
        [{"logger": logger_id, "seen": seen} for logger_id, seen in ordered],
    )


def _store_reports(session: Session, batch: PreparedBatch) -> None:
    """Upsert the latest counters of each gateway (an older report never replaces a newer)."""
    if not batch.reports:
        return
    insert = pg_insert if is_postgres(session) else sqlite_insert
    for report in batch.reports.values():
        statement = insert(GatewayStats).values(
            gateway=report.gateway, reported_at=report.reported_at, counters=report.counters
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[GatewayStats.gateway],
                set_={
                    "reported_at": statement.excluded.reported_at,
                    "counters": statement.excluded.counters,
                },
                where=GatewayStats.reported_at <= statement.excluded.reported_at,
            )
        )
