"""The period a request covers when it names none: defaults taken from the data, checked
against the date bounds and the longest range a request may ask for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.air.service.daily import data_days, has_data_between
from jingjinji.air.service.periods import check_date_bounds, check_range, check_year
from jingjinji.air.service.stations import check_city, station_codes_of_city
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.timezone import china_today

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
    max_days: int | None,
) -> tuple[dt.date, dt.date]:
    """Fill a missing end with the last complete day (see ``daily.data_days``; else the last
    day with data, else today) and a missing start with ``default_days`` before the end; 422
    when the range is reversed or longer than ``max_days`` (None: any range, for streamed
    downloads)."""
    check_date_bounds(start, "start")
    check_date_bounds(end, "end")
    if end is None:
        days = data_days(session, station_codes=codes)
        end = days.default_end if days else china_today()
    if start is None:
        start = end - dt.timedelta(days=default_days - 1)
        check_date_bounds(start, "start")
    check_range(start, end, max_days=max_days)
    return start, end


@dataclass(frozen=True)
class PagePeriod:
    """What a station or city page shows: the series range, the calendar year and the years
    with data (``has_data`` False: none at all), the day a default period ends on
    (``latest_day``, None without data) and whether the range has data (``window_has_data``
    False: the page says so and links to ``latest_day``)."""

    start: dt.date
    end: dt.date
    year: int
    years: list[int]
    has_data: bool
    latest_day: dt.date | None
    window_has_data: bool


def page_period(
    session: Session,
    *,
    codes: list[str],
    start: dt.date | None,
    end: dt.date | None,
    year: int | None,
) -> PagePeriod:
    """The period of a station or city page: by default the 90 days up to the last complete
    day (see ``daily.data_days``) and that day's year; 422 for a bad range or a year without
    data. A range the request names is kept as it is; one more statement then tells whether
    it has data."""
    check_date_bounds(start, "start")
    check_date_bounds(end, "end")
    days = data_days(session, station_codes=codes)
    last = days.last if days else china_today()
    first = days.first if days else last
    default_end = days.default_end if days else last
    explicit = start is not None or end is not None
    end = end or default_end
    start = start or max(first, end - dt.timedelta(days=PAGE_DEFAULT_DAYS - 1))
    check_range(start, end, max_days=MAX_DAILY_DAYS)
    years = list(range(first.year, last.year + 1))
    chosen = year or default_end.year
    if years and chosen not in years:
        raise InvalidInput(
            msg("no data in {chosen}", chosen=chosen),
            errors=[field_error(["query", "year"], msg("no data that year"))],
        )
    window_has_data = days is not None and (
        not explicit or has_data_between(session, station_codes=codes, start=start, end=end)
    )
    return PagePeriod(
        start,
        end,
        chosen,
        years,
        days is not None,
        days.default_end if days else None,
        window_has_data,
    )


def compliance_years(
    session: Session, *, city_code: str, year: int | None
) -> tuple[list[int], int]:
    """The years with data of a city and the one to assess (default: the year of its last
    complete day, see ``daily.data_days``, or this year); 404 for an unknown city, 422 for a
    year outside 1990..2100."""
    check_city(session, city_code=city_code)
    days = data_days(session, station_codes=station_codes_of_city(session, city_code=city_code))
    years = list(range(days.first.year, days.last.year + 1)) if days else []
    chosen = year or (days.default_end.year if days else china_today().year)
    return years, check_year(chosen)
