"""Cities of a day ranked by their daily AQI, best first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from jingjinji.air.service.daily import (
    DAILY_COLUMNS,
    city_aggregate,
    latest_day,
    station_daily_rows,
)
from jingjinji.air.service.frames import with_aqi
from jingjinji.air.service.periods import check_date_bounds, check_standard
from jingjinji.air.service.stations import list_stations


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
    rows = station_daily_rows(
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
        city_aggregate(joined, ["city_code", "date"]), report="daily", standard=standard
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


@dataclass(frozen=True)
class DayRanking:
    """The ranking of one day (``day`` None: no daily data at all)."""

    day: dt.date | None
    standard: str | None
    frame: pl.DataFrame


def ranking_of_day(session: Session, *, date: dt.date | None, standard: str | None) -> DayRanking:
    """The ranking of ``date`` (default: the latest day with data); 422 for a bad date or
    standard."""
    standard = check_standard(standard)
    check_date_bounds(date, "date")
    day = date or latest_day(session)
    if day is None:
        return DayRanking(None, standard, pl.DataFrame())
    return DayRanking(day, standard, ranking(session, day=day, standard=standard))
