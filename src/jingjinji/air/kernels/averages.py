"""GB 3095 data validity: daily statistics and moving averages from hourly values.

A 24h mean needs >= 20 valid hours, an 8h mean >= 6; the O3 daily maximum 8h mean is taken over
the 17 windows lying inside the local day (HJ 663).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from jingjinji.air.kernels.standards import FloatArray

HOURLY_POLLUTANTS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3")
MEAN_24H_POLLUTANTS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co")
MIN_HOURS_24H = 20  # GB 3095: a 24h mean needs >= 20 valid hourly values
MIN_HOURS_8H = 6  # GB 3095: an 8h mean needs >= 6 valid hourly values


def _local_naive(ts: pl.Expr, dtype: pl.DataType, local_tz: str) -> pl.Expr:
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return ts.dt.convert_time_zone(local_tz).dt.replace_time_zone(None)
    return ts


def _prepare_hourly(
    hourly: pl.DataFrame, group_cols: Sequence[str], local_tz: str
) -> tuple[pl.DataFrame, list[str]]:
    group_cols = list(group_cols)
    missing = [c for c in ["ts", *group_cols] if c not in hourly.columns]
    if missing:
        raise ValueError(f"hourly frame lacks column(s) {', '.join(missing)}")
    dtype = hourly.schema["ts"]
    if not isinstance(dtype, pl.Datetime):
        raise ValueError(f"column 'ts' must be a datetime (hour-beginning), got {dtype}")
    pollutants = [p for p in HOURLY_POLLUTANTS if p in hourly.columns]
    if not pollutants:
        raise ValueError(f"hourly frame has none of {', '.join(HOURLY_POLLUTANTS)}")
    frame = hourly.select(
        *group_cols,
        _local_naive(pl.col("ts"), dtype, local_tz).alias("ts"),
        *[valid_value(p) for p in pollutants],
    )
    if frame["ts"].null_count():
        raise ValueError("column 'ts' has missing timestamps")
    off_hour = frame.filter(pl.col("ts").dt.truncate("1h") != pl.col("ts"))
    if off_hour.height:
        raise ValueError(f"timestamps must be on the hour, e.g. {off_hour['ts'][0]}")
    dup = frame.select(*group_cols, "ts").is_duplicated()
    if dup.any():
        first = frame.filter(dup).row(0, named=True)
        raise ValueError(f"duplicate hourly rows for {first}")
    return frame, pollutants


def valid_value(column: str) -> pl.Expr:
    """``column`` as Float64 with NaN and negative values null (missing)."""
    value = pl.col(column).cast(pl.Float64).fill_nan(None)
    return pl.when(value >= 0).then(value).otherwise(None).alias(column)


def _window_sums(matrix: FloatArray, width: int) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Sums and valid counts of consecutive ``width``-column windows of a row-wise matrix."""
    valid = ~np.isnan(matrix)
    filled = np.where(valid, matrix, 0.0)
    count = valid.astype(np.int64)
    n_windows = matrix.shape[1] - width + 1
    sums = filled[:, :n_windows].copy()
    counts = count[:, :n_windows].copy()
    for k in range(1, width):  # direct sums: no cumulative-sum cancellation error
        sums += filled[:, k : k + n_windows]
        counts += count[:, k : k + n_windows]
    return sums, counts


def daily_means(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    min_hours_24h: int = MIN_HOURS_24H,
    min_hours_8h: int = MIN_HOURS_8H,
    min_windows_o3_8h: int = 14,
    o3_8h_valid_above: float | None = 160.0,
    min_hours_daily_max: int = MIN_HOURS_24H,
    local_tz: str = "Asia/Shanghai",
) -> pl.DataFrame:
    """Daily statistics per group and local date from hour-beginning hourly values.

    Input: ``ts`` (datetime; the hour starting at ts; a time-zone-aware ts is converted to
    ``local_tz`` first, a naive one is taken as local time), ``group_cols`` and any of the
    hourly pollutants ``pm2_5, pm10, so2, no2, co, o3`` (NaN/null/negative = missing).

    Output per group and ``date`` (sorted): 24h means of pm2_5, pm10, so2, no2, co (null unless
    >= ``min_hours_24h`` valid hours); ``o3_1h`` and ``so2_1h`` daily maxima (null unless
    >= ``min_hours_daily_max`` valid hours; OPEN, see docs); ``o3_8h`` the daily maximum of the
    17 8h moving averages lying inside the day (hours 00-07 ... 16-23, i.e. windows ending at
    08:00 ... 24:00 as in HJ 663), each valid with >= ``min_hours_8h`` valid hours, the daily
    maximum valid with >= ``min_windows_o3_8h`` valid windows or, with fewer, when it exceeds
    ``o3_8h_valid_above`` (None disables that exception); ``valid_hours_<p>`` per pollutant
    and ``valid_windows_o3_8h``.
    """
    frame, pollutants = _prepare_hourly(hourly, group_cols, local_tz)
    keys = [*group_cols, "date"]
    frame = frame.with_columns(
        pl.col("ts").dt.date().alias("date"), pl.col("ts").dt.hour().alias("_hour")
    )
    days = frame.select(keys).unique().sort(keys).with_row_index("_day")
    frame = frame.join(days, on=keys, how="left", nulls_equal=True)
    n_days = days.height
    day_idx = frame["_day"].to_numpy()
    hour_idx = frame["_hour"].to_numpy().astype(np.int64)

    def matrix(column: str) -> FloatArray:
        grid = np.full((n_days, 24), math.nan)
        grid[day_idx, hour_idx] = frame[column].to_numpy().astype(np.float64)
        return grid

    out: dict[str, Any] = {}
    counts: dict[str, npt.NDArray[np.int64]] = {}
    for p in pollutants:
        grid = matrix(p)
        n_valid = (~np.isnan(grid)).sum(axis=1)
        counts[p] = n_valid
        if p in MEAN_24H_POLLUTANTS:
            total = np.where(np.isnan(grid), 0.0, grid).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = total / n_valid
            out[p] = np.where(n_valid >= min_hours_24h, mean, math.nan)
        if p in ("o3", "so2"):
            with np.errstate(invalid="ignore"):
                peak = np.fmax.reduce(grid, axis=1)
            out[f"{p}_1h"] = np.where(n_valid >= min_hours_daily_max, peak, math.nan)
        if p == "o3":
            sums, n_hours = _window_sums(grid, 8)
            with np.errstate(invalid="ignore", divide="ignore"):
                windows = np.where(n_hours >= min_hours_8h, sums / n_hours, math.nan)
            n_windows = (~np.isnan(windows)).sum(axis=1)
            with np.errstate(invalid="ignore"):
                best = np.fmax.reduce(windows, axis=1)
            ok = n_windows >= min_windows_o3_8h
            if o3_8h_valid_above is not None:
                ok |= best > o3_8h_valid_above
            out["o3_8h"] = np.where(ok, best, math.nan)
            counts["_windows"] = n_windows

    order = ["pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h", "so2_1h"]
    result = days.drop("_day").with_columns(
        [
            pl.Series(name, out[name], dtype=pl.Float64, nan_to_null=True)
            for name in order
            if name in out
        ]
        + [pl.Series(f"valid_hours_{p}", counts[p], dtype=pl.Int32) for p in pollutants]
    )
    if "_windows" in counts:
        result = result.with_columns(
            pl.Series("valid_windows_o3_8h", counts["_windows"], dtype=pl.Int32)
        )
    return result


