"""GB 3095 compliance (grade II): limits, annual means, percentiles, exceedance days.

The annual assessment of daily values (HJ 663): a statistic is valid with >= 324 valid days in
the year and >= 27 in every month (25 in February).

Rounding (HJ 663 refers to GB/T 8170): before a value is compared with a limit it is rounded to
the decimals HJ 663 gives for the pollutant (:data:`DECIMALS`) by GB/T 8170's rule "四舍六入五成双"
(round half to even, on the decimal value: 75.5 -> 76, 76.5 -> 76, 75.51 -> 76). On by default
(``rounding=True``); the statistics reported are the rounded ones.

Reference state (GB 3095-2012 amendment, MEE announcement 2018 No. 29, in force from
2018-09-01): SO2, NO2, CO and O3 are reported at the reference state (298.15 K, 1013.25 hPa),
particulates at the actual state; before, every pollutant was reported at the standard state
(273.15 K, 1013.25 hPa). The same air gives a gaseous mass concentration 273.15/298.15 = 0.916
times as high at the reference state, while the limits kept their numbers: a comparison across
the change needs the values in one state. ``gas_reference_state=True`` converts the gaseous
values dated before 2018-09-01 (standard state under the rules then in force) to the reference
state before anything is computed; the default keeps every value in the state it was reported
in (the platform's Beijing data, 2013-2017, are all at the standard state, so they are assessed
as they were then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt
import polars as pl

from jingjinji.air.kernels.averages import valid_value
from jingjinji.air.kernels.standards import COMPLIANCE_STANDARDS, ComplianceStandard

#: Grade II limits (ug/m3, CO mg/m3) by standard -> pollutant -> averaging period.
LIMITS: dict[ComplianceStandard, dict[str, dict[str, float]]] = {
    "gb3095-2012": {
        "pm2_5": {"annual": 35, "24h": 75},
        "pm10": {"annual": 70, "24h": 150},
        "so2": {"annual": 60, "24h": 150, "1h": 500},
        "no2": {"annual": 40, "24h": 80, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
    "gb3095-2026": {
        "pm2_5": {"annual": 30, "24h": 60},
        "pm10": {"annual": 60, "24h": 120},
        "so2": {"annual": 60, "24h": 150, "1h": 500},
        "no2": {"annual": 40, "24h": 80, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
    "gb3095-2026-2031": {
        "pm2_5": {"annual": 25, "24h": 50},
        "pm10": {"annual": 50, "24h": 100},
        "so2": {"annual": 20, "24h": 50, "1h": 150},
        "no2": {"annual": 30, "24h": 50, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
}

#: Daily column -> (pollutant, averaging period of the limit it is compared with).
DAILY_LIMIT_COLUMNS: dict[str, tuple[str, str]] = {
    "pm2_5": ("pm2_5", "24h"),
    "pm10": ("pm10", "24h"),
    "so2": ("so2", "24h"),
    "no2": ("no2", "24h"),
    "co": ("co", "24h"),
    "o3_8h": ("o3", "8h"),
    "o3_1h": ("o3", "1h"),  # days whose max 1h value exceeds the 1h limit (informative)
    "so2_1h": ("so2", "1h"),
}

#: Percentile of the daily values assessed against the short-term limit (HJ 663 annual
#: assessment): 98th for SO2/NO2, 95th for PM10/PM2.5/CO, 90th for the O3 daily max 8h.
PERCENTILES: dict[str, int] = {
    "so2": 98,
    "no2": 98,
    "pm10": 95,
    "pm2_5": 95,
    "co": 95,
    "o3_8h": 90,
}

#: Decimals of a statistic before it is compared with a limit (HJ 663-2013, data rounding):
#: ug/m3 pollutants as integers, CO (mg/m3) with one decimal. OPEN: HJ 663's table was not at
#: hand when this was written; the integer ug/m3 rule is well attested, CO's one decimal is
#: to be verified against the text.
DECIMALS: dict[str, int] = {
    "pm2_5": 0,
    "pm10": 0,
    "so2": 0,
    "no2": 0,
    "o3": 0,
    "co": 1,
}

#: From this day gaseous pollutants are reported at the reference state (2018 amendment).
REFERENCE_STATE_FROM = dt.date(2018, 9, 1)
#: Pollutants the 2018 amendment moved to the reference state.
GASEOUS = frozenset({"so2", "no2", "co", "o3"})
#: Standard state (273.15 K) -> reference state (298.15 K) at the same pressure.
STANDARD_TO_REFERENCE = 273.15 / 298.15

MIN_DAYS_YEAR = 324
MIN_DAYS_MONTH = 27
MIN_DAYS_FEBRUARY = 25
PercentileMethod = Literal["linear", "lower", "higher", "nearest", "midpoint"]
MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class IndicatorResult:
    """One assessed indicator, e.g. ``pm2_5_annual`` or ``o3_8h_p90``."""

    indicator: str
    column: str
    statistic: Literal["annual_mean", "percentile"]
    value: float | None  # None when the year's data are insufficient
    limit: float
    passed: bool | None  # None when value is None
    reason: str | None  # why value is None


@dataclass(frozen=True)
class YearCompliance:
    year: int
    group: tuple[Any, ...]
    valid_days: dict[str, int]
    exceedance_days: dict[str, int]
    annual_mean: dict[str, float | None]
    annual_mean_reason: dict[str, str | None]
    indicators: dict[str, IndicatorResult]

    @property
    def passed(self) -> bool | None:
        """True when every indicator passes; False when one fails; None when undetermined."""
        outcomes = [r.passed for r in self.indicators.values()]
        if any(o is False for o in outcomes):
            return False
        return None if any(o is None for o in outcomes) or not outcomes else True


def gbt8170_round(values: npt.ArrayLike, decimals: int) -> npt.NDArray[np.float64]:
    """Round to ``decimals`` by GB/T 8170 ("四舍六入五成双": round half to even) on each
    value's decimal form (its shortest repr), so 4.35 -> 4.4 although the binary 4.35 is a
    little below it. NaN stays NaN."""
    quantum = Decimal(1).scaleb(-decimals)
    flat = np.asarray(values, dtype=np.float64)
    out = np.full(flat.shape, np.nan)
    for i, v in np.ndenumerate(flat):
        if np.isfinite(v):
            out[i] = float(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_EVEN))
    return out


def _rounded(expr: pl.Expr, decimals: int) -> pl.Expr:
    return expr.map_batches(
        lambda s: pl.Series(s.name, gbt8170_round(s.to_numpy(), decimals), dtype=pl.Float64),
        return_dtype=pl.Float64,
    )


def to_reference_state(
    daily: pl.DataFrame, *, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """``daily`` with the gaseous columns (SO2, NO2, CO, O3) of days before 2018-09-01 turned
    from the standard state into the reference state (x 273.15/298.15); particulates and days
    from 2018-09-01 unchanged."""
    gaseous = [
        c
        for c in (columns if columns is not None else daily.columns)
        if c in DAILY_LIMIT_COLUMNS and DAILY_LIMIT_COLUMNS[c][0] in GASEOUS
    ]
    before = pl.col("date").cast(pl.Date) < REFERENCE_STATE_FROM
    return daily.with_columns(
        [
            pl.when(before).then(pl.col(c) * STANDARD_TO_REFERENCE).otherwise(pl.col(c)).alias(c)
            for c in gaseous
        ]
    )


def _statistics(
    columns: Sequence[str],
    limits: dict[str, dict[str, float]],
    *,
    rounding: bool,
    percentile_method: PercentileMethod,
) -> list[pl.Expr]:
    """Per column: valid days, exceedance days (daily values rounded first when ``rounding``),
    the annual mean and the HJ 663 percentile (unrounded; the caller rounds them)."""
    aggs: list[pl.Expr] = []
    for c in columns:
        pollutant, period = DAILY_LIMIT_COLUMNS[c]
        daily = _rounded(pl.col(c), DECIMALS[pollutant]) if rounding else pl.col(c)
        aggs += [
            pl.col(c).count().alias(f"n|{c}"),
            (daily > limits[pollutant][period]).sum().alias(f"exc|{c}"),
        ]
        if "annual" in limits[pollutant] and period == "24h":
            aggs.append(pl.col(c).mean().alias(f"mean|{c}"))
        if c in PERCENTILES:
            aggs.append(
                pl.col(c)
                .quantile(PERCENTILES[c] / 100.0, interpolation=percentile_method)
                .alias(f"pct|{c}")
            )
    return aggs


def compliance_table(
    daily: pl.DataFrame,
    *,
    standard: ComplianceStandard,
    group_cols: Sequence[str] = (),
    percentile_method: PercentileMethod = "linear",
    rounding: bool = True,
    gas_reference_state: bool = False,
) -> pl.DataFrame:
    """Long table of the annual GB 3095 assessment, one row per group, year and indicator.

    ``daily`` has ``date`` (pl.Date), optional ``group_cols`` and any of the daily columns of
    :func:`daily_means` (``pm2_5, pm10, so2, no2, co`` 24h means, ``o3_8h`` daily max 8h,
    optional ``o3_1h``/``so2_1h`` daily max 1h); null/NaN/negative = missing.

    Columns: group cols, ``year``, ``indicator``, ``column``, ``statistic`` (``annual_mean``,
    ``percentile``, ``exceedance_days``), ``value``, ``limit``, ``valid_days``, ``valid``,
    ``passed`` (null for exceedance counts and insufficient data) and ``reason``.

    ``rounding``: GB/T 8170 rounding of each daily value and statistic to :data:`DECIMALS`
    before it is compared with its limit (the statistic reported is the rounded one).
    ``gas_reference_state``: assess the gaseous pollutants at the reference state of the 2018
    amendment (values before 2018-09-01 converted, :func:`to_reference_state`).
    """
    if standard not in LIMITS:
        raise ValueError(
            f"unknown standard {standard!r}; expected one of {', '.join(COMPLIANCE_STANDARDS)}"
        )
    if percentile_method not in get_args(PercentileMethod):
        raise ValueError(f"unknown percentile method {percentile_method!r}")
    group_cols = list(group_cols)
    missing = [c for c in ["date", *group_cols] if c not in daily.columns]
    if missing:
        raise ValueError(f"daily frame lacks column(s) {', '.join(missing)}")
    columns = [c for c in DAILY_LIMIT_COLUMNS if c in daily.columns]
    if not columns:
        raise ValueError(f"daily frame has none of {', '.join(DAILY_LIMIT_COLUMNS)}")
    limits = LIMITS[standard]
    frame = daily.select(
        *group_cols,
        pl.col("date").cast(pl.Date),
        *[valid_value(c) for c in columns],
    )
    if gas_reference_state:
        frame = to_reference_state(frame, columns=columns)
    if frame.select(*group_cols, "date").is_duplicated().any():
        raise ValueError("duplicate daily rows for a group and date")
    frame = frame.with_columns(
        pl.col("date").dt.year().alias("year"), pl.col("date").dt.month().alias("month")
    )
    keys = [*group_cols, "year"]

    aggs = _statistics(columns, limits, rounding=rounding, percentile_method=percentile_method)
    stats = frame.group_by(keys).agg(aggs)
    if rounding:
        stats = stats.with_columns(
            [
                _rounded(pl.col(name), DECIMALS[DAILY_LIMIT_COLUMNS[name.split("|", 1)[1]][0]])
                for name in stats.columns
                if name.startswith(("mean|", "pct|"))
            ]
        )

    # Monthly completeness: every month of the year, absent months counting 0 days.
    per_month = frame.group_by([*keys, "month"]).agg(
        [pl.col(c).count().alias(f"m|{c}") for c in columns]
    )
    months = pl.DataFrame({"month": list(range(1, 13))}, schema={"month": pl.Int8})
    grid = (
        stats.select(keys)
        .join(months, how="cross")
        .join(per_month, on=[*keys, "month"], how="left", nulls_equal=True)
        .with_columns([pl.col(f"m|{c}").fill_null(0) for c in columns])
    )
    need = pl.when(pl.col("month") == 2).then(MIN_DAYS_FEBRUARY).otherwise(MIN_DAYS_MONTH)
    month_name = pl.col("month").replace_strict(
        list(range(1, 13)), list(MONTH_NAMES[1:]), return_dtype=pl.String
    )
    short_months = grid.group_by(keys).agg(
        [
            pl.when(pl.col(f"m|{c}") < need)
            .then(pl.format("{} {} (< {})", month_name, pl.col(f"m|{c}"), need))
            .drop_nulls()
            .str.join("; ")
            .alias(f"short|{c}")
            for c in columns
        ]
    )
    stats = stats.join(short_months, on=keys, how="left", nulls_equal=True)

    parts: list[pl.DataFrame] = []
    for c in columns:
        pollutant, period = DAILY_LIMIT_COLUMNS[c]
        n = pl.col(f"n|{c}")
        short = pl.col(f"short|{c}").fill_null("")
        enough = (n >= MIN_DAYS_YEAR) & (short == "")
        reason = (
            pl.when(enough)
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(
                pl.concat_str(
                    [
                        pl.format("{} valid daily values", n),
                        pl.when(n < MIN_DAYS_YEAR)
                        .then(pl.lit(f" (< {MIN_DAYS_YEAR})"))
                        .otherwise(pl.lit("")),
                        pl.when(short != "")
                        .then(pl.concat_str([pl.lit("; months short: "), short]))
                        .otherwise(pl.lit("")),
                    ]
                )
            )
        )
        base: list[str | pl.Expr] = [*keys, n.alias("valid_days"), pl.lit(c).alias("column")]
        parts.append(
            stats.select(
                *base,
                pl.lit(f"{c}_exceedance_days").alias("indicator"),
                pl.lit("exceedance_days").alias("statistic"),
                pl.col(f"exc|{c}").cast(pl.Float64).alias("value"),
                pl.lit(float(limits[pollutant][period])).alias("limit"),
                pl.lit(True).alias("valid"),
                pl.lit(None, dtype=pl.Boolean).alias("passed"),
                pl.lit(None, dtype=pl.String).alias("reason"),
            )
        )
        assessed: list[tuple[str, str, str, float]] = []
        if f"mean|{c}" in stats.columns:
            assessed.append(
                (f"{c}_annual", "annual_mean", f"mean|{c}", float(limits[pollutant]["annual"]))
            )
        if f"pct|{c}" in stats.columns:
            assessed.append(
                (
                    f"{c}_p{PERCENTILES[c]}",
                    "percentile",
                    f"pct|{c}",
                    float(limits[pollutant][period]),
                )
            )
        for indicator, statistic, source, limit in assessed:
            value = pl.when(enough).then(pl.col(source)).otherwise(None)
            parts.append(
                stats.select(
                    *base,
                    pl.lit(indicator).alias("indicator"),
                    pl.lit(statistic).alias("statistic"),
                    value.cast(pl.Float64).alias("value"),
                    pl.lit(limit).alias("limit"),
                    enough.alias("valid"),
                    pl.when(enough).then(pl.col(source) <= limit).otherwise(None).alias("passed"),
                    reason.alias("reason"),
                )
            )
    columns_out = [
        *keys,
        "indicator",
        "column",
        "statistic",
        "value",
        "limit",
        "valid_days",
        "valid",
        "passed",
        "reason",
    ]
    return pl.concat([p.select(columns_out) for p in parts]).sort([*keys, "indicator"])


def compliance(
    daily: pl.DataFrame,
    *,
    standard: ComplianceStandard,
    group_cols: Sequence[str] = (),
    percentile_method: PercentileMethod = "linear",
    rounding: bool = True,
    gas_reference_state: bool = False,
) -> dict[Any, YearCompliance]:
    """Annual GB 3095 grade II assessment per year (and group).

    Keys: the year, or ``(*group values, year)`` when ``group_cols`` are given. See
    :func:`compliance_table` for inputs and rules; this groups its rows into dataclasses.
    """
    table = compliance_table(
        daily,
        standard=standard,
        group_cols=group_cols,
        percentile_method=percentile_method,
        rounding=rounding,
        gas_reference_state=gas_reference_state,
    )
    group_cols = list(group_cols)
    results: dict[Any, YearCompliance] = {}
    for (*group, year), rows in table.group_by([*group_cols, "year"], maintain_order=True):
        valid_days: dict[str, int] = {}
        exceedance: dict[str, int] = {}
        means: dict[str, float | None] = {}
        mean_reasons: dict[str, str | None] = {}
        assessed: dict[str, IndicatorResult] = {}
        for row in rows.iter_rows(named=True):
            column = row["column"]
            valid_days[column] = int(row["valid_days"])
            if row["statistic"] == "exceedance_days":
                exceedance[column] = int(row["value"])
                continue
            if row["statistic"] == "annual_mean":
                means[column] = row["value"]
                mean_reasons[column] = row["reason"]
            assessed[row["indicator"]] = IndicatorResult(
                indicator=row["indicator"],
                column=column,
                statistic=row["statistic"],
                value=row["value"],
                limit=row["limit"],
                passed=row["passed"],
                reason=row["reason"],
            )
        year_int = int(cast(int, year))
        key: Any = (*group, year_int) if group_cols else year_int
        results[key] = YearCompliance(
            year=year_int,
            group=tuple(group),
            valid_days=valid_days,
            exceedance_days=exceedance,
            annual_mean=means,
            annual_mean_reason=mean_reasons,
            indicators=assessed,
        )
    return results
