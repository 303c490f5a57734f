"""The Beijing multi-site (UCI) layout: ``year, month, day, hour, ..., station`` in local time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from jingjinji.air import service
from jingjinji.air.ingest.parsing import (
    UNITS,
    Normalised,
    canonical,
    issue,
    normalise_unit,
    numeric_column,
)
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg

UCI_COLUMNS = {
    "PM2.5": "pm2_5",
    "PM10": "pm10",
    "SO2": "so2",
    "NO2": "no2",
    "CO": "co",
    "O3": "o3",
    "TEMP": "temp",
    "PRES": "pres",
    "DEWP": "dewp",
    "RAIN": "rain",
    "WSPM": "wspm",
    "wd": "wd",
}


def uci_frame(
    raw: pl.DataFrame, *, co_factor: float = 0.001, first_row: int = 1
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """A Beijing multi-site table (strings or typed) -> normalised frame, vectorised.

    Local time is China Standard Time, ``hour`` the beginning of the hour; CO ug/m3 -> mg/m3.
    """
    issues: list[dict[str, Any]] = []
    rows = pl.Series("row", range(first_row, first_row + raw.height), dtype=pl.Int64)
    parts = {}
    for name in ("year", "month", "day", "hour"):
        parts[name] = numeric_column(raw[name], name, rows, issues).cast(pl.Int64, strict=False)
    # Parsed leniently: impossible hours or days (2013-02-30, hour 25) become null, reported
    # below (building them with pl.datetime would raise).
    local = pl.DataFrame(parts).select(
        pl.format("{}-{}-{} {}:00", "year", "month", "day", "hour")
        .str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us")
        .alias("ts")
    )["ts"]
    codes = service.uci_station_codes()
    station = raw["station"].cast(pl.Utf8).str.strip_chars()
    data: dict[str, pl.Series] = {
        "row": rows,
        "station_code": station.replace_strict(codes, default=station, return_dtype=pl.Utf8),
        "ts": pl.DataFrame({"ts": local}).select(service.utc_from_local_naive(pl.col("ts")))["ts"],
    }
    bad_ts = data["ts"].is_null()
    for r in rows.filter(bad_ts).to_list():
        issues.append(issue(r, "ts", msg("year/month/day/hour do not form a valid hour")))
    for source, name in UCI_COLUMNS.items():
        if name == "wd":
            continue
        if source in raw.columns:
            data[name] = numeric_column(raw[source], name, rows, issues)
        else:
            data[name] = pl.Series(name, [None] * raw.height, dtype=pl.Float64)
    data["co"] = data["co"] * co_factor
    data["wd"] = (
        raw["wd"].cast(pl.Utf8).str.strip_chars()
        if "wd" in raw.columns
        else pl.Series("wd", [None] * raw.height, dtype=pl.Utf8)
    )
    return pl.DataFrame(data), issues


def normalise_uci(raw: pl.DataFrame, *, units: Mapping[str, str] | None) -> Normalised:
    co_unit = "ug/m3"
    for key, unit in (units or {}).items():
        if canonical(key) == "co":
            norm = normalise_unit(unit)
            if norm is None:
                raise InvalidInput(
                    msg("unknown unit {unit} for co", unit=repr(unit)),
                    errors=[
                        field_error(["body", "units", key], msg("unit must be ug/m3 or mg/m3"))
                    ],
                )
            co_unit = norm
    raw = raw.rename({c: c.strip() for c in raw.columns})
    lowered = {c.lower(): c for c in raw.columns}
    raw = raw.rename({lowered[k]: k for k in ("year", "month", "day", "hour", "station")})
    frame, issues = uci_frame(raw, co_factor=UNITS[co_unit] / UNITS["mg/m3"])
    provided = tuple(c for s, c in UCI_COLUMNS.items() if s in raw.columns)
    return Normalised(frame, issues, provided)
