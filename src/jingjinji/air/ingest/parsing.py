"""Parsing helpers every input layout shares: column names, units, time zones, timestamps and
numbers, each problem reported as an issue of its row instead of raised."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from jingjinji.air.models import POLLUTANTS
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.timezone import CHINA_TZ

UNITS: dict[str, float] = {"ug/m3": 1.0, "mg/m3": 1000.0}  # factor to ug/m3
STORED_UNIT = {p: ("mg/m3" if p == "co" else "ug/m3") for p in POLLUTANTS}
ALIASES = {
    "station": "station_code",
    "station_id": "station_code",
    "code": "station_code",
    "time": "ts",
    "timestamp": "ts",
    "datetime": "ts",
    "hour_beginning": "ts",
    "pm2.5": "pm2_5",
    "pm25": "pm2_5",
    "pm2_5": "pm2_5",
    "temperature": "temp",
    "pressure": "pres",
    "dewpoint": "dewp",
    "precipitation": "rain",
    "wind_speed": "wspm",
    "wind_direction": "wd",
}


@dataclass
class Normalised:
    """A batch in one frame (``row``, ``station_code``, ``ts`` UTC, stored units), with the
    issues found while parsing it."""

    frame: pl.DataFrame
    issues: list[dict[str, Any]] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # value columns the batch provided


def issue(row: int, column: str | None, reason: str, value: Any = None) -> dict[str, Any]:
    """One problem of one row, as reported and stored (a value shown as JSON scalar)."""
    out: dict[str, Any] = {"row": row, "column": column, "reason": reason}
    if value is not None:
        out["value"] = value if isinstance(value, int | float | str | bool) else str(value)
    return out


def normalise_unit(unit: str) -> str | None:
    u = unit.strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3")
    u = u.replace(" ", "").replace("m^3", "m3").replace("/m-3", "/m3")
    return u if u in UNITS else None


def parse_timezone(value: str | None) -> dt.tzinfo | None:
    """``+08:00``, ``UTC``, ``Z``, ``CST``, ``Asia/Shanghai`` -> tzinfo; None if not given."""
    if value is None or value.strip() == "":
        return None
    v = value.strip()
    if v.upper() in {"UTC", "Z", "+00:00", "GMT"}:
        return dt.UTC
    if v.upper() in {"CST", "ASIA/SHANGHAI", "BEIJING", "+08:00", "+0800", "UTC+8"}:
        return CHINA_TZ
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", v)
    if match and int(match.group(2)) < 24 and int(match.group(3)) < 60:
        sign = 1 if match.group(1) == "+" else -1
        return dt.timezone(
            sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        )
    raise InvalidInput(
        msg("unknown time zone {value}", value=repr(value)),
        errors=[
            field_error(["body", "timezone"], msg("use an offset like +08:00, or UTC"), input=value)
        ],
    )


def declared_units(units: Mapping[str, str] | None, loc: list[str | int]) -> dict[str, float]:
    """Column -> factor from the declared unit to the stored unit."""
    factors: dict[str, float] = {}
    for raw_column, unit in (units or {}).items():
        column = canonical(raw_column)
        norm = normalise_unit(unit)
        if column not in POLLUTANTS:
            raise InvalidInput(
                msg(
                    "units declared for {raw_column}, which is not a pollutant column",
                    raw_column=repr(raw_column),
                ),
                errors=[field_error([*loc, raw_column], msg("not a pollutant column"))],
            )
        if norm is None:
            raise InvalidInput(
                msg("unknown unit {unit} for {raw_column}", unit=repr(unit), raw_column=raw_column),
                errors=[
                    field_error([*loc, raw_column], msg("unit must be ug/m3 or mg/m3"), input=unit)
                ],
            )
        factors[column] = UNITS[norm] / UNITS[STORED_UNIT[column]]
    return factors


def canonical(name: str) -> str:
    """The platform's name of an input column (``PM2.5`` -> ``pm2_5``, ``station`` -> ...)."""
    n = name.strip().lower()
    return ALIASES.get(n, n)


def parse_ts(value: Any, tz: dt.tzinfo | None) -> tuple[dt.datetime | None, str | None]:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None, msg("timestamp missing")
    if not isinstance(value, str):
        return None, msg("timestamp must be an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None, msg("not an ISO 8601 timestamp")
    if parsed.tzinfo is None:
        if tz is None:
            return None, msg("timestamp has no UTC offset and the batch declares no timezone")
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(dt.UTC), None
    except OverflowError:  # 9999-12-31T23:00-08:00 or 0001-01-01T00:00+08:00 is no UTC time
        return None, msg("timestamp out of range")


#: Text that means "no value" in a numeric column.
MISSING_TEXT = ["", "NA", "null", "-"]


def numeric_column(
    raw: pl.Series, name: str, rows: pl.Series, issues: list[dict[str, Any]]
) -> pl.Series:
    """A column as Float64; values that are no finite number are reported and left missing.

    Text: empty, ``NA``, ``null`` and ``-`` mean missing (as in published files). ``NaN`` and
    infinities are refused as "not a finite number", in CSV as in JSON (docs/air.md): a value
    that says it is not a number is an error of the sender's software, not a gap.
    """
    if raw.dtype == pl.Null:
        return pl.Series(name, [None] * len(raw), dtype=pl.Float64)
    if raw.dtype == pl.Boolean:
        bad = raw.is_not_null()
        for r, v in zip(rows.filter(bad).to_list(), raw.filter(bad).to_list(), strict=True):
            issues.append(issue(r, name, msg("not a number"), v))
        return pl.Series(name, [None] * len(raw), dtype=pl.Float64)
    if raw.dtype.is_numeric():
        values = raw.cast(pl.Float64)
        shown = values.cast(pl.Utf8)
    else:
        shown = (
            pl.DataFrame({"t": raw.cast(pl.Utf8, strict=False)})
            .select(pl.col("t").str.strip_chars())
            .select(
                pl.when(pl.col("t").is_in(MISSING_TEXT))
                .then(None)
                .otherwise(pl.col("t"))
                .alias("t")
            )["t"]
        )
        values = shown.cast(pl.Float64, strict=False)
        bad = shown.is_not_null() & values.is_null()
        for r, v in zip(rows.filter(bad).to_list(), shown.filter(bad).to_list(), strict=True):
            issues.append(issue(r, name, msg("not a number"), v))
    bad_nan = values.is_nan().fill_null(False) | values.is_infinite().fill_null(False)
    if bad_nan.any():
        for r, v in zip(
            rows.filter(bad_nan).to_list(), shown.filter(bad_nan).to_list(), strict=True
        ):
            issues.append(issue(r, name, msg("not a finite number"), v))
        values = pl.DataFrame({"v": values, "bad": bad_nan}).select(
            pl.when(pl.col("bad")).then(None).otherwise(pl.col("v")).alias("v")
        )["v"]
    return values.alias(name)


def utc_series(values: list[dt.datetime | None]) -> pl.Series:
    naive = [None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None) for v in values]
    return pl.Series("ts", naive, dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")


def apply_factors(frame: pl.DataFrame, factors: Mapping[str, float]) -> pl.DataFrame:
    if not factors:
        return frame
    return (
        frame.with_columns(*(pl.col(c) * f for c, f in factors.items() if f != 1.0))
        if any(f != 1.0 for f in factors.values())
        else frame
    )
