"""Air-quality service: station registry, daily statistics, AQI series, rankings, compliance.

Times: observations are stored by the UTC beginning of their hour. Days are local dates in China
Standard Time (UTC+8, no daylight saving), as GB 3095 and HJ 633 count them: the day 2015-12-01
covers the hours beginning 2015-12-01 00:00 to 23:00 CST, i.e. 2015-11-30 16:00 to 2015-12-01
15:00 UTC.

AQI arithmetic, GB 3095 validity and compliance come from :mod:`jingjinji.air.kernels`; this
module only selects data, aggregates cities and calls the kernels.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

import numpy as np
import polars as pl
from sqlalchemy import String, delete, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.models import (
    DAILY_HOURS,
    DAILY_POLLUTANTS,
    DAILY_WEATHER,
    NUMERIC,
    POLLUTANTS,
    Observation,
    Station,
    StationDaily,
)
from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, ensure_can_write, province_of

#: China Standard Time; the Beijing data and every local date here use it.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
STANDARDS: tuple[str, ...] = ("hj633-2012", "hj633-2026")
COMPLIANCE_STANDARDS: tuple[str, ...] = ("gb3095-2012", "gb3095-2026", "gb3095-2026-2031")

#: ``city_zh`` of the station list -> GB/T 2260 code of the city (prefecture or new area).
CITY_CODES: dict[str, str] = {
    "北京": "110000",
    "天津": "120000",
    "石家庄": "130100",
    "唐山": "130200",
    "秦皇岛": "130300",
    "邯郸": "130400",
    "邢台": "130500",
    "保定": "130600",
    "张家口": "130700",
    "承德": "130800",
    "沧州": "130900",
    "廊坊": "131000",
    "衡水": "131100",
    "雄安新区": "133100",
}
STATION_FILE = "jjj_national_stations.csv"
UCI_FILE = "uci_station_codes.csv"
STATION_SOURCE = "national station list (jjj_national_stations.csv)"
ATTRIBUTION = (
    "Beijing Multi-Site Air-Quality Data: Song Chen (2017), UCI Machine Learning Repository, "
    "doi:10.24432/C5RK5G, licensed CC BY 4.0."
)
DAILY_COLUMNS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h")
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
CITY_DAILY_WEATHER: tuple[str, ...] = DAILY_WEATHER
LOOKBACK = dt.timedelta(hours=23)


# --------------------------------------------------------------------------------------------
# Station registry


def _package_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("jingjinji.air").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def station_definitions() -> list[dict[str, Any]]:
    """The registry as shipped (package data), one dict per station, codes resolved."""
    uci = {row["station_code"]: row["uci_name"] for row in _package_csv(UCI_FILE)}
    out = []
    for row in _package_csv(STATION_FILE):
        city = row["city_zh"].strip()
        if city not in CITY_CODES:
            raise ValueError(f"station {row['station_code']}: unknown city {city!r}")
        code = row["station_code"].strip()
        out.append(
            {
                "code": code,
                "name_zh": row["station_name_zh"].strip(),
                "name_en": uci.get(code, code),
                "uci_name": uci.get(code),
                "city_code": CITY_CODES[city],
                "province_code": province_of(CITY_CODES[city]),
                "longitude": float(row["longitude"]),
                "latitude": float(row["latitude"]),
                "status": "stopped" if "停运" in row["station_name_zh"] else "active",
            }
        )
    return out


def load_stations(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    """Create or update every station of the shipped registry; returns how many.

    Each station is owned by the environment agency of its provincial-level jurisdiction
    (``regions.service.find_organisation(kind="environment")``); where that agency is not
    registered yet the station has no owner and only administrators may write its data until
    the registry is loaded again.
    """
    ensure_can_write(
        session,
        actor,
        action="air.stations.load",
        object_type="air_station",
        object_id=None,
        jurisdiction_code=None,
        organisation_id=None,
    )
    owners: dict[str, int | None] = {}
    count = 0
    for item in station_definitions():
        province = item["province_code"]
        if province not in owners:
            org = regions.find_organisation(session, jurisdiction_code=province, kind="environment")
            owners[province] = org.id if org is not None else None
        row = session.get(Station, item["code"])
        if row is None:
            row = Station(code=item["code"])
            session.add(row)
        for key, value in item.items():
            if key != "code":
                setattr(row, key, value)
        row.organisation_id = owners[province]
        row.source = STATION_SOURCE
        count += 1
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="air.stations.load",
        object_type="air_station",
        detail={"stations": count},
    )
    return count


def get_station(session: Session, *, code: str) -> Station:
    row = session.get(Station, code)
    if row is None:
        raise NotFound(f"no air monitoring station with code {code!r}")
    return row


def parse_bbox(
    text: str, *, loc: Sequence[str | int] = ("query", "bbox")
) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` (WGS-84 degrees) -> floats, or a 422 naming the field."""
    parts = [p.strip() for p in text.split(",")]
    problem: str | None = None
    values: list[float] = []
    if len(parts) != 4:
        problem = "expected four numbers: minlon,minlat,maxlon,maxlat"
    else:
        try:
            values = [float(p) for p in parts]
        except ValueError:
            problem = "every part must be a number"
    if problem is None:
        minlon, minlat, maxlon, maxlat = values
        if not all(np.isfinite(values)):
            problem = "coordinates must be finite"
        elif not (-180 <= minlon <= 180 and -180 <= maxlon <= 180):
            problem = "longitudes must lie within -180..180"
        elif not (-90 <= minlat <= 90 and -90 <= maxlat <= 90):
            problem = "latitudes must lie within -90..90"
        elif minlon > maxlon or minlat > maxlat:
            problem = "minimum exceeds maximum"
    if problem is not None:
        raise InvalidInput(
            f"invalid bbox {text!r}: {problem}",
            errors=[field_error(list(loc), problem, input=text)],
        )
    return values[0], values[1], values[2], values[3]


