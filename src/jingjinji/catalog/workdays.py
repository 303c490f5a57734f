"""Working days for decision deadlines (pure functions, no database).

A day is a working day unless it is a Saturday, a Sunday or a configured holiday. China's
adjusted working days (调休: a weekend day worked to bridge a holiday) are working days only when
passed in ``workdays``; nothing is assumed about them otherwise. Days are calendar days in
Beijing: turn a moment into one with ``jingjinji.timezone.china_date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


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


def is_working_day(
    day: dt.date,
    *,
    holidays: frozenset[dt.date] = frozenset(),
    workdays: frozenset[dt.date] = frozenset(),
) -> bool:
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(
    start: dt.date,
    days: int,
    *,
    holidays: frozenset[dt.date] = frozenset(),
    workdays: frozenset[dt.date] = frozenset(),
) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    ``add_working_days(friday, 1)`` is the next Monday; ``days=0`` gives ``start``.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays=holidays, workdays=workdays):
            remaining -= 1
    return day


def working_days_between(
    start: dt.date,
    end: dt.date,
    *,
    holidays: frozenset[dt.date] = frozenset(),
    workdays: frozenset[dt.date] = frozenset(),
) -> int:
    """Working days ``d`` with ``start < d <= end`` (0 when ``end <= start``)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays=holidays, workdays=workdays):
            count += 1
    return count
