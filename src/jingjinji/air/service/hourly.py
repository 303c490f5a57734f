"""Hourly AQI (the real-time report) of stations and cities, and each station's latest hour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.models import NUMERIC, Observation, Station
from jingjinji.air.service.frames import observations_frame, with_aqi
from jingjinji.air.service.periods import check_standard, local_day_bounds_utc, local_naive
from jingjinji.air.service.stations import (
    check_area,
    get_station,
    list_stations,
    station_codes_of_city,
)
from jingjinji.errors import NotFound

#: The hours before the first one of a series that feed its first moving averages.
LOOKBACK = dt.timedelta(hours=23)


def hourly_aqi(frame: pl.DataFrame, *, standard: str | None) -> pl.DataFrame:
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
    out = hourly_aqi(frame, standard=standard).filter(pl.col("ts") >= lo)
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
    return hourly_aqi(city, standard=standard).filter(pl.col("ts") >= lo)


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
        hourly = hourly_aqi(frame, standard=standard).tail(1)
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


def latest_in_area(
    session: Session, *, jurisdiction: str | None, city: str | None, standard: str | None
) -> list[LatestValue]:
    """:func:`latest` of the stations of a province or city (422 naming a bad filter)."""
    standard = check_standard(standard)
    check_area(session, jurisdiction=jurisdiction, city=city)
    stations = list_stations(session, jurisdiction=jurisdiction, city=city)
    return latest(session, stations=stations, standard=standard)