def list_stations(
    session: Session,
    *,
    jurisdiction: str | None = None,
    city: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[Station]:
    """Stations ordered by code. ``jurisdiction`` is a province (``130000``) or city code."""
    stmt = select(Station)
    if jurisdiction:
        if jurisdiction.endswith("0000"):
            stmt = stmt.where(Station.province_code == jurisdiction)
        else:
            stmt = stmt.where(Station.city_code == jurisdiction)
    if city:
        stmt = stmt.where(Station.city_code == city)
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = bbox
        stmt = stmt.where(
            Station.longitude >= minlon,
            Station.longitude <= maxlon,
            Station.latitude >= minlat,
            Station.latitude <= maxlat,
        )
    if status:
        stmt = stmt.where(Station.status == status)
    if after is not None:
        stmt = stmt.where(Station.code > after)
    stmt = stmt.order_by(Station.code)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def station_codes_of_city(session: Session, *, city_code: str) -> list[str]:
    return list(
        session.scalars(
            select(Station.code).where(Station.city_code == city_code).order_by(Station.code)
        )
    )


def check_city(session: Session, *, city_code: str, loc: Sequence[str | int] | None = None) -> str:
    """``city_code`` if some station lies in that city, else 404 (or 422 naming ``loc``)."""
    if session.scalar(select(Station.code).where(Station.city_code == city_code).limit(1)):
        return city_code
    message = f"no air monitoring city with code {city_code!r}"
    if loc is not None:
        raise InvalidInput(message, errors=[field_error(list(loc), "unknown city")])
    raise NotFound(message)


def city_codes(session: Session) -> list[str]:
    """Every city that has at least one station."""
    return list(session.scalars(select(Station.city_code).distinct().order_by(Station.city_code)))


def cities_with_data(session: Session) -> list[str]:
    """Cities (GB/T 2260 codes) with at least one day of daily statistics, sorted."""
    stmt = (
        select(Station.city_code)
        .where(Station.code.in_(select(StationDaily.station_code).distinct()))
        .distinct()
        .order_by(Station.city_code)
    )
    return list(session.scalars(stmt))


def ensure_can_write_station(
    session: Session, actor: Actor | None, station: Station, *, action: str
) -> Actor:
    """Only the owning agency's stewards (and administrators) write a station's data."""
    return ensure_can_write(
        session,
        actor,
        action=action,
        object_type="air_station",
        object_id=station.code,
        jurisdiction_code=station.city_code,
        organisation_id=station.organisation_id,
    )


# --------------------------------------------------------------------------------------------
# Time helpers


def local_naive(ts: pl.Expr) -> pl.Expr:
    """UTC timestamps -> naive China Standard Time (fixed UTC+8, also before 1991, when the
    Asia/Shanghai zone had summer time)."""
    return ts.dt.convert_time_zone("UTC").dt.replace_time_zone(None) + pl.duration(hours=8)


def utc_from_local_naive(ts: pl.Expr) -> pl.Expr:
    """Naive China Standard Time -> UTC-aware timestamps (inverse of :func:`local_naive`)."""
    return (ts - pl.duration(hours=8)).dt.replace_time_zone("UTC")


def local_day_bounds_utc(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC [from, to) covering the local (CST) dates ``start``..``end`` inclusive."""
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=CST).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=CST).astimezone(dt.UTC)
    return lo, hi


def check_range(start: dt.date, end: dt.date, *, max_days: int | None = None) -> None:
    if end < start:
        raise InvalidInput(
            f"end {end} is before start {start}",
            errors=[field_error(["query", "end"], "must not be before start")],
        )
    if max_days is not None and (end - start).days + 1 > max_days:
        raise InvalidInput(
            f"at most {max_days} days per request",
            errors=[field_error(["query", "end"], f"range longer than {max_days} days")],
        )


def check_standard(
    standard: str | None,
    *,
    loc: Sequence[str | int] = ("query", "standard"),
    allowed: Sequence[str] = STANDARDS,
) -> str | None:
    if standard is None or standard == "":
        return None
    if standard not in allowed:
        raise InvalidInput(
            f"unknown standard {standard!r}",
            errors=[field_error(list(loc), f"must be one of {', '.join(allowed)}", input=standard)],
        )
    return standard


# --------------------------------------------------------------------------------------------
# Reading observations into frames

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
    # The timestamp is read raw (no per-row conversion) and parsed by polars in one go.
    raw_ts = type_coerce(table.c.ts, String)
    cols = [table.c.station_code, raw_ts, *(table.c[c] for c in NUMERIC), table.c.wd]
    stmt = (
        select(*cols)
        .where(
            table.c.station_code.in_(list(station_codes)),
            table.c.ts >= start_utc,
            table.c.ts < end_utc,
        )
        .order_by(table.c.station_code, table.c.ts)
    )
    rows = session.execute(stmt).all()
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


# --------------------------------------------------------------------------------------------
# Daily statistics (cache table air_station_daily)


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
            start=first.astimezone(CST).date(),
            end=last.astimezone(CST).date(),
        )
    return total


# --------------------------------------------------------------------------------------------
# AQI


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


# --------------------------------------------------------------------------------------------
# Daily frames


def _station_daily_rows(
    session: Session, *, station_codes: Sequence[str], start: dt.date, end: dt.date
) -> pl.DataFrame:
    table = StationDaily.__table__
    stmt = (
        select(table)
        .where(
            table.c.station_code.in_(list(station_codes)),
            table.c.date >= start,
            table.c.date <= end,
        )
        .order_by(table.c.date, table.c.station_code)
    )
    rows = session.execute(stmt).all()
    schema: dict[str, Any] = {"station_code": pl.Utf8, "date": pl.Date}
    schema.update({c: pl.Float64 for c in DAILY_POLLUTANTS + DAILY_WEATHER})
    schema.update({c: pl.Int64 for c in DAILY_HOURS})
    schema["wd_mode"] = pl.Utf8
    if not rows:
        return pl.DataFrame(schema=schema)
    names = [c.name for c in table.columns]
    return pl.DataFrame([tuple(r) for r in rows], schema=names, orient="row").cast(
        {k: v for k, v in schema.items()}
    )


def station_daily_frame(
    session: Session,
    *,
    station_code: str,
    start: dt.date,
    end: dt.date,
    standard: str | None = None,
) -> pl.DataFrame:
    """Daily concentrations (GB 3095 validity applied), weather and AQI of one station."""
    get_station(session, code=station_code)
    frame = _station_daily_rows(session, station_codes=[station_code], start=start, end=end)
    frame = frame.drop("station_code").rename({"wd_mode": "wd"})
    return with_aqi(frame, report="daily", standard=standard)


def _city_aggregate(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Mean over stations of each station's valid daily value (nulls are not counted)."""
    return (
        frame.group_by(*by)
        .agg(
            *(pl.col(c).mean() for c in (*DAILY_COLUMNS, "so2_1h")),
            *(
                pl.col(c).mean()
                for c in ("temp_mean", "pres_mean", "dewp_mean", "wspm_mean", "rain_sum")
            ),
            pl.col("temp_min").mean(),
            pl.col("temp_max").mean(),
            pl.col("wd_mode").drop_nulls().mode().sort().first().alias("wd"),
            pl.col("pm2_5").is_not_null().sum().cast(pl.Int64).alias("stations"),
        )
        .sort(*by)
    )


def city_daily_frame(
    session: Session,
    *,
    city_code: str,
    start: dt.date,
    end: dt.date,
    standard: str | None = None,
) -> pl.DataFrame:
    """Daily city values for local dates start..end (only days with data), sorted by date.

    Columns: date, pm2_5, pm10, so2, no2, co, o3_1h, o3_8h (ug/m3, CO mg/m3; each the mean over
    the city's stations of their GB 3095-valid daily values, null where no station is valid),
    aqi (Int64, null = NA), level (Int8, 0 = NA), primary_pollutants (";"-joined or null),
    temp_mean, temp_min, temp_max, pres_mean, dewp_mean, rain_sum, wspm_mean (means over
    stations of the station daily statistics), wd (most frequent station dominant direction),
    stations (how many stations had a valid PM2.5 day). The AQI is computed from the city
    concentrations (city mean first, then IAQI), by the standard in force on each date unless
    ``standard`` is given.
    """
    check_standard(standard)
    codes = station_codes_of_city(session, city_code=city_code)
    if not codes:
        raise NotFound(f"no air monitoring city with code {city_code!r}")
    rows = _station_daily_rows(session, station_codes=codes, start=start, end=end)
    city = _city_aggregate(rows, ["date"])
    city = with_aqi(city, report="daily", standard=standard)
    return city.select(
        "date",
        *DAILY_COLUMNS,
        "aqi",
        "level",
        "primary_pollutants",
        *CITY_DAILY_WEATHER,
        "wd",
        "stations",
    )


def ranking(session: Session, *, day: dt.date, standard: str | None = None) -> pl.DataFrame:
    """Cities on a local date, best (lowest AQI) first, cities without an AQI last."""
    check_standard(standard)
    stations = pl.DataFrame(
        [(s.code, s.city_code) for s in list_stations(session)],
        schema={"station_code": pl.Utf8, "city_code": pl.Utf8},
        orient="row",
    )
    if stations.is_empty():
        return pl.DataFrame()
    rows = _station_daily_rows(
        session, station_codes=stations["station_code"].to_list(), start=day, end=day
    )
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                "rank": pl.Int64,
                "city_code": pl.Utf8,
                "date": pl.Date,
                "aqi": pl.Int64,
                "level": pl.Int8,
                "primary_pollutants": pl.Utf8,
            }
        )
    joined = rows.join(stations, on="station_code")
    city = with_aqi(
        _city_aggregate(joined, ["city_code", "date"]), report="daily", standard=standard
    )
    city = city.sort(pl.col("aqi").is_null(), "aqi", "city_code")
    return city.with_columns(pl.int_range(1, city.height + 1).alias("rank")).select(
        "rank",
        "city_code",
        "date",
        "aqi",
        "level",
        "primary_pollutants",
        *DAILY_COLUMNS,
        "stations",
    )


