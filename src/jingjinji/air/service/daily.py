"""Daily series of stations and cities, read from the daily statistics cache, with their AQI.

A city's daily value is the mean over its stations of their GB 3095-valid daily values; the
city AQI is computed from these means (city mean first, then the IAQI).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from jingjinji.air.kernels import MIN_HOURS_24H
from jingjinji.air.models import DAILY_HOURS, DAILY_POLLUTANTS, DAILY_WEATHER, Station, StationDaily
from jingjinji.air.schemas import CityOut
from jingjinji.air.service.frames import with_aqi
from jingjinji.air.service.periods import check_standard
from jingjinji.air.service.stations import get_station, station_codes_of_city
from jingjinji.db import copy_out_csv, is_postgres
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import province_of

DAILY_COLUMNS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h")
CITY_DAILY_WEATHER: tuple[str, ...] = DAILY_WEATHER


#: The typed columns of the daily cache, in table order.
_DAILY_SCHEMA: dict[str, pl.DataType] = {
    "station_code": pl.Utf8(),
    "date": pl.Date(),
    **{c: pl.Float64() for c in DAILY_POLLUTANTS},
    **{c: pl.Int64() for c in DAILY_HOURS},
    **{c: pl.Float64() for c in DAILY_WEATHER},
    "wd_mode": pl.Utf8(),
}
assert list(_DAILY_SCHEMA) == [c.name for c in StationDaily.__table__.columns]
#: The columns of no rows (weather before hours, as they have always been).
_EMPTY_SCHEMA: dict[str, pl.DataType] = {
    c: _DAILY_SCHEMA[c]
    for c in ("station_code", "date", *DAILY_POLLUTANTS, *DAILY_WEATHER, *DAILY_HOURS, "wd_mode")
}


def station_daily_rows(
    session: Session,
    *,
    station_codes: Sequence[str],
    start: dt.date,
    end: dt.date,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The cached daily rows of these stations for local dates start..end, typed, sorted by
    date and station, read straight into columns: PostgreSQL ``COPY (SELECT ...) TO STDOUT``
    parsed by polars, SQLite a cursor fetched into a frame (no ORM rows, no per-value
    conversion in Python). ``columns`` (cache columns) reads only station_code, date and
    those."""
    schema, empty = _DAILY_SCHEMA, _EMPTY_SCHEMA
    if columns is not None:
        unknown = sorted(set(columns) - set(_DAILY_SCHEMA))
        if unknown:
            raise ValueError(f"not columns of the daily cache: {unknown}")
        wanted = (
            "station_code",
            "date",
            *(c for c in columns if c not in {"station_code", "date"}),
        )
        schema = empty = {c: _DAILY_SCHEMA[c] for c in wanted}
    codes = list(station_codes)
    if not codes:
        return pl.DataFrame(schema=empty)
    query = (
        f"SELECT {', '.join(schema)} FROM {StationDaily.__tablename__} "
        f"WHERE station_code IN ({', '.join('{}' for _ in codes)}) AND date >= {{}} "
        "AND date <= {} ORDER BY date, station_code"
    )
    if is_postgres(session):
        csv = copy_out_csv(session, query, [*codes, start, end])
        if not csv:
            return pl.DataFrame(schema=empty)
        return pl.read_csv(csv, has_header=False, schema=schema)
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(query.replace("{}", "?"), [*codes, start.isoformat(), end.isoformat()])
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return pl.DataFrame(schema=empty)
    raw = {**schema, "date": pl.Utf8()}
    frame = pl.DataFrame(rows, schema=raw, orient="row", strict=False)
    return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))


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
    frame = station_daily_rows(session, station_codes=[station_code], start=start, end=end)
    frame = frame.drop("station_code").rename({"wd_mode": "wd"})
    return with_aqi(frame, report="daily", standard=standard)


