"""Set-based merge of accepted rows: insert new station-hours, revise changed ones.

Rows go to a staging table (SQLite ``executemany``, PostgreSQL ``COPY``), then one statement
copies changed current rows into ``air_observation_revisions`` (who and when), one updates them,
one inserts the new ones. An identical row is left alone: sending it twice stores it once.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import polars as pl
from sqlalchemy import CursorResult, bindparam, text
from sqlalchemy.orm import Session

from jingjinji.air.models import NUMERIC, VALUE_COLUMNS, Observation
from jingjinji.db import UTCDateTime, is_postgres, utcnow

_STAGE_COLUMNS = ("station_code", "ts", *VALUE_COLUMNS)
#: SQLite page cache of a bulk load (KiB; the connection's default is 2 MB).
SQLITE_BULK_CACHE_KIB = 64 * 1024


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: MergeCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def merge(
    session: Session,
    frame: pl.DataFrame,
    *,
    actor_name: str,
    ingestion_id: int | None,
    columns: Sequence[str] = VALUE_COLUMNS,
    now: dt.datetime | None = None,
) -> MergeCounts:
    """Insert new station-hours, revise changed ones, leave identical ones; set-based."""
    if frame.is_empty():
        return MergeCounts()
    now = now or utcnow()
    provided = [c for c in VALUE_COLUMNS if c in columns]
    pg = is_postgres(session)
    distinct = (
        " OR ".join(
            f"o.{c} IS DISTINCT FROM s.{c}" if pg else f"o.{c} IS NOT s.{c}" for c in provided
        )
        or "FALSE"
    )
    all_cols = ", ".join(VALUE_COLUMNS)
    codes = sorted(set(frame["station_code"].to_list()))
    lo, hi = frame["ts"].min(), frame["ts"].max()
    params = [
        bindparam("now", now, type_=UTCDateTime()),
        bindparam("actor", actor_name),
        bindparam("ing", ingestion_id),
        bindparam("codes", codes, expanding=True),
        bindparam("lo", lo, type_=UTCDateTime()),
        bindparam("hi", hi, type_=UTCDateTime()),
    ]
    # Bounds on the stored side let PostgreSQL use the primary key instead of hashing the whole
    # table; SQLite already loops over the staged rows and looks each one up by primary key
    # (with the bounds it would loop over the stored rows and scan the unindexed stage).
    bounds = "o.station_code IN :codes AND o.ts >= :lo AND o.ts <= :hi"
    join = "o.station_code = s.station_code AND o.ts = s.ts" + (f" AND {bounds}" if pg else "")
    overlap = session.execute(
        _bound(params, f"SELECT 1 FROM air_observations o WHERE {bounds} LIMIT 1")
    ).first()
    if overlap is None:
        # Nothing stored in this span yet: every row is new (validation removed in-batch
        # duplicates), so the rows go straight into the table.
        _bulk_insert(
            session,
            frame,
            provided,
            now=now,
            actor_name=actor_name,
            ingestion_id=ingestion_id,
            pg=pg,
        )
        return MergeCounts(inserted=frame.height)
    stage = f"air_stage_{uuid.uuid4().hex[:10]}"
    _stage(session, frame, stage, pg=pg)
    session.execute(
        _bound(
            params,
            f"INSERT INTO air_observation_revisions (station_code, ts, version, {all_cols}, "
            "recorded_at, recorded_by, superseded_at, superseded_by, "
            "superseded_by_ingestion) SELECT o.station_code, o.ts, o.version, "
            + ", ".join(f"o.{c}" for c in VALUE_COLUMNS)
            + ", o.recorded_at, o.recorded_by, :now, :actor, :ing "
            f"FROM air_observations o JOIN {stage} s ON {join} WHERE {distinct}",
        )
    )
    updated = _rowcount(
        session.execute(
            _bound(
                params,
                "UPDATE air_observations AS o SET "
                + ", ".join(f"{c} = s.{c}" for c in provided)
                + ", version = o.version + 1, recorded_at = :now, recorded_by = :actor, "
                f"ingestion_id = :ing FROM {stage} AS s WHERE {join} AND ({distinct})",
            )
        )
    )
    not_stored = f" WHERE NOT EXISTS (SELECT 1 FROM air_observations o WHERE {join})"
    inserted = _rowcount(
        session.execute(
            _bound(
                params,
                f"INSERT INTO air_observations (station_code, ts, {', '.join(provided)}, "
                "version, recorded_at, recorded_by, ingestion_id) "
                f"SELECT s.station_code, s.ts, {', '.join('s.' + c for c in provided)}, 1, "
                f":now, :actor, :ing FROM {stage} s{not_stored}",
            )
        )
    )
    session.execute(_bound(params, f"DROP TABLE {stage}"))
    return MergeCounts(
        inserted=int(inserted),
        updated=int(updated),
        unchanged=frame.height - int(inserted) - int(updated),
    )


def _bulk_insert(
    session: Session,
    frame: pl.DataFrame,
    provided: Sequence[str],
    *,
    now: dt.datetime,
    actor_name: str,
    ingestion_id: int | None,
    pg: bool,
) -> None:
    """executemany (SQLite) / COPY (PostgreSQL) of new rows into air_observations."""
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    data = frame.select(
        "station_code",
        _naive_ts(pl.col("ts")).alias("ts"),
        *provided,
        pl.lit(1).alias("version"),
        pl.lit(stamp).alias("recorded_at"),
        pl.lit(actor_name).alias("recorded_by"),
        pl.lit(ingestion_id, dtype=pl.Int64).alias("ingestion_id"),
    )
    columns = ", ".join(data.columns)
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    if pg:
        buffer = io.BytesIO()
        data.write_csv(buffer, include_header=False, null_value="")
        with (
            dbapi.cursor() as cur,
            cur.copy(f"COPY air_observations ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in data.columns)
    cur = dbapi.cursor()
    try:
        cur.executemany(
            f"INSERT INTO air_observations ({columns}) VALUES ({marks})", data.iter_rows()
        )
    finally:
        cur.close()


def _naive_ts(expr: pl.Expr) -> pl.Expr:
    """UTC timestamps as the text both databases read (SQLAlchemy's SQLite format)."""
    return (
        expr.dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
        .dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
    )


def _bound(params: Sequence[Any], sql: str) -> Any:
    """``text(sql)`` with those of ``params`` it names."""
    return text(sql).bindparams(*(p for p in params if f":{p.key}" in sql))


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _stage(session: Session, frame: pl.DataFrame, stage: str, *, pg: bool) -> None:
    numeric = ", ".join(f"{c} {'double precision' if pg else 'REAL'}" for c in NUMERIC)
    ts_type = "timestamp" if pg else "TEXT"
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {stage} (station_code VARCHAR(10), ts {ts_type}, "
            f"{numeric}, wd VARCHAR(4))"
        )
    )
    data = frame.select(
        "station_code",
        pl.col("ts")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
        .dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        .alias("ts"),
        *NUMERIC,
        "wd",
    )
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    if pg:
        buffer = io.BytesIO()
        data.write_csv(buffer, include_header=False, null_value="")
        with (
            dbapi.cursor() as cur,
            cur.copy(
                f"COPY {stage} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        # A temporary table has no statistics: without them the planner may nest-loop the
        # merge joins over the (growing) observations table.
        session.execute(text(f"ANALYZE {stage} (station_code, ts)"))
    else:
        placeholders = ", ".join("?" for _ in _STAGE_COLUMNS)
        cur = dbapi.cursor()
        try:
            cur.executemany(f"INSERT INTO {stage} VALUES ({placeholders})", data.iter_rows())
        finally:
            cur.close()


@contextmanager
def bulk_load_mode(session: Session, *, incoming_rows: int) -> Iterator[None]:
    """Settings for a large load into ``air_observations`` on SQLite (PostgreSQL: none).

    - A 64 MB page cache instead of 2 MB: an import inserts into the ``ts`` index across its
      whole time span, and with a small cache every dirty page spills to the WAL and is written
      there again when it changes again.
    - When the load at least doubles the table, the ``ts`` index is dropped and built again at
      the end (one sort instead of millions of scattered inserts), inside the transaction: on
      rollback the index is simply back, and readers of other connections never see the table
      without it. A smaller load keeps the index (rebuilding it would cost more).

    The connection's cache size is restored when the block ends.
    """
    if is_postgres(session):
        yield
        return
    conn = session.connection()
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    stored = conn.exec_driver_sql("SELECT max(rowid) FROM air_observations").scalar() or 0
    table = Observation.metadata.tables[Observation.__tablename__]
    rebuild = (
        sorted(table.indexes, key=lambda i: str(i.name)) if incoming_rows >= 2 * stored else []
    )
    try:
        for index in rebuild:
            index.drop(conn)
        yield
    finally:
        for index in rebuild:
            index.create(conn, checkfirst=True)
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")
