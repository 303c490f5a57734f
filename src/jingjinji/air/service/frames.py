"""Hourly observations read into polars frames, and the AQI appended to a frame.

AQI arithmetic comes from :mod:`jingjinji.air.kernels`; this module only selects the data and
hands the columns to the kernels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import polars as pl
from sqlalchemy import ColumnElement, String, select, type_coerce
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.models import NUMERIC, Observation

#: Columns handed to the AQI kernel when present (daily and hourly reports).
AQI_INPUTS: tuple[str, ...] = (
    "pm2_5",
    "pm10",
    "so2",
    "no2",
    "co",
    "o3_1h",
    "o3_8h",
    "pm2_5_24h",
    "pm10_24h",
    "so2_24h",
)


_OBS_SCHEMA: dict[str, Any] = {
    "station_code": pl.Utf8,
    "ts": pl.Datetime("us", "UTC"),
    **{c: pl.Float64 for c in NUMERIC},
    "wd": pl.Utf8,
}


def _ts_series(values: list[Any]) -> pl.Series:
    """Stored naive-UTC timestamps read without type processing (SQLite: text in SQLAlchemy's
    format; PostgreSQL: naive datetimes) -> a UTC datetime series."""
    series = pl.Series("ts", values)
    if series.dtype == pl.Utf8:
        series = series.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
    return series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def observation_columns() -> list[ColumnElement[Any]]:
    """The columns :func:`observations_frame_of` reads, in its order: station, the raw
    timestamp (no per-row conversion; polars parses it in one go), the values, the wind."""
    table = Observation.__table__
    raw_ts = type_coerce(table.c.ts, String).label("ts")
    return [table.c.station_code, raw_ts, *(table.c[c] for c in NUMERIC), table.c.wd]


def observations_frame_of(rows: Sequence[Sequence[Any]]) -> pl.DataFrame:
    """Rows selected with :func:`observation_columns` -> a frame (ts UTC-aware)."""
    if not rows:
        return pl.DataFrame(schema=_OBS_SCHEMA)
    columns = list(zip(*rows, strict=True))
    data: dict[str, pl.Series] = {
        "station_code": pl.Series("station_code", columns[0], dtype=pl.Utf8),
        "ts": _ts_series(list(columns[1])),
    }
    for i, name in enumerate(NUMERIC, start=2):
        data[name] = pl.Series(name, columns[i], dtype=pl.Float64)
    data["wd"] = pl.Series("wd", columns[-1], dtype=pl.Utf8)
    return pl.DataFrame(data)


def observations_frame(
    session: Session,
    *,
    station_codes: Sequence[str],
    start_utc: dt.datetime,
    end_utc: dt.datetime,
) -> pl.DataFrame:
    """Hourly observations ``start_utc <= ts < end_utc`` of these stations (ts UTC-aware)."""
    if not station_codes:
        return pl.DataFrame(schema=_OBS_SCHEMA)
    table = Observation.__table__
    stmt = (
        select(*observation_columns())
        .where(
            table.c.station_code.in_(list(station_codes)),
            table.c.ts >= start_utc,
            table.c.ts < end_utc,
        )
        .order_by(table.c.station_code, table.c.ts)
    )
    return observations_frame_of(session.execute(stmt).all())


def with_aqi(
    frame: pl.DataFrame,
    *,
    report: kernels.Report,
    standard: str | None,
    day_column: str = "date",
) -> pl.DataFrame:
    """Append ``aqi`` (Int64, null = NA), ``level`` (Int8, 0 = NA), ``category_en`` and
    ``primary_pollutants`` (null when none), computed by the kernels.

    Without ``standard`` each row uses the standard in force on its date (HJ 633-2026 from
    2026-03-01). Daily frames carry pm2_5, pm10, so2, no2, co, o3_1h, o3_8h; hourly frames
    pm2_5, pm10, so2, no2, co, o3_1h (and o3_8h when present).
    """
    n = frame.height
    aqi = np.full(n, np.nan)
    level = np.zeros(n, dtype=np.int8)
    primary: list[str | None] = [None] * n
    if n:
        arrays = {
            name: frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
            for name in AQI_INPUTS
            if name in frame.columns
        }
        if standard is not None:
            result = kernels.compute_aqi(
                arrays, standard=cast(kernels.Standard, standard), report=report
            )
        else:
            days = frame[day_column]
            if days.dtype != pl.Date:
                days = days.dt.date()
            result = kernels.compute_aqi_by_date(arrays, days=days.to_numpy(), report=report)
        aqi = np.asarray(result.aqi, dtype=float)
        level = np.asarray(result.level, dtype=np.int8)
        primary = [p or None for p in result.primary]
    aqi_series = pl.Series("aqi", aqi).fill_nan(None).round(0).cast(pl.Int64)
    return frame.with_columns(
        aqi_series,
        pl.Series("level", level, dtype=pl.Int8),
        pl.Series("primary_pollutants", primary, dtype=pl.Utf8),
    )
