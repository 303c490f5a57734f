"""Local days, standards and the checks every date range and standard passes.

Observations are stored by the UTC beginning of their hour; days are local dates in China
Standard Time (:data:`jingjinji.timezone.CHINA_TZ`), as GB 3095 and HJ 633 count them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from jingjinji.air.kernels import STANDARDS
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.timezone import CHINA_TZ

# Dates outside these bounds are typing errors, and arithmetic on them (a default start before
# 0001-01-01, the end of day 9999-12-31 in UTC) overflows.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MIN_YEAR, MAX_YEAR = 1990, 2100
# China Standard Time as an offset polars can add to a naive UTC timestamp.
_CHINA_OFFSET = pl.duration(seconds=int(CHINA_TZ.utcoffset(None).total_seconds()))


def local_naive(ts: pl.Expr) -> pl.Expr:
    """UTC timestamps -> naive China Standard Time (fixed UTC+8, also before 1991, when the
    Asia/Shanghai zone had summer time)."""
    return ts.dt.convert_time_zone("UTC").dt.replace_time_zone(None) + _CHINA_OFFSET


def utc_from_local_naive(ts: pl.Expr) -> pl.Expr:
    """Naive China Standard Time -> UTC-aware timestamps (inverse of :func:`local_naive`)."""
    return (ts - _CHINA_OFFSET).dt.replace_time_zone("UTC")


def local_day_bounds_utc(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC [from, to) covering the local (CST) dates ``start``..``end`` inclusive."""
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=CHINA_TZ).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA_TZ).astimezone(
        dt.UTC
    )
    return lo, hi


def check_range(start: dt.date, end: dt.date, *, max_days: int | None = None) -> None:
    if end < start:
        raise InvalidInput(
            msg("end {end} is before start {start}", end=end, start=start),
            errors=[field_error(["query", "end"], msg("must not be before start"))],
        )
    if max_days is not None and (end - start).days + 1 > max_days:
        raise InvalidInput(
            msg("at most {max_days} days per request", max_days=max_days),
            errors=[
                field_error(
                    ["query", "end"], msg("range longer than {max_days} days", max_days=max_days)
                )
            ],
        )


def check_date_bounds(day: dt.date | None, name: str) -> None:
    """A 422 naming ``query.<name>`` when ``day`` lies outside MIN_DATE..MAX_DATE."""
    if day is not None and not MIN_DATE <= day <= MAX_DATE:
        raise InvalidInput(
            msg("{name} {day} is out of range", name=name, day=day),
            errors=[
                field_error(
                    ["query", name],
                    msg(
                        "must lie between {min_date} and {max_date}",
                        min_date=MIN_DATE,
                        max_date=MAX_DATE,
                    ),
                )
            ],
        )


def check_year(year: int) -> int:
    """A year of the compliance assessment (1990..2100), or a 422 naming ``query.year``."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            msg("year out of range"),
            errors=[
                field_error(
                    ["query", "year"],
                    msg("must be {min_year}..{max_year}", min_year=MIN_YEAR, max_year=MAX_YEAR),
                )
            ],
        )
    return year


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
            msg("unknown standard {standard}", standard=repr(standard)),
            errors=[
                field_error(
                    list(loc),
                    msg("must be one of {allowed}", allowed=", ".join(allowed)),
                    input=standard,
                )
            ],
        )
    return standard
