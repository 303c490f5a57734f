"""The daily statistics cache (``air_station_daily``): GB 3095 daily means and daily weather per
station and local date, recomputed from the hourly observations whenever they change.

**Concurrent writers.** Every writer of a station-day (the observation merge and the cache
recompute of an ingestion, a recompute of the cache) first takes that station-day's write lock
for the rest of its transaction, so that writers of the same station-day run one after the
other and each one reads what the previous one committed (a day's statistics depend on all its
hours: two writers that each saw only their own hours would leave a cache missing the other's).
On PostgreSQL these are transaction-level advisory locks on stable 64-bit keys, taken in one
global order (station, then its days by date), so that two writers never wait for each other in
a cycle: a shared lock on the station plus an exclusive lock per station-day; a batch of more
than ``MAX_DAY_LOCKS`` station-days (a bulk import) takes an exclusive lock per station instead,
which excludes every day-level writer of that station. SQLite has one writer at a time: the lock
is its database write lock, taken by a no-op write before anything is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator

import polars as pl
from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, BOOLEAN
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.models import (
    DAILY_POLLUTANTS,
    DAILY_WEATHER,
    NUMERIC,
    POLLUTANTS,
    Observation,
    Station,
    StationDaily,
)
from jingjinji.air.service.periods import local_day_bounds_utc, local_naive
from jingjinji.db import copy_out_csv, is_postgres
from jingjinji.timezone import china_date

#: Above this many station-days a writer locks whole stations (PostgreSQL's shared lock table
#: holds about 64 locks per connection; a bulk import touches tens of thousands of days).
MAX_DAY_LOCKS = 256


def _lock_key(*parts: str) -> int:
    """A stable signed 64-bit advisory-lock key (the same in every process and release)."""
    digest = hashlib.blake2b("\x1f".join(("jingjinji.air", *parts)).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _advisory_locks(session: Session, keys: list[int], shared: list[bool]) -> None:
    """Take these transaction-level advisory locks in the order given, in one round trip."""
    session.execute(
        text(
            "SELECT CASE WHEN s THEN pg_advisory_xact_lock_shared(k) "
            "ELSE pg_advisory_xact_lock(k) END FROM unnest(:keys, :shared) AS u(k, s)"
        ).bindparams(
            bindparam("keys", keys, type_=ARRAY(BIGINT)),
            bindparam("shared", shared, type_=ARRAY(BOOLEAN)),
        )
    )


def _sqlite_write_lock(session: Session) -> None:
    """SQLite's database write lock, now: a deferred transaction would otherwise read first and
    take the lock only at its first write."""
    session.execute(
        update(StationDaily)
        .where(StationDaily.station_code.is_(None))
        .values(wd_mode=StationDaily.wd_mode)
        .execution_options(synchronize_session=False)
    )


def lock_stations(session: Session, station_codes: Iterable[str]) -> None:
    """Exclusive write locks on every day of these stations, until the transaction ends."""
    codes = sorted(set(station_codes))
    if not codes:
        return
    if not is_postgres(session):
        _sqlite_write_lock(session)
        return
    _advisory_locks(session, [_lock_key("station", c) for c in codes], [False] * len(codes))


def lock_station_days(session: Session, station_days: pl.DataFrame) -> None:
    """Write locks on these station-days (columns ``station_code``, ``date``: local dates)
    until the transaction ends; see the module docstring."""
    pairs = station_days.select("station_code", "date").unique().sort("station_code", "date")
    if pairs.is_empty():
        return
    if not is_postgres(session):
        _sqlite_write_lock(session)
        return
    if pairs.height > MAX_DAY_LOCKS:
        lock_stations(session, pairs["station_code"].to_list())
        return
    keys: list[int] = []
    shared: list[bool] = []
    days_of = pairs.group_by("station_code", maintain_order=True).agg("date")
    for code, days in days_of.iter_rows():
        keys.append(_lock_key("station", code))
        shared.append(True)
        keys.extend(_lock_key("station-day", code, day.isoformat()) for day in days)
        shared.extend(False for _ in days)
    _advisory_locks(session, keys, shared)


def station_days(frame: pl.DataFrame) -> pl.DataFrame:
    """The station-days (``station_code``, local ``date``) of hourly rows (``ts`` UTC)."""
    return (
        frame.select("station_code", local_naive(pl.col("ts")).dt.date().alias("date"))
        .unique()
        .sort("station_code", "date")
    )


def _daily_statistics(hourly: pl.DataFrame) -> pl.DataFrame:
    """Station-day statistics from hourly rows (ts UTC-aware) via ``kernels.daily_means``."""
    local = hourly.with_columns(local_naive(pl.col("ts")))
    means = kernels.daily_means(
        local.select("ts", "station_code", *POLLUTANTS), group_cols=["station_code"]
    )
    weather = (
        local.with_columns(pl.col("ts").dt.date().alias("date"))
        .group_by("station_code", "date")
        .agg(
            pl.col("temp").mean().alias("temp_mean"),
            pl.col("temp").min().alias("temp_min"),
            pl.col("temp").max().alias("temp_max"),
            pl.col("pres").mean().alias("pres_mean"),
            pl.col("dewp").mean().alias("dewp_mean"),
            pl.when(pl.col("rain").is_not_null().any())
            .then(pl.col("rain").sum())
            .otherwise(None)
            .alias("rain_sum"),
            pl.col("wspm").mean().alias("wspm_mean"),
            pl.col("wd").drop_nulls().mode().sort().first().alias("wd_mode"),
        )
    )
    means = means.with_columns(pl.col("date").cast(pl.Date))
    out = means.join(weather, on=["station_code", "date"], how="full", coalesce=True)
    columns = []
    for name in DAILY_POLLUTANTS + DAILY_WEATHER:
        columns.append(
            pl.col(name).cast(pl.Float64)
            if name in out.columns
            else pl.lit(None, dtype=pl.Float64).alias(name)
        )
    hours_map = {f"hours_{p}": _valid_hours_column(out, p) for p in POLLUTANTS}
    for target, source in hours_map.items():
        columns.append(
            pl.col(source).fill_null(0).cast(pl.Int64).alias(target)
            if source
            else pl.lit(0, dtype=pl.Int64).alias(target)
        )
    return out.select("station_code", "date", *columns, pl.col("wd_mode").cast(pl.Utf8))


def _valid_hours_column(frame: pl.DataFrame, pollutant: str) -> str | None:
    for candidate in (
        f"valid_hours_{pollutant}",
        f"valid_hours_{pollutant}_24h",
        f"hours_{pollutant}",
    ):
        if candidate in frame.columns:
            return candidate
    if pollutant == "o3":
        for candidate in ("valid_hours_o3_1h", "valid_hours_o3_8h"):
            if candidate in frame.columns:
                return candidate
    return None


def _runs(days: pl.DataFrame) -> list[tuple[str, dt.date, dt.date]]:
    """Station-days as runs of consecutive dates: (station, first, last)."""
    runs = (
        days.select("station_code", "date")
        .unique()
        .sort("station_code", "date")
        .with_columns(
            (
                (pl.col("date").diff().dt.total_days() != 1).fill_null(True)
                | (pl.col("station_code") != pl.col("station_code").shift()).fill_null(True)
            )
            .cum_sum()
            .alias("run")
        )
        .group_by("run", maintain_order=True)
        .agg(
            pl.col("station_code").first(),
            pl.col("date").min().alias("lo"),
            pl.col("date").max().alias("hi"),
        )
    )
    return [(r["station_code"], r["lo"], r["hi"]) for r in runs.iter_rows(named=True)]


Run = tuple[str, dt.date, dt.date]  # station, first and last local date

#: Hours one statement reads at most (estimated as 24 a day); bounds the memory of a recompute.
READ_HOURS = 240_000
_RUNS_PER_READ = 100  # OR-ed (station, span) conditions per statement
_HOURLY_SCHEMA: dict[str, pl.DataType] = {  # as read: the run's number, not its station
    "run": pl.Int64(),
    "ts": pl.Utf8(),
    **{c: pl.Float64() for c in NUMERIC},
    "wd": pl.Utf8(),
}
_DAILY_COLUMNS: tuple[str, ...] = tuple(c.name for c in StationDaily.__table__.columns)
_DB_TS = "%Y-%m-%d %H:%M:%S%.f"  # stored naive UTC: SQLAlchemy's SQLite text, PostgreSQL text


def _read_batches(runs: list[Run]) -> Iterator[list[Run]]:
    """Runs grouped so that each group is read by one statement of at most READ_HOURS hours;
    a longer run is split."""
    max_days = READ_HOURS // 24
    batch: list[Run] = []
    hours = 0
    for code, lo, hi in runs:
        while lo <= hi:
            end = min(hi, lo + dt.timedelta(days=max_days - 1))
            size = ((end - lo).days + 1) * 24
            if batch and (hours + size > READ_HOURS or len(batch) >= _RUNS_PER_READ):
                yield batch
                batch, hours = [], 0
            batch.append((code, lo, end))
            hours += size
            lo = end + dt.timedelta(days=1)
    if batch:
        yield batch


def _read_hourly(session: Session, batch: list[Run]) -> pl.DataFrame:
    """The stored hours of these runs' local days, in one statement, straight into columns:
    PostgreSQL ``COPY (SELECT ...) TO STDOUT`` parsed by polars, SQLite a cursor fetched in
    chunks into a frame (no ORM rows, no per-value conversion in Python). Each run is one index
    range scan (an OR of the runs makes SQLite collect and sort rowids) and labels its rows with
    its number (a small int costs less to fetch than the station's code as text)."""
    values = ", ".join((*NUMERIC, "wd"))
    bounds = []
    for code, lo, hi in batch:
        start, end = local_day_bounds_utc(lo, hi)
        bounds += [code, start.replace(tzinfo=None), end.replace(tzinfo=None)]
    query = " UNION ALL ".join(
        f"SELECT {n} AS run, ts, {values} FROM air_observations "
        "WHERE station_code = {} AND ts >= {} AND ts < {}"
        for n in range(len(batch))
    )
    if is_postgres(session):
        csv = copy_out_csv(session, query, bounds)
        hourly = pl.read_csv(csv, has_header=False, schema=_HOURLY_SCHEMA)
    else:
        dbapi = session.connection().connection.driver_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        try:
            cur.execute(
                query.replace("{}", "?"),
                [
                    v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v
                    for v in bounds
                ],
            )
            parts = []
            while chunk := cur.fetchmany(50_000):
                parts.append(pl.DataFrame(chunk, schema=_HOURLY_SCHEMA, orient="row"))
        finally:
            cur.close()
        hourly = pl.concat(parts) if parts else pl.DataFrame(schema=_HOURLY_SCHEMA)
    station = dict(enumerate(code for code, _, _ in batch))
    # Sorted as the statistics expect: sums over a day run in hour order on both backends.
    return hourly.select(
        pl.col("run").replace_strict(station, return_dtype=pl.Utf8).alias("station_code"),
        pl.col("ts").str.to_datetime(_DB_TS, time_unit="us").dt.replace_time_zone("UTC"),
        *NUMERIC,
        "wd",
    ).sort("station_code", "ts")


def _write_daily(session: Session, batch: list[Run], daily: pl.DataFrame) -> None:
    """Replace the cached rows of these runs by ``daily``: one DELETE, then SQLite
    ``executemany`` / PostgreSQL ``COPY`` of the new rows."""
    session.execute(
        delete(StationDaily).where(
            or_(
                *(
                    and_(
                        StationDaily.station_code == code,
                        StationDaily.date >= lo,
                        StationDaily.date <= hi,
                    )
                    for code, lo, hi in batch
                )
            )
        )
    )
    if daily.is_empty():
        return
    data = daily.select(_DAILY_COLUMNS).with_columns(pl.col("date").cast(pl.Utf8))
    names = ", ".join(_DAILY_COLUMNS)
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    if is_postgres(session):
        buffer = io.BytesIO()
        data.write_csv(buffer, include_header=False, null_value="")
        with (
            dbapi.cursor() as cur,
            cur.copy(f"COPY air_station_daily ({names}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in _DAILY_COLUMNS)
    cur = dbapi.cursor()
    try:
        cur.executemany(
            f"INSERT INTO air_station_daily ({names}) VALUES ({marks})", data.iter_rows()
        )
    finally:
        cur.close()


def _recompute(session: Session, runs: list[Run]) -> int:
    """Recompute and replace the cached rows of these runs, a batch of stations at a time."""
    written = 0
    for batch in _read_batches(runs):
        hourly = _read_hourly(session, batch)
        daily = _daily_statistics(hourly) if not hourly.is_empty() else pl.DataFrame()
        _write_daily(session, batch, daily)
        written += daily.height
    return written


def recompute_station_days(session: Session, days: pl.DataFrame) -> int:
    """Recompute the cached statistics of these station-days (``station_code``, ``date``), whose
    write locks the caller holds (:func:`lock_station_days`); returns the station-days written."""
    return _recompute(session, _runs(days))


def recompute_daily(
    session: Session,
    *,
    station_codes: Iterable[str],
    start: dt.date,
    end: dt.date,
) -> int:
    """Recompute the cached daily statistics of these stations for local dates start..end.

    Locks the station-days, replaces the cached rows of the range (a day without hours loses
    its row); returns the number of station-days written.
    """
    codes = sorted(set(station_codes))
    if not codes or end < start:
        return 0
    dates = pl.date_range(start, end, eager=True).alias("date")
    days = pl.DataFrame({"station_code": codes}).join(dates.to_frame(), how="cross")
    lock_station_days(session, days)
    return _recompute(session, [(code, start, end) for code in codes])


def recompute_all(session: Session, *, station_codes: Iterable[str] | None = None) -> int:
    """Recompute the whole daily cache of these stations (default: every station with data)."""
    if station_codes is None:  # a probe per registered station, not a scan of every hour
        station_codes = session.scalars(
            select(Station.code).where(
                select(Observation.ts).where(Observation.station_code == Station.code).exists()
            )
        ).all()
    codes = sorted(set(station_codes))
    lock_stations(session, codes)
    runs: list[Run] = []
    without: list[str] = []
    for code in codes:  # one primary-key lookup each (a GROUP BY would scan every hour)
        first, last = session.execute(
            select(func.min(Observation.ts), func.max(Observation.ts)).where(
                Observation.station_code == code
            )
        ).one()
        if first is None:
            without.append(code)
        else:
            runs.append((code, china_date(first), china_date(last)))
    if without:
        session.execute(delete(StationDaily).where(StationDaily.station_code.in_(without)))
    return _recompute(session, runs)
