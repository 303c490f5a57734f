"""Daily and hourly series of one station or one city, as the API and the downloads serve
them: the scope checked, the period resolved, the frame computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl
from sqlalchemy.orm import Session

from jingjinji.air.service.daily import city_daily_frame, station_daily_frame
from jingjinji.air.service.hourly import city_hourly_frame, station_hourly_frame
from jingjinji.air.service.periods import check_standard
from jingjinji.air.service.ranges import MAX_DAILY_DAYS, MAX_HOURLY_DAYS, resolve_range
from jingjinji.air.service.stations import check_city, get_station, station_codes_of_city

Scope = Literal["station", "city"]
Kind = Literal["daily", "hourly"]
#: The columns of an hourly series (cities add how many stations had PM2.5).
HOURLY_COLUMNS: tuple[str, ...] = ("ts", "date", "aqi", "level", "primary_pollutants")
#: Days a series covers by default, and at most.
DEFAULT_DAYS: dict[Kind, int] = {"daily": 365, "hourly": 2}
MAX_DAYS: dict[Kind, int] = {"daily": MAX_DAILY_DAYS, "hourly": MAX_HOURLY_DAYS}


@dataclass(frozen=True)
class Series:
    scope: Scope
    code: str
    start: dt.date
    end: dt.date
    standard: str | None
    frame: pl.DataFrame


def scope_codes(session: Session, *, scope: Scope, code: str) -> list[str]:
    """The station codes of a station or city (404 when there is none)."""
    if scope == "station":
        get_station(session, code=code)
        return [code]
    check_city(session, city_code=code)
    return station_codes_of_city(session, city_code=code)


def series_frame(
    session: Session,
    *,
    kind: Kind,
    scope: Scope,
    code: str,
    start: dt.date,
    end: dt.date,
    standard: str | None,
) -> pl.DataFrame:
    """The full daily or hourly frame of a station or city for local dates start..end."""
    if kind == "daily":
        if scope == "station":
            return station_daily_frame(
                session, station_code=code, start=start, end=end, standard=standard
            )
        return city_daily_frame(session, city_code=code, start=start, end=end, standard=standard)
    if scope == "station":
        return station_hourly_frame(
            session, station_code=code, start=start, end=end, standard=standard
        )
    return city_hourly_frame(session, city_code=code, start=start, end=end, standard=standard)


def series(
    session: Session,
    *,
    kind: Kind,
    scope: Scope,
    code: str,
    start: dt.date | None,
    end: dt.date | None,
    standard: str | None,
) -> Series:
    """A series as ``GET /air/{stations|cities}/{code}/{daily|hourly}`` serves it: by default
    the last year (daily) or two days (hourly) with data; hourly at most 31 days."""
    codes = scope_codes(session, scope=scope, code=code)
    standard = check_standard(standard)
    start, end = resolve_range(
        session, start, end, codes=codes, default_days=DEFAULT_DAYS[kind], max_days=MAX_DAYS[kind]
    )
    frame = series_frame(
        session, kind=kind, scope=scope, code=code, start=start, end=end, standard=standard
    )
    if kind == "hourly":
        frame = frame.select(*HOURLY_COLUMNS, *(["stations"] if scope == "city" else []))
    return Series(scope, code, start, end, standard, frame)
