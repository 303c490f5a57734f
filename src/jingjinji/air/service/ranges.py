"""The period a request covers when it names none: defaults taken from the data, checked
against the date bounds and the longest range a request may ask for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.air.service.daily import date_span
from jingjinji.air.service.periods import check_date_bounds, check_range, check_year
from jingjinji.air.service.stations import check_city, station_codes_of_city
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.timezone import china_date

#: Longest range of a daily series or download, and of an hourly series.
MAX_DAILY_DAYS = 3700
MAX_HOURLY_DAYS = 31
#: What the pages show of a station or city without a range: the last 90 days with data.
PAGE_DEFAULT_DAYS = 90


def resolve_range(
    session: Session,
    start: dt.date | None,
    end: dt.date | None,
    *,
    codes: list[str] | None,
    default_days: int,
    max_days: int,
) -> tuple[dt.date, dt.date]:
    """Fill a missing end with the last day with data (or today) and a missing start with
    ``default_days`` before the end; 422 when the range is reversed or too long."""
    check_date_bounds(start, "start")
    check_date_bounds(end, "end")
    if end is None:
        span = date_span(session, station_codes=codes)
        end = span[1] if span else china_date(utcnow())
    if start is None:
        start = end - dt.timedelta(days=default_days - 1)
        check_date_bounds(start, "start")
    check_range(start, end, max_days=max_days)
    return start, end


@dataclass(frozen=True)
class PagePeriod:
    """What a station or city page shows: the series range, the calendar year and the years
    with data (``has_data`` False: none at all)."""

    start: dt.date
    end: dt.date
    year: int
    years: list[int]
    has_data: bool


def page_period(
    session: Session,
    *,
    codes: list[str],
    start: dt.date | None,
    end: dt.date | None,
    year: int | None,
) -> PagePeriod:
    """The period of a station or city page: by default the last 90 days with data and the
    last year with data; 422 for a bad range or a year without data."""
    check_date_bounds(start, "start")
    check_date_bounds(end, "end")
    span = date_span(session, station_codes=codes)
    last = span[1] if span else china_date(utcnow())
    first = span[0] if span else last
    end = end or last
    start = start or max(first, end - dt.timedelta(days=PAGE_DEFAULT_DAYS - 1))
    check_range(start, end, max_days=MAX_DAILY_DAYS)
    years = list(range(first.year, last.year + 1))
    chosen = year or last.year
    if years and chosen not in years:
        raise InvalidInput(
            f"no data in {chosen}", errors=[field_error(["query", "year"], "no data that year")]
        )
    return PagePeriod(start, end, chosen, years, bool(span))


def compliance_years(
    session: Session, *, city_code: str, year: int | None
) -> tuple[list[int], int]:
    """The years with data of a city and the one to assess (default: the last with data, or
    this year); 404 for an unknown city, 422 for a year outside 1990..2100."""
    check_city(session, city_code=city_code)
    span = date_span(session, station_codes=station_codes_of_city(session, city_code=city_code))
    years = list(range(span[0].year, span[1].year + 1)) if span else []
    chosen = year or (years[-1] if years else china_date(utcnow()).year)
    return years, check_year(chosen)
