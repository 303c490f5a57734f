"""Working days on China's official calendar (pure functions, no database).

The official calendar comes from the ``chinese-calendar`` package: public holidays and the
adjusted working days (调休: a Saturday or Sunday worked to bridge a holiday) as the State
Council publishes them each year. The package covers the years 2004-2026 (its version pins
the last year); outside them a day is a working day unless it is a Saturday or a Sunday, and
``WorkCalendar.covers`` is false so that callers can say the result is provisional.

Settings add to the official calendar: ``JJJ_HOLIDAYS`` (extra non-working dates) and
``JJJ_WORKDAYS`` (extra working dates, e.g. an adjusted working Saturday of a year the package
does not know yet). An extra working day wins over an extra holiday, and both win over the
official calendar. Days are calendar days in Beijing: turn a moment into one with
``jingjinji.timezone.china_date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import chinese_calendar  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from jingjinji.config import Settings

# One step more than this many calendar days without a working day means a misconfiguration
# (e.g. every day configured as a holiday): refuse rather than loop for ever.
_MAX_GAP_DAYS = 366


def parse_dates(values: Iterable[str]) -> frozenset[dt.date]:
    """ISO dates (``2026-10-01``) to a set; a malformed one raises ValueError naming it."""
    out: set[dt.date] = set()
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            out.add(dt.date.fromisoformat(text))
        except ValueError as exc:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {text!r}") from exc
    return frozenset(out)


@lru_cache(maxsize=4096)
def _official(day: dt.date) -> bool | None:
    """The official calendar's answer for ``day``, or None outside the covered years."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def covered_years() -> tuple[int, int]:
    """First and last year of the official data the installed package holds."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]


def official_day_kind(day: dt.date) -> str:
    """How the official calendar classifies ``day``.

    ``"working"`` (an ordinary weekday), ``"adjusted_working"`` (a weekend day worked),
    ``"weekend"``, ``"holiday"`` (a public holiday, including the weekend days inside a
    holiday period), or ``"unknown_weekend"`` / ``"unknown_working"`` outside the covered years.
    """
    official = _official(day)
    weekend = day.weekday() >= 5
    if official is None:
        return "unknown_weekend" if weekend else "unknown_working"
    if official:
        return "adjusted_working" if weekend else "working"
    if day in chinese_calendar.holidays:
        return "holiday"
    return "weekend" if weekend else "holiday"


@dataclass(frozen=True)
class WorkCalendar:
    """China's official working days plus configured extra holidays and working days."""

    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def covers(self, day: dt.date) -> bool:
        """Whether the official data covers ``day``'s year (otherwise weekends only)."""
        return _official(day) is not None

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        official = _official(day)
        if official is None:
            return day.weekday() < 5
        return official

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts).

        ``add_working_days(friday, 1)`` is the next working day; ``n=0`` gives ``start``.
        """
        if n < 0:
            raise ValueError("the number of working days must be >= 0")
        day = start
        remaining = n
        gap = 0
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
                gap = 0
            else:
                gap += 1
                if gap > _MAX_GAP_DAYS:
                    raise ValueError(f"no working day in the year after {day - dt.timedelta(gap)}")
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days ``d`` with ``start < d <= end`` (0 when ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def days_between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Each day ``d`` with ``start < d <= end`` and why it counts or not.

        The reason is ``"extra_working"`` / ``"extra_holiday"`` for configured days, otherwise
        ``official_day_kind``'s answer.
        """
        out: list[tuple[dt.date, str]] = []
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if day in self.extra_workdays:
                out.append((day, "extra_working"))
            elif day in self.extra_holidays:
                out.append((day, "extra_holiday"))
            else:
                out.append((day, official_day_kind(day)))
        return out


def official_calendar() -> WorkCalendar:
    """The official calendar with no configured extra days."""
    return WorkCalendar()


def calendar_from_settings(settings: Settings) -> WorkCalendar:
    """The official calendar plus ``JJJ_HOLIDAYS`` and ``JJJ_WORKDAYS``."""
    return WorkCalendar(
        extra_holidays=parse_dates(settings.holidays),
        extra_workdays=parse_dates(settings.workdays),
    )
