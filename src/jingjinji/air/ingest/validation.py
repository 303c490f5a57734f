"""The rules a row must pass to be stored, applied vectorised; every failure is an issue."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.air.ingest.parsing import Normalised, issue
from jingjinji.air.models import POLLUTANTS, Station
from jingjinji.db import utcnow
from jingjinji.i18n import msg

#: Plausibility bounds in stored units (ug/m3; CO mg/m3; degC, hPa, mm per hour, m/s).
#: Values outside are rejected as physically impossible or instrument faults. Upper bounds
#: lie far above anything recorded in the region (hourly PM2.5 and PM10 peaks around
#: 1,000-2,000 ug/m3 in dust storms) and above the top IAQI breakpoints of HJ 633 where those
#: apply (SO2 1h 800, NO2 1h 3,840, CO 1h 150 mg/m3, O3 1h 1,200).
BOUNDS: dict[str, tuple[float, float]] = {
    "pm2_5": (0.0, 2000.0),
    "pm10": (0.0, 5000.0),
    "so2": (0.0, 3000.0),
    "no2": (0.0, 4000.0),
    "co": (0.0, 150.0),
    "o3": (0.0, 2000.0),
    "temp": (-50.0, 55.0),
    "pres": (500.0, 1100.0),
    "dewp": (-60.0, 40.0),
    "rain": (0.0, 200.0),
    "wspm": (0.0, 75.0),
}
#: An undeclared CO column whose values exceed this (mg/m3) is almost certainly in ug/m3:
#: such values are rejected with that hint instead of being guessed.
CO_SUSPECT_MG = 50.0
WIND_DIRECTIONS = frozenset(
    [
        "N",
        "NNE",
        "NE",
        "ENE",
        "E",
        "ESE",
        "SE",
        "SSE",
        "S",
        "SSW",
        "SW",
        "WSW",
        "W",
        "WNW",
        "NW",
        "NNW",
        "C",
    ]
)

#: Earlier timestamps are typing errors (no monitoring network existed), and the daily
#: statistics of a station-date near 0001-01-01 cannot be computed (date arithmetic overflows).
EARLIEST_TS = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def validate(
    session: Session,
    normalised: Normalised,
    *,
    now: dt.datetime | None = None,
    co_declared: bool = True,
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Apply every rule; returns the accepted rows and every issue (sorted by row, column)."""
    frame = normalised.frame.with_columns(
        pl.col("row").min().over("station_code", "ts").alias("_first")
    )
    issues = list(normalised.issues)
    now = now or utcnow()
    known = set(session.scalars(select(Station.code)))
    checks: list[pl.DataFrame] = []
    # The marked message of each reason (polars holds its English text).
    messages: dict[str, str] = {}

    def flag(mask: pl.Expr, column: str, reason: pl.Expr | str, value: pl.Expr) -> None:
        if isinstance(reason, str):
            messages[str(reason)] = reason
        found = frame.filter(mask).select(
            pl.col("row"),
            pl.lit(column).alias("column"),
            (reason if isinstance(reason, pl.Expr) else pl.lit(reason)).alias("reason"),
            value.cast(pl.Utf8).alias("value"),
        )
        if found.height:
            checks.append(found)

    flag(
        pl.col("station_code").is_null(),
        "station_code",
        msg("station code missing"),
        pl.col("station_code"),
    )
    flag(
        pl.col("station_code").is_not_null() & ~pl.col("station_code").is_in(list(known)),
        "station_code",
        msg("unknown station"),
        pl.col("station_code"),
    )
    has_ts = pl.col("ts").is_not_null()
    flag(
        has_ts
        & (
            (pl.col("ts").dt.minute() != 0)
            | (pl.col("ts").dt.second() != 0)
            | (pl.col("ts").dt.microsecond() != 0)
        ),
        "ts",
        msg("not the beginning of an hour"),
        pl.col("ts"),
    )
    flag(
        has_ts & (pl.col("ts") > pl.lit(now).dt.convert_time_zone("UTC")),
        "ts",
        msg("timestamp in the future"),
        pl.col("ts"),
    )
    flag(
        has_ts & (pl.col("ts") < pl.lit(EARLIEST_TS).dt.convert_time_zone("UTC")),
        "ts",
        msg("timestamp before {date}", date=f"{EARLIEST_TS:%Y-%m-%d}"),
        pl.col("ts"),
    )
    for name, (low, high) in BOUNDS.items():
        col = pl.col(name)
        if name in POLLUTANTS or name in {"rain", "wspm"}:
            flag(col < 0, name, msg("negative value"), col)
            above = col > high
            if name == "co" and not co_declared:
                flag(
                    col > CO_SUSPECT_MG,
                    name,
                    msg(
                        "CO above {limit} mg/m3: looks like ug/m3; declare the unit "
                        "(units co=ug/m3)",
                        limit=f"{CO_SUSPECT_MG:g}",
                    ),
                    col,
                )
                above = above & (col <= CO_SUSPECT_MG)
            flag(
                above,
                name,
                msg(
                    "above the plausible maximum {high} {unit}", high=f"{high:g}", unit=_unit(name)
                ),
                col,
            )
        else:
            flag(
                (col < low) | (col > high),
                name,
                msg(
                    "outside the plausible range {low}..{high} {unit}",
                    low=f"{low:g}",
                    high=f"{high:g}",
                    unit=_unit(name),
                ),
                col,
            )
    flag(
        pl.col("wd").is_not_null() & ~pl.col("wd").is_in(sorted(WIND_DIRECTIONS)),
        "wd",
        msg("unknown wind direction (16-point compass or C)"),
        pl.col("wd"),
    )
    first = pl.col("_first")
    flag(
        pl.col("station_code").is_not_null() & has_ts & (pl.col("row") != first),
        "ts",
        pl.format("duplicate of row {}", first),
        pl.col("ts"),
    )
    if checks:
        found = pl.concat(checks)
        issues.extend(
            issue(r["row"], r["column"], _reason(r["reason"], messages), r["value"])
            for r in found.to_dicts()
        )
    bad_rows = {i["row"] for i in issues}
    accepted = frame.filter(~pl.col("row").is_in(list(bad_rows)) & pl.col("ts").is_not_null()).drop(
        "_first"
    )
    issues.sort(key=lambda i: (i["row"], str(i["column"] or "")))
    return accepted, issues


def _unit(name: str) -> str:
    return {
        "co": "mg/m3",
        "temp": "degC",
        "dewp": "degC",
        "pres": "hPa",
        "rain": "mm",
        "wspm": "m/s",
    }.get(name, "ug/m3")


def _reason(text: str, messages: dict[str, str]) -> str:
    """A reason polars wrote, as the marked message it came from (translated on pages)."""
    if text in messages:
        return messages[text]
    duplicate = re.fullmatch(r"duplicate of row (\d+)", text)
    if duplicate:
        return msg("duplicate of row {row}", row=int(duplicate.group(1)))
    return text