def moving_average(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str,
    hours: int,
    min_valid: int,
    name: str | None = None,
) -> pl.DataFrame:
    """Append the ``hours``-hour moving average ending with each row's hour.

    The value at ``ts`` (hour-beginning) is the mean of the valid values of the hours starting
    at ts-(hours-1)h ... ts of the same group (clock hours: absent rows count as missing, days
    are crossed), null unless at least ``min_valid`` are valid. Rows keep their order.
    """
    if hours < 1 or not 1 <= min_valid <= hours:
        raise ValueError("need hours >= 1 and 1 <= min_valid <= hours")
    if column not in hourly.columns:
        raise ValueError(f"hourly frame lacks column {column!r}")
    group_cols = list(group_cols)
    missing = [c for c in ["ts", *group_cols] if c not in hourly.columns]
    if missing:
        raise ValueError(f"hourly frame lacks column(s) {', '.join(missing)}")
    if not isinstance(hourly.schema["ts"], pl.Datetime):
        raise ValueError("column 'ts' must be a datetime (hour-beginning)")
    name = name or f"{column}_{hours}h"
    if hourly.height == 0:
        return hourly.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
    hour_number = (pl.col("ts").dt.epoch("s") // 3600).alias("_h")
    frame = hourly.select(
        *group_cols,
        hour_number,
        (pl.col("ts").dt.epoch("s") % 3600).alias("_off"),
        valid_value(column).alias("_v"),
    )
    if frame["_h"].null_count():
        raise ValueError("column 'ts' has missing timestamps")
    if (frame["_off"] != 0).any():
        raise ValueError("timestamps must be on the hour")
    if frame.select(*group_cols, "_h").is_duplicated().any():
        raise ValueError("duplicate hourly rows for a group and hour")
    if group_cols:
        gid = frame.select(pl.struct(group_cols).rank("dense").alias("g"))["g"].to_numpy()
        gid = gid.astype(np.int64) - 1
    else:
        gid = np.zeros(frame.height, dtype=np.int64)
    h = frame["_h"].to_numpy().astype(np.int64)
    n_groups = int(gid.max()) + 1
    start = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(start, gid, h)
    end = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(end, gid, h)
    span = end - start + 1 + (hours - 1)  # leading padding: hours before a group's start
    offset = np.concatenate([[0], np.cumsum(span)[:-1]])
    pos = offset[gid] + (hours - 1) + (h - start[gid])
    values = frame["_v"].to_numpy().astype(np.float64)
    grid = np.zeros(int(span.sum()))
    valid = np.zeros(int(span.sum()), dtype=np.int64)
    ok = ~np.isnan(values)
    grid[pos[ok]] = values[ok]
    valid[pos[ok]] = 1
    total = np.zeros(len(pos))
    count = np.zeros(len(pos), dtype=np.int64)
    for k in range(hours):
        total += grid[pos - k]
        count += valid[pos - k]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count >= min_valid, total / count, math.nan)
    return hourly.with_columns(pl.Series(name, mean, dtype=pl.Float64, nan_to_null=True))


def moving_average_8h(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str = "o3",
    min_valid: int = MIN_HOURS_8H,
    name: str = "o3_8h",
) -> pl.DataFrame:
    """O3 8h moving average for the hourly report (this hour and the 7 before, >= 6 valid)."""
    return moving_average(
        hourly, group_cols=group_cols, column=column, hours=8, min_valid=min_valid, name=name
    )


def moving_average_24h(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str,
    min_valid: int = MIN_HOURS_24H,
    name: str | None = None,
) -> pl.DataFrame:
    """24h moving average (this hour and the 23 before, >= 20 valid), e.g. ``pm2_5_24h``."""
    return moving_average(
        hourly,
        group_cols=group_cols,
        column=column,
        hours=24,
        min_valid=min_valid,
        name=name or f"{column}_24h",
    )
