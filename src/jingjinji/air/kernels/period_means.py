"""Monthly and annual means of daily values with GB 3095-2012's data validity (its table 4):

- a **monthly mean** needs at least 27 valid daily values in the month (25 in February);
- an **annual mean** needs at least 324 valid daily values in the year and at least 27 in every
  month of it (25 in February); a month without data counts 0 days.

A period with fewer valid days has no mean (null); its count of valid days says why. A daily value
is valid when it is a finite number >= 0 (the daily values themselves carry the 20-hour and
6-hour rules, see :mod:`jingjinji.air.kernels.averages`). The same rule is applied to every
column given (GB 3095 states it for SO2, NO2, PM10, PM2.5; CO and the O3 daily maximum 8-hour
mean are averaged by the same rule here). Means are not rounded: rounding is for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import polars as pl

from jingjinji.air.kernels.averages import valid_value
from jingjinji.air.kernels.gb3095 import MIN_DAYS_FEBRUARY, MIN_DAYS_MONTH, MIN_DAYS_YEAR

Period = Literal["month", "year"]
#: The daily columns averaged by default: 24-hour means and the O3 daily maximum 8-hour mean.
MEAN_COLUMNS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3_8h")


def _days_needed(month: pl.Expr) -> pl.Expr:
    return pl.when(month == 2).then(MIN_DAYS_FEBRUARY).otherwise(MIN_DAYS_MONTH)


def period_means(
    daily: pl.DataFrame,
    *,
    period: Period,
    columns: Sequence[str] = MEAN_COLUMNS,
    group_cols: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per group and month (``year``, ``month``) or year (``year``) that has rows in
    ``daily`` (columns ``date`` and ``columns``; one row per group and date), sorted: for each
    column its mean (null when the period lacks valid days) and ``days_<column>``, the valid
    daily values counted."""
    groups = list(group_cols)
    missing = [c for c in ["date", *groups, *columns] if c not in daily.columns]
    if missing:
        raise ValueError(f"daily frame lacks column(s) {', '.join(missing)}")
    if period not in ("month", "year"):
        raise ValueError(f"unknown period {period!r}; expected month or year")
    frame = daily.select(
        *groups,
        pl.col("date").cast(pl.Date),
        *(valid_value(c) for c in columns),
    ).with_columns(
        pl.col("date").dt.year().cast(pl.Int32).alias("year"),
        pl.col("date").dt.month().cast(pl.Int8).alias("month"),
    )
    if frame.select(*groups, "date").is_duplicated().any():
        raise ValueError("duplicate daily rows for a group and date")
    months = frame.group_by([*groups, "year", "month"]).agg(
        *(pl.col(c).mean().alias(f"mean|{c}") for c in columns),
        *(pl.col(c).count().cast(pl.Int64).alias(f"days_{c}") for c in columns),
    )
    if period == "month":
        need = _days_needed(pl.col("month"))
        return months.select(
            *groups,
            "year",
            "month",
            *(
                pl.when(pl.col(f"days_{c}") >= need).then(pl.col(f"mean|{c}")).alias(c)
                for c in columns
            ),
            *(f"days_{c}" for c in columns),
        ).sort([*groups, "year", "month"])
    # A year is valid when every month has enough days: count the months that do.
    keys = [*groups, "year"]
    need = _days_needed(pl.col("month"))
    years = (
        frame.group_by(keys)
        .agg(
            *(pl.col(c).mean().alias(f"mean|{c}") for c in columns),
            *(pl.col(c).count().cast(pl.Int64).alias(f"days_{c}") for c in columns),
        )
        .join(
            months.group_by(keys).agg(
                *((pl.col(f"days_{c}") >= need).sum().alias(f"full|{c}") for c in columns)
            ),
            on=keys,
            how="left",
            nulls_equal=True,
        )
    )
    return years.select(
        *keys,
        *(
            pl.when((pl.col(f"days_{c}") >= MIN_DAYS_YEAR) & (pl.col(f"full|{c}") == 12))
            .then(pl.col(f"mean|{c}"))
            .alias(c)
            for c in columns
        ),
        *(f"days_{c}" for c in columns),
    ).sort(keys)