def latest_day(session: Session) -> dt.date | None:
    value: dt.date | None = session.scalar(select(func.max(StationDaily.date)))
    return value


def date_span(
    session: Session, *, station_codes: Sequence[str] | None = None
) -> tuple[dt.date, dt.date] | None:
    stmt = select(func.min(StationDaily.date), func.max(StationDaily.date))
    if station_codes is not None:
        stmt = stmt.where(StationDaily.station_code.in_(list(station_codes)))
    first, last = session.execute(stmt).one()
    if first is None:
        return None
    return first, last


# --------------------------------------------------------------------------------------------
# Hourly frames


def _hourly_aqi(frame: pl.DataFrame, *, standard: str | None) -> pl.DataFrame:
    """Hourly report from a frame with ts (UTC), pm2_5 .. o3 of ONE series.

    Adds the moving averages the reports use (O3 8h with >= 6 valid hours; PM2.5, PM10 and
    SO2 24h with >= 20, for HJ 633-2012), then the hourly AQI by the kernels.
    """
    frame = frame.sort("ts").with_columns(pl.col("o3").alias("o3_1h"))
    frame = kernels.moving_average_8h(frame, group_cols=[], column="o3", name="o3_8h")
    for column in ("pm2_5", "pm10", "so2"):
        frame = kernels.moving_average_24h(
            frame, group_cols=[], column=column, name=f"{column}_24h"
        )
    frame = frame.with_columns(local_naive(pl.col("ts")).dt.date().alias("date"))
    return with_aqi(frame, report="hourly", standard=standard)