def city_aggregate(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
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
        raise NotFound(
            msg("no air monitoring city with code {city_code}", city_code=repr(city_code))
        )
    rows = station_daily_rows(session, station_codes=codes, start=start, end=end)
    city = city_aggregate(rows, ["date"])
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


def city_aqi_days(
    session: Session, *, city_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """The ``date`` and ``aqi`` columns of :func:`city_daily_frame` (the standard in force on
    each date) for local dates start..end (default: every day with data), sorted by date.

    One statement reads only the station, date and pollutant columns of the cache (the AQI
    needs no weather, hours or wind), and the city means and AQI are computed as
    ``city_daily_frame`` computes them. An empty frame when the city's stations have no data.
    """
    codes = station_codes_of_city(session, city_code=city_code)
    if not codes:
        raise NotFound(
            msg("no air monitoring city with code {city_code}", city_code=repr(city_code))
        )
    rows = station_daily_rows(
        session,
        station_codes=codes,
        start=start or dt.date.min,
        end=end or dt.date.max,
        columns=DAILY_COLUMNS,
    )
    city = rows.group_by("date").agg(*(pl.col(c).mean() for c in DAILY_COLUMNS)).sort("date")
    return with_aqi(city, report="daily", standard=None).select("date", "aqi")


#: A day is "complete" for a set of stations (a city, the region) when at least this share of
#: the stations that report at all has a GB 3095-valid daily PM2.5 (>= 20 valid hours, the
#: pollutant every station measures and the one the city counts of ``city_aggregate`` use).
#: Defaults (ranking day, page windows, compliance year) end on the latest complete day, so a
#: few station-hours uploaded for a later date do not move them to a day without AQI.
MIN_VALID_STATION_SHARE = 0.5


@dataclass(frozen=True)
class DataDays:
    """The first and last day with any cached data of a set of stations, and the last
    complete day (see :data:`MIN_VALID_STATION_SHARE`; None when no day is complete)."""

    first: dt.date
    last: dt.date
    complete: dt.date | None

    @property
    def default_end(self) -> dt.date:
        """Where a default period ends: the last complete day, else the last with data."""
        return self.complete or self.last


def data_days(session: Session, *, station_codes: Sequence[str] | None = None) -> DataDays | None:
    """:class:`DataDays` of these stations (default: every station), None without data.

    One statement: the span, and the latest date whose count of stations with a valid daily
    PM2.5 reaches the share of the stations that report (grouped on the cache's key)."""
    daily = StationDaily.__table__
    scope = daily.c.station_code.in_(list(station_codes)) if station_codes is not None else true()
    reporting = (
        select(func.count(func.distinct(daily.c.station_code))).where(scope).scalar_subquery()
    )
    complete_days = (
        select(daily.c.date.label("date"))
        .where(scope, daily.c.hours_pm2_5 >= MIN_HOURS_24H)
        .group_by(daily.c.date)
        .having(func.count() >= reporting * MIN_VALID_STATION_SHARE)
        .subquery()
    )
    complete = select(func.max(complete_days.c.date)).scalar_subquery()
    first, last, last_complete = session.execute(
        select(func.min(daily.c.date), func.max(daily.c.date), complete).where(scope)
    ).one()
    if first is None:
        return None
    return DataDays(first, last, last_complete)


def latest_day(session: Session) -> dt.date | None:
    """The default day of the ranking: the region's last complete day (else its last day)."""
    days = data_days(session)
    return days.default_end if days else None


def has_data_between(
    session: Session, *, station_codes: Sequence[str], start: dt.date, end: dt.date
) -> bool:
    """Whether any of these stations has a cached day in start..end (one probe of the key)."""
    daily = StationDaily.__table__
    stmt = select(
        select(daily.c.date)
        .where(
            daily.c.station_code.in_(list(station_codes)),
            daily.c.date >= start,
            daily.c.date <= end,
        )
        .exists()
    )
    return bool(session.scalar(stmt))


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


def city_summaries(session: Session) -> list[CityOut]:
    """Every city with stations: its names, how many stations and the span of its daily data.

    Two statements for all cities: the stations with their first and last cached day (each a
    probe of the cache's (station_code, date) key), and the cities' jurisdictions.
    """
    daily = StationDaily.__table__
    first = (
        select(func.min(daily.c.date)).where(daily.c.station_code == Station.code).scalar_subquery()
    )
    last = (
        select(func.max(daily.c.date)).where(daily.c.station_code == Station.code).scalar_subquery()
    )
    stations = session.execute(select(Station.city_code, first, last)).all()
    spans: dict[str, list[tuple[dt.date | None, dt.date | None]]] = defaultdict(list)
    for city_code, first_day, last_day in stations:
        spans[city_code].append((first_day, last_day))
    places = regions.jurisdictions_by_code(session, codes=spans)
    out = []
    for code in sorted(spans):
        firsts = [f for f, _ in spans[code] if f is not None]
        lasts = [t for _, t in spans[code] if t is not None]
        out.append(
            CityOut(
                code=code,
                name_zh=places[code].name_zh,
                name_en=places[code].name_en,
                province_code=province_of(code),
                stations=len(spans[code]),
                first_date=min(firsts) if firsts else None,
                last_date=max(lasts) if lasts else None,
            )
        )
    return out
