"""The daily statistics cache (``air_station_daily``): GB 3095 daily means and daily weather per
station and local date, recomputed from the hourly observations whenever they change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.models import (
    DAILY_POLLUTANTS,
    DAILY_WEATHER,
    POLLUTANTS,
    Observation,
    StationDaily,
)
from jingjinji.air.service.frames import observations_frame
from jingjinji.air.service.periods import local_day_bounds_utc, local_naive
from jingjinji.timezone import china_date


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


def recompute_daily(
    session: Session,
    *,
    station_codes: Iterable[str],
    start: dt.date,
    end: dt.date,
) -> int:
    """Recompute the cached daily statistics of these stations for local dates start..end.

    Reads one extra day on either side (8-hour windows near midnight), replaces the cached rows
    of the range in one set-based delete + bulk insert; returns the number of station-days.
    """
    codes = sorted(set(station_codes))
    if not codes:
        return 0
    written = 0
    for code in codes:
        lo, hi = local_day_bounds_utc(start - dt.timedelta(days=1), end + dt.timedelta(days=1))
        hourly = observations_frame(session, station_codes=[code], start_utc=lo, end_utc=hi)
        session.execute(
            delete(StationDaily).where(
                StationDaily.station_code == code,
                StationDaily.date >= start,
                StationDaily.date <= end,
            )
        )
        if hourly.is_empty():
            continue
        daily = _daily_statistics(hourly).filter(
            (pl.col("date") >= start) & (pl.col("date") <= end)
        )
        if daily.is_empty():
            continue
        rows = daily.to_dicts()
        session.execute(insert(StationDaily), rows)
        written += len(rows)
    return written


def recompute_all(session: Session, *, station_codes: Iterable[str] | None = None) -> int:
    """Recompute the whole daily cache of these stations (default: every station with data)."""
    if station_codes is None:
        station_codes = list(session.scalars(select(Observation.station_code).distinct()))
    total = 0
    for code in sorted(set(station_codes)):
        first, last = session.execute(
            select(func.min(Observation.ts), func.max(Observation.ts)).where(
                Observation.station_code == code
            )
        ).one()
        if first is None:
            session.execute(delete(StationDaily).where(StationDaily.station_code == code))
            continue
        total += recompute_daily(
            session,
            station_codes=[code],
            start=china_date(first),
            end=china_date(last),
        )
    return total