def station_hourly_frame(
    session: Session,
    *,
    station_code: str,
    start: dt.date,
    end: dt.date,
    standard: str | None = None,
) -> pl.DataFrame:
    """Hourly concentrations and hourly AQI of one station, local dates start..end."""
    check_standard(standard)
    get_station(session, code=station_code)
    lo, hi = local_day_bounds_utc(start, end)
    # 23 earlier hours feed the first moving averages.
    frame = observations_frame(
        session, station_codes=[station_code], start_utc=lo - LOOKBACK, end_utc=hi
    )
    out = _hourly_aqi(frame, standard=standard).filter(pl.col("ts") >= lo)
    return out.drop("station_code")


def city_hourly_frame(
    session: Session,
    *,
    city_code: str,
    start: dt.date,
    end: dt.date,
    standard: str | None = None,
) -> pl.DataFrame:
    """City hourly means over its stations (available values), then the hourly AQI."""
    check_standard(standard)
    codes = station_codes_of_city(session, city_code=city_code)
    if not codes:
        raise NotFound(f"no air monitoring city with code {city_code!r}")
    lo, hi = local_day_bounds_utc(start, end)
    frame = observations_frame(session, station_codes=codes, start_utc=lo - LOOKBACK, end_utc=hi)
    city = (
        frame.group_by("ts")
        .agg(
            *(pl.col(c).mean() for c in NUMERIC),
            pl.col("pm2_5").is_not_null().sum().cast(pl.Int64).alias("stations"),
        )
        .sort("ts")
    )
    return _hourly_aqi(city, standard=standard).filter(pl.col("ts") >= lo)


