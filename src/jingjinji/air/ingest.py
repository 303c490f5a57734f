"""Ingestion of hourly observations: normalise, validate (per-row report), authorise, merge.

Every path (REST batch, CSV upload, the Beijing multi-site importer) ends here:

1. ``normalise_*`` turns the input into one polars frame: ``row`` (1-based position in the
   batch: array index + 1, or CSV data line with the header excluded), ``station_code``, ``ts``
   (UTC, beginning of the hour), the value columns in stored units (ug/m3, CO mg/m3) and the
   issues found while parsing (unparseable numbers or timestamps, unknown columns or units).
2. :func:`validate` applies the rules (unknown station, timestamp not on the hour or in the
   future, negative or implausible values, duplicates within the batch) vectorised.
3. :func:`merge` stores the accepted rows set-based: rows go to a staging table (SQLite
   ``executemany``, PostgreSQL ``COPY``), then one statement copies changed current rows into
   ``air_observation_revisions`` (who and when), one updates them, one inserts the new ones. An
   identical row is left alone: sending the same observation twice stores it once.

Batch policy: by default a batch with any bad row is rejected whole (HTTP 422 listing every bad
row; nothing stored). With ``partial=True`` the good rows are stored and the report lists the
rejected ones. Either way nothing stored earlier is lost: changes are revisions, never deletes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl
from sqlalchemy import CursorResult, bindparam, select, text
from sqlalchemy.orm import Session

from jingjinji.air import service
from jingjinji.air.models import NUMERIC, POLLUTANTS, VALUE_COLUMNS, Ingestion, Station
from jingjinji.audit import service as audit
from jingjinji.db import UTCDateTime, is_postgres, utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.security import Actor, Role, ensure_role

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
UNITS: dict[str, float] = {"ug/m3": 1.0, "mg/m3": 1000.0}  # factor to ug/m3
STORED_UNIT = {p: ("mg/m3" if p == "co" else "ug/m3") for p in POLLUTANTS}
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
MAX_ISSUES_RETURNED = 10_000
MAX_ISSUES_STORED = 1_000


@dataclass
class Normalised:
    frame: pl.DataFrame
    issues: list[dict[str, Any]] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # value columns the batch provided


@dataclass
class IngestResult:
    ingestion_id: int | None
    status: str  # accepted | partial | rejected
    rows_received: int
    rows_accepted: int
    rows_rejected: int
    inserted: int
    updated: int
    unchanged: int
    issues: list[dict[str, Any]]
    stations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingestion_id": self.ingestion_id,
            "status": self.status,
            "rows_received": self.rows_received,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "issues": self.issues[:MAX_ISSUES_RETURNED],
            "issues_truncated": len(self.issues) > MAX_ISSUES_RETURNED,
            "stations": self.stations,
        }


def issue(row: int, column: str | None, reason: str, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"row": row, "column": column, "reason": reason}
    if value is not None:
        out["value"] = value if isinstance(value, int | float | str | bool) else str(value)
    return out


# --------------------------------------------------------------------------------------------
# Units and time zones


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
        return service.CST
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", v)
    if match and int(match.group(2)) < 24 and int(match.group(3)) < 60:
        sign = 1 if match.group(1) == "+" else -1
        return dt.timezone(
            sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        )
    raise InvalidInput(
        f"unknown time zone {value!r}",
        errors=[
            field_error(["body", "timezone"], "use an offset like +08:00, or UTC", input=value)
        ],
    )


def _declared_units(units: Mapping[str, str] | None, loc: list[str | int]) -> dict[str, float]:
    """Column -> factor from the declared unit to the stored unit."""
    factors: dict[str, float] = {}
    for raw_column, unit in (units or {}).items():
        column = _canonical(raw_column)
        norm = normalise_unit(unit)
        if column not in POLLUTANTS:
            raise InvalidInput(
                f"units declared for {raw_column!r}, which is not a pollutant column",
                errors=[field_error([*loc, raw_column], "not a pollutant column")],
            )
        if norm is None:
            raise InvalidInput(
                f"unknown unit {unit!r} for {raw_column}",
                errors=[field_error([*loc, raw_column], "unit must be ug/m3 or mg/m3", input=unit)],
            )
        factors[column] = UNITS[norm] / UNITS[STORED_UNIT[column]]
    return factors


def _canonical(name: str) -> str:
    n = name.strip().lower()
    return ALIASES.get(n, n)


# --------------------------------------------------------------------------------------------
# Normalising input


#: Earlier timestamps are typing errors (no monitoring network existed), and the daily
#: statistics of a station-date near 0001-01-01 cannot be computed (date arithmetic overflows).
EARLIEST_TS = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def _parse_ts(value: Any, tz: dt.tzinfo | None) -> tuple[dt.datetime | None, str | None]:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None, "timestamp missing"
    if not isinstance(value, str):
        return None, "timestamp must be an ISO 8601 string"
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None, "not an ISO 8601 timestamp"
    if parsed.tzinfo is None:
        if tz is None:
            return None, "timestamp has no UTC offset and the batch declares no timezone"
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(dt.UTC), None
    except OverflowError:  # 9999-12-31T23:00-08:00 or 0001-01-01T00:00+08:00 is no UTC time
        return None, "timestamp out of range"


def _numeric_column(
    raw: pl.Series, name: str, rows: pl.Series, issues: list[dict[str, Any]]
) -> pl.Series:
    """A column as Float64; values that are no finite number are reported and left missing.

    Text: empty, ``NA``, ``NaN``, ``null`` and ``-`` mean missing (as in published files).
    """
    if raw.dtype == pl.Null:
        return pl.Series(name, [None] * len(raw), dtype=pl.Float64)
    if raw.dtype == pl.Boolean:
        bad = raw.is_not_null()
        for r, v in zip(rows.filter(bad).to_list(), raw.filter(bad).to_list(), strict=True):
            issues.append(issue(r, name, "not a number", v))
        return pl.Series(name, [None] * len(raw), dtype=pl.Float64)
    if raw.dtype.is_numeric():
        values = raw.cast(pl.Float64)
        shown = values.cast(pl.Utf8)
    else:
        shown = (
            pl.DataFrame({"t": raw.cast(pl.Utf8, strict=False)})
            .select(pl.col("t").str.strip_chars())
            .select(
                pl.when(pl.col("t").is_in(["", "NA", "NaN", "nan", "null", "-"]))
                .then(None)
                .otherwise(pl.col("t"))
                .alias("t")
            )["t"]
        )
        values = shown.cast(pl.Float64, strict=False)
        bad = shown.is_not_null() & values.is_null()
        for r, v in zip(rows.filter(bad).to_list(), shown.filter(bad).to_list(), strict=True):
            issues.append(issue(r, name, "not a number", v))
    bad_nan = values.is_nan().fill_null(False) | values.is_infinite().fill_null(False)
    if bad_nan.any():
        for r, v in zip(
            rows.filter(bad_nan).to_list(), shown.filter(bad_nan).to_list(), strict=True
        ):
            issues.append(issue(r, name, "not a finite number", v))
        values = pl.DataFrame({"v": values, "bad": bad_nan}).select(
            pl.when(pl.col("bad")).then(None).otherwise(pl.col("v")).alias("v")
        )["v"]
    return values.alias(name)


def normalise_records(
    records: Sequence[Mapping[str, Any]],
    *,
    units: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> Normalised:
    """JSON batch rows (dicts) -> a normalised frame plus parsing issues."""
    factors = _declared_units(units, ["body", "units"])
    tz = parse_timezone(timezone)
    issues: list[dict[str, Any]] = []
    columns: dict[str, list[Any]] = {c: [] for c in ("station_code", "ts", *VALUE_COLUMNS)}
    provided: set[str] = set()
    allowed = {"station_code", "ts", *VALUE_COLUMNS}
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            issues.append(issue(index, None, "observation must be a JSON object"))
            for values in columns.values():
                values.append(None)
            continue
        canonical: dict[str, Any] = {}
        for key, value in record.items():
            name = _canonical(str(key))
            if name not in allowed:
                issues.append(issue(index, str(key), "unknown column"))
                continue
            canonical[name] = value
            if name in VALUE_COLUMNS:
                provided.add(name)
        for name, values in columns.items():
            values.append(canonical.get(name))
    rows = pl.Series("row", range(1, len(records) + 1), dtype=pl.Int64)
    raw = {
        name: pl.Series(
            name,
            values,
            dtype=pl.Utf8 if name in {"station_code", "ts", "wd"} else None,
            strict=False,
        )
        for name, values in columns.items()
        if name in {"station_code", "ts", "wd"}
    }
    numeric = {}
    for name in NUMERIC:
        values = columns[name]
        # Keep JSON numbers numeric and everything else textual for the "not a number" report.
        if all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        ):
            series = pl.Series(
                name, [None if v is None else float(v) for v in values], dtype=pl.Float64
            )
        else:
            series = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.Utf8)
        numeric[name] = _numeric_column(series, name, rows, issues)
    ts_values: list[dt.datetime | None] = []
    for index, value in enumerate(columns["ts"], start=1):
        parsed, problem = _parse_ts(value, tz)
        if problem is not None:
            issues.append(issue(index, "ts", problem, value))
        ts_values.append(parsed)
    frame = pl.DataFrame(
        {
            "row": rows,
            "station_code": raw["station_code"],
            "ts": _utc_series(ts_values),
            **numeric,
            "wd": raw["wd"],
        }
    )
    frame = _apply_factors(frame, factors)
    return Normalised(frame, issues, tuple(c for c in VALUE_COLUMNS if c in provided))


def _utc_series(values: list[dt.datetime | None]) -> pl.Series:
    naive = [None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None) for v in values]
    return pl.Series("ts", naive, dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")


def _apply_factors(frame: pl.DataFrame, factors: Mapping[str, float]) -> pl.DataFrame:
    if not factors:
        return frame
    return (
        frame.with_columns(*(pl.col(c) * f for c, f in factors.items() if f != 1.0))
        if any(f != 1.0 for f in factors.values())
        else frame
    )


_HEADER_UNIT = re.compile(r"^(?P<name>[^\[\(]+?)\s*[\[\(](?P<unit>[^\]\)]+)[\]\)]\s*$")


def normalise_csv(
    content: bytes,
    *,
    units: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> Normalised:
    """A CSV upload -> normalised frame. Two layouts are understood:

    - the platform layout: ``station_code, ts, pm2_5, pm10, so2, no2, co, o3, temp, pres,
      dewp, rain, wspm, wd`` (any subset of value columns), ``ts`` ISO 8601; a unit may be
      declared in a header (``co [ug/m3]``) or through ``units``;
    - the Beijing multi-site (UCI) layout: ``year, month, day, hour, ..., station`` with
      UCI station names, local time (CST, hour-beginning) and CO in ug/m3.
    """
    try:
        text_content = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "the file is not UTF-8 text", errors=[field_error(["body", "file"], "not UTF-8 text")]
        ) from exc
    if not text_content.strip():
        raise InvalidInput("the file is empty", errors=[field_error(["body", "file"], "empty")])
    try:
        raw = pl.read_csv(
            io.StringIO(text_content),
            infer_schema=False,
            null_values=["NA", ""],
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InvalidInput(
            f"the file is not readable CSV: {str(exc).splitlines()[0]}",
            errors=[field_error(["body", "file"], "not readable CSV")],
        ) from exc
    header = [h.strip() for h in raw.columns]
    lowered = {h.lower() for h in header}
    if raw.height == 0:
        raise InvalidInput(
            "the file has no data rows",
            errors=[field_error(["body", "file"], "header only, no data rows")],
        )
    if {"year", "month", "day", "hour", "station"} <= lowered:
        return _normalise_uci(raw, units=units)
    header_units: dict[str, str] = {}
    renames: dict[str, str] = {}
    issues: list[dict[str, Any]] = []
    for original in raw.columns:
        name = original.strip()
        match = _HEADER_UNIT.match(name)
        if match:
            name = match.group("name")
            header_units[_canonical(name)] = match.group("unit")
        renames[original] = _canonical(name)
    if len(set(renames.values())) != len(renames):
        raise InvalidInput(
            "the CSV header names a column twice",
            errors=[field_error(["body", "file"], "duplicate column")],
        )
    raw = raw.rename(renames)
    missing = [c for c in ("station_code", "ts") if c not in raw.columns]
    if missing:
        raise InvalidInput(
            f"the CSV header lacks {', '.join(missing)}",
            errors=[field_error(["body", "file"], f"missing column {c}") for c in missing],
        )
    unknown = [c for c in raw.columns if c not in {"station_code", "ts", *VALUE_COLUMNS}]
    if unknown:
        raise InvalidInput(
            f"unknown CSV columns: {', '.join(unknown)}",
            errors=[field_error(["body", "file", c], "unknown column") for c in unknown],
        )
    declared = dict(header_units)
    declared.update({_canonical(k): v for k, v in (units or {}).items()})
    records_columns = [c for c in raw.columns if c in VALUE_COLUMNS]
    rows = pl.Series("row", range(1, raw.height + 1), dtype=pl.Int64)
    tz = parse_timezone(timezone)
    ts_values: list[dt.datetime | None] = []
    for index, value in enumerate(raw["ts"].to_list(), start=1):
        parsed, problem = _parse_ts(value, tz)
        if problem is not None:
            issues.append(issue(index, "ts", problem, value))
        ts_values.append(parsed)
    data: dict[str, pl.Series] = {
        "row": rows,
        "station_code": raw["station_code"].str.strip_chars(),
        "ts": _utc_series(ts_values),
    }
    for name in NUMERIC:
        if name in raw.columns:
            data[name] = _numeric_column(raw[name], name, rows, issues)
        else:
            data[name] = pl.Series(name, [None] * raw.height, dtype=pl.Float64)
    data["wd"] = (
        raw["wd"].str.strip_chars().str.to_uppercase()
        if "wd" in raw.columns
        else pl.Series("wd", [None] * raw.height, dtype=pl.Utf8)
    )
    frame = pl.DataFrame(data)
    frame = _apply_factors(frame, _declared_units(declared, ["body", "units"]))
    return Normalised(frame, issues, tuple(records_columns))


def uci_station_codes() -> dict[str, str]:
    return {row["uci_name"]: row["station_code"] for row in service._package_csv(service.UCI_FILE)}


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
        parts[name] = _numeric_column(raw[name], name, rows, issues).cast(pl.Int64, strict=False)
    # Parsed leniently: impossible hours or days (2013-02-30, hour 25) become null, reported
    # below (building them with pl.datetime would raise).
    local = pl.DataFrame(parts).select(
        pl.format("{}-{}-{} {}:00", "year", "month", "day", "hour")
        .str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us")
        .alias("ts")
    )["ts"]
    codes = uci_station_codes()
    station = raw["station"].cast(pl.Utf8).str.strip_chars()
    data: dict[str, pl.Series] = {
        "row": rows,
        "station_code": station.replace_strict(codes, default=station, return_dtype=pl.Utf8),
        "ts": pl.DataFrame({"ts": local}).select(service.utc_from_local_naive(pl.col("ts")))["ts"],
    }
    bad_ts = data["ts"].is_null()
    for r in rows.filter(bad_ts).to_list():
        issues.append(issue(r, "ts", "year/month/day/hour do not form a valid hour"))
    for source, name in UCI_COLUMNS.items():
        if name == "wd":
            continue
        if source in raw.columns:
            data[name] = _numeric_column(raw[source], name, rows, issues)
        else:
            data[name] = pl.Series(name, [None] * raw.height, dtype=pl.Float64)
    data["co"] = data["co"] * co_factor
    data["wd"] = (
        raw["wd"].cast(pl.Utf8).str.strip_chars()
        if "wd" in raw.columns
        else pl.Series("wd", [None] * raw.height, dtype=pl.Utf8)
    )
    return pl.DataFrame(data), issues


def _normalise_uci(raw: pl.DataFrame, *, units: Mapping[str, str] | None) -> Normalised:
    co_unit = "ug/m3"
    for key, unit in (units or {}).items():
        if _canonical(key) == "co":
            norm = normalise_unit(unit)
            if norm is None:
                raise InvalidInput(
                    f"unknown unit {unit!r} for co",
                    errors=[field_error(["body", "units", key], "unit must be ug/m3 or mg/m3")],
                )
            co_unit = norm
    raw = raw.rename({c: c.strip() for c in raw.columns})
    lowered = {c.lower(): c for c in raw.columns}
    raw = raw.rename({lowered[k]: k for k in ("year", "month", "day", "hour", "station")})
    frame, issues = uci_frame(raw, co_factor=UNITS[co_unit] / UNITS["mg/m3"])
    provided = tuple(c for s, c in UCI_COLUMNS.items() if s in raw.columns)
    return Normalised(frame, issues, provided)


# --------------------------------------------------------------------------------------------
# Validation


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

    def flag(mask: pl.Expr, column: str, reason: pl.Expr | str, value: pl.Expr) -> None:
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
        "station code missing",
        pl.col("station_code"),
    )
    flag(
        pl.col("station_code").is_not_null() & ~pl.col("station_code").is_in(list(known)),
        "station_code",
        "unknown station",
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
        "not the beginning of an hour",
        pl.col("ts"),
    )
    flag(
        has_ts & (pl.col("ts") > pl.lit(now).dt.convert_time_zone("UTC")),
        "ts",
        "timestamp in the future",
        pl.col("ts"),
    )
    flag(
        has_ts & (pl.col("ts") < pl.lit(EARLIEST_TS).dt.convert_time_zone("UTC")),
        "ts",
        f"timestamp before {EARLIEST_TS:%Y-%m-%d}",
        pl.col("ts"),
    )
    for name, (low, high) in BOUNDS.items():
        col = pl.col(name)
        if name in POLLUTANTS or name in {"rain", "wspm"}:
            flag(col < 0, name, "negative value", col)
            above = col > high
            if name == "co" and not co_declared:
                flag(
                    col > CO_SUSPECT_MG,
                    name,
                    f"CO above {CO_SUSPECT_MG:g} mg/m3: looks like ug/m3; declare the unit "
                    "(units co=ug/m3)",
                    col,
                )
                above = above & (col <= CO_SUSPECT_MG)
            flag(above, name, f"above the plausible maximum {high:g} {_unit(name)}", col)
        else:
            flag(
                (col < low) | (col > high),
                name,
                f"outside the plausible range {low:g}..{high:g} {_unit(name)}",
                col,
            )
    flag(
        pl.col("wd").is_not_null() & ~pl.col("wd").is_in(sorted(WIND_DIRECTIONS)),
        "wd",
        "unknown wind direction (16-point compass or C)",
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
            issue(r["row"], r["column"], r["reason"], r["value"]) for r in found.to_dicts()
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


# --------------------------------------------------------------------------------------------
# Merge (set-based)

_STAGE_COLUMNS = ("station_code", "ts", *VALUE_COLUMNS)


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


# --------------------------------------------------------------------------------------------
# The whole path


def ingest(
    session: Session,
    *,
    actor: Actor,
    normalised: Normalised,
    channel: str,
    source: str = "",
    partial: bool = False,
    co_declared: bool = True,
    now: dt.datetime | None = None,
    recompute: bool = True,
) -> IngestResult:
    """Authorise, validate and store a normalised batch; 403 / 422 as documented above."""
    frame = normalised.frame
    authorise(session, actor, frame["station_code"].drop_nulls().unique().to_list())
    accepted, issues = validate(session, normalised, now=now, co_declared=co_declared)
    received = frame.height
    rejected_rows = len({i["row"] for i in issues})
    ingestion = Ingestion(
        channel=channel,
        source=source[:200],
        actor_username=actor.username,
        started_at=utcnow(),
        rows_received=received,
        rows_rejected=rejected_rows,
    )
    if issues and not partial:
        session.rollback()
        ingestion.status = "rejected"
        ingestion.finished_at = utcnow()
        ingestion.report = issues[:MAX_ISSUES_STORED]
        session.add(ingestion)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="air.observations.ingest",
            object_type="air_ingestion",
            object_id=ingestion.id,
            outcome="rejected",
            detail={
                "channel": channel,
                "source": source,
                "rows": received,
                "rows_rejected": rejected_rows,
            },
        )
        session.commit()
        raise InvalidInput(
            f"{rejected_rows} of {received} rows are invalid; nothing was stored "
            "(send ?partial=true to store the valid rows)",
            errors=[
                field_error(
                    ["body", "observations", i["row"], i["column"] or "row"],
                    i["reason"],
                    **{k: v for k, v in i.items() if k != "reason"},
                )
                for i in issues[:MAX_ISSUES_RETURNED]
            ],
        )
    session.add(ingestion)
    session.flush()
    counts = merge(
        session,
        accepted,
        actor_name=actor.username,
        ingestion_id=ingestion.id,
        columns=normalised.columns,
        now=now,
    )
    stations = sorted(set(accepted["station_code"].to_list()))
    if recompute and not accepted.is_empty():
        recompute_for(session, accepted)
    status = "accepted" if not issues else "partial"
    ingestion.status = status
    ingestion.finished_at = utcnow()
    ingestion.inserted, ingestion.updated, ingestion.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    ingestion.report = issues[:MAX_ISSUES_STORED]
    audit.record(
        session,
        actor=actor,
        action="air.observations.ingest",
        object_type="air_ingestion",
        object_id=ingestion.id,
        jurisdiction_code=_common_jurisdiction(session, stations),
        detail={
            "channel": channel,
            "source": source,
            "rows": received,
            "rows_rejected": rejected_rows,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "stations": stations[:50],
        },
    )
    return IngestResult(
        ingestion.id,
        status,
        received,
        accepted.height,
        rejected_rows,
        counts.inserted,
        counts.updated,
        counts.unchanged,
        issues,
        stations,
    )


def authorise(session: Session, actor: Actor, station_codes: Iterable[str]) -> None:
    """403 (audited) unless the actor may write every known station of the batch; a batch
    naming no known station still needs a role that writes observations at all (an analyst's
    batch is refused before it is validated or recorded as an ingestion)."""
    codes = sorted(set(station_codes))
    if not codes or session.scalar(select(Station.code).where(Station.code.in_(codes))) is None:
        ensure_role(
            session,
            actor,
            Role.OFFICE_ADMIN,
            Role.JURISDICTION_ADMIN,
            Role.STEWARD,
            action="air.observations.write",
            object_type="air_station",
        )
        return
    seen: set[tuple[str, int | None]] = set()
    for station in session.scalars(
        select(Station).where(Station.code.in_(codes)).order_by(Station.code)
    ):
        owner = (station.city_code, station.organisation_id)
        if owner in seen:
            continue
        seen.add(owner)
        service.ensure_can_write_station(session, actor, station, action="air.observations.write")


def recompute_for(session: Session, frame: pl.DataFrame) -> int:
    """Recompute the daily cache for the station-dates a frame touched."""
    spans = (
        frame.with_columns(service.local_naive(pl.col("ts")).dt.date().alias("d"))
        .group_by("station_code")
        .agg(pl.col("d").min().alias("lo"), pl.col("d").max().alias("hi"))
    )
    total = 0
    for row in spans.iter_rows(named=True):
        total += service.recompute_daily(
            session, station_codes=[row["station_code"]], start=row["lo"], end=row["hi"]
        )
    return total


def _common_jurisdiction(session: Session, stations: Sequence[str]) -> str | None:
    if not stations:
        return None
    cities = set(
        session.scalars(select(Station.province_code).where(Station.code.in_(list(stations))))
    )
    return cities.pop() if len(cities) == 1 else None