@dataclass(frozen=True)
class LatestValue:
    station: Station
    ts: dt.datetime | None
    aqi: int | None
    level: int
    primary_pollutants: str | None
    values: dict[str, float | str | None]


def latest(
    session: Session,
    *,
    stations: Sequence[Station] | None = None,
    standard: str | None = None,
) -> list[LatestValue]:
    """Each station's latest observed hour with its hourly AQI (None where it has no data)."""
    check_standard(standard)
    if stations is None:
        stations = list_stations(session)
    last = dict(
        session.execute(
            select(Observation.station_code, func.max(Observation.ts))
            .where(Observation.station_code.in_([s.code for s in stations]))
            .group_by(Observation.station_code)
        ).all()
    )
    out = []
    for station in stations:
        ts = last.get(station.code)
        if ts is None:
            out.append(LatestValue(station, None, None, 0, None, {}))
            continue
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        frame = observations_frame(
            session,
            station_codes=[station.code],
            start_utc=ts - LOOKBACK,
            end_utc=ts + dt.timedelta(hours=1),
        )
        hourly = _hourly_aqi(frame, standard=standard).tail(1)
        row = hourly.to_dicts()[0]
        out.append(
            LatestValue(
                station,
                ts,
                row["aqi"],
                int(row["level"]),
                row["primary_pollutants"],
                {c: row[c] for c in (*NUMERIC, "wd")},
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Compliance


def compliance_report(session: Session, *, city_code: str, year: int) -> dict[str, Any]:
    """GB 3095 assessment of a city-year (``kernels.compliance_table``) under every standard.

    Returns ``days`` (days with data), ``level_days`` (days per AQI level, by the standard in
    force on each date) and per compliance standard the long table of indicators (annual means,
    percentiles, exceedance days against the grade II limits, validity and reasons).
    """
    frame = city_daily_frame(
        session, city_code=city_code, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    levels = (
        {int(k): int(v) for k, v in frame.group_by("level").len().iter_rows()}
        if frame.height
        else {}
    )
    standards: dict[str, list[dict[str, Any]]] = {}
    for standard in COMPLIANCE_STANDARDS:
        if frame.is_empty():
            standards[standard] = []
            continue
        table = kernels.compliance_table(
            frame.select("date", *DAILY_COLUMNS),
            standard=standard,  # type: ignore[arg-type]
        )
        standards[standard] = _jsonable(table)
    return {
        "city_code": city_code,
        "year": year,
        "days": frame.height,
        "level_days": {str(k): levels.get(k, 0) for k in range(0, 7)},
        "standards": standards,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, pl.DataFrame):
        return [_jsonable(r) for r in value.to_dicts()]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump())
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
