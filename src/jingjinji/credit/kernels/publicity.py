"""Publication deadlines and publicity periods of licences and penalties (pure; standards.md §5).

Publication ("double publicity"): a licence or penalty decision is public within 7 working days
(``JJJ_CREDIT_PUBLICATION_WORKING_DAYS``) of its decision date, on China's official calendar
(``jingjinji.workdays``, adjusted working weekends included). The deadline is the last day still
in time; a publication after it is late.

Publicity period of a penalty, counted from its decision date:

- decisions before 2023-05-01 (2019 rules): ordinary penalties at least 3 months and at most
  1 year; serious ones at least 6 months and at most 3 years;
- decisions from 2023-05-01 (NDRC order No. 58 on credit repair): at least 3 months, at most
  3 years; penalties for special equipment, work safety or fire safety at least 1 year; a
  penalty of several types takes the longest minimum.

End dates are the first day no longer shown: a period of 3 months from 2023-05-10 shows the
record up to 2023-08-09 and ``min_end`` is 2023-08-10. Months are calendar months; a day that
does not exist in the target month becomes its last day (2023-11-30 + 3 months = 2024-02-29).
Credit repair may end publicity early, but not before ``min_end``; otherwise the record is
withdrawn from public view at ``max_end``.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from jingjinji.workdays import WorkCalendar

DEFAULT_PUBLICATION_WORKING_DAYS = 7
RULES_2023_FROM = dt.date(2023, 5, 1)

ORDINARY = "ordinary"
SERIOUS = "serious"
SEVERITIES = (ORDINARY, SERIOUS)

# Penalty types with a minimum publicity of one year under the 2023 rules.
SPECIAL_EQUIPMENT = "special_equipment"
WORK_SAFETY = "work_safety"
FIRE_SAFETY = "fire_safety"
ONE_YEAR_MINIMUM_TYPES = frozenset({SPECIAL_EQUIPMENT, WORK_SAFETY, FIRE_SAFETY})

# (minimum months, maximum months)
RULES_2019 = {ORDINARY: (3, 12), SERIOUS: (6, 36)}
RULES_2023 = (3, 36)
RULES_2023_ONE_YEAR_MINIMUM = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def publication_deadline(
    decided: dt.date,
    *,
    calendar: WorkCalendar,
    working_days: int = DEFAULT_PUBLICATION_WORKING_DAYS,
) -> dt.date:
    """The last day on which publishing a decision of ``decided`` is in time."""
    return calendar.add_working_days(decided, working_days)


def is_late(deadline: dt.date, published_on: dt.date) -> bool:
    """Published after the deadline (on the deadline itself is in time)."""
    return published_on > deadline


@dataclass(frozen=True)
class PublicityPeriod:
    """When a penalty is shown: from ``start``; ``min_end`` and ``max_end`` are the first days no
    longer shown at the earliest (after credit repair) and at the latest."""

    rules: str  # "2019" | "2023"
    start: dt.date
    min_end: dt.date
    max_end: dt.date

    @property
    def minimum_months(self) -> int:
        return _months_between(self.start, self.min_end)

    @property
    def maximum_months(self) -> int:
        return _months_between(self.start, self.max_end)

    def shown_on(self, day: dt.date, *, ended_on: dt.date | None = None) -> bool:
        """Whether the penalty is public on ``day``; ``ended_on`` is the first day no longer shown
        after an approved credit repair (never before ``min_end``)."""
        end = self.max_end
        if ended_on is not None:
            end = min(end, max(ended_on, self.min_end))
        return self.start <= day < end

    def may_end_early(self, day: dt.date) -> bool:
        """Whether credit repair may end publicity on ``day`` (the minimum has passed)."""
        return self.min_end <= day < self.max_end


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def rules_for(decision_date: dt.date) -> str:
    """The rules in force on the decision date."""
    return "2023" if decision_date >= RULES_2023_FROM else "2019"


def publicity_period(
    decision_date: dt.date,
    *,
    severity: str | None,
    penalty_types: Sequence[str] = (),
) -> PublicityPeriod:
    """The publicity period of a penalty decided on ``decision_date``.

    ``severity`` ("ordinary" | "serious") matters under the 2019 rules; a missing one counts as
    ordinary there (OPEN, docs/credit.md). ``penalty_types`` matter under the 2023 rules; types
    other than special equipment, work safety and fire safety have the general minimum.
    """
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}: one of {', '.join(SEVERITIES)}")
    if rules_for(decision_date) == "2019":
        minimum, maximum = RULES_2019[severity or ORDINARY]
        rules = "2019"
    else:
        minimum, maximum = RULES_2023
        if any(t in ONE_YEAR_MINIMUM_TYPES for t in penalty_types):
            minimum = max(minimum, RULES_2023_ONE_YEAR_MINIMUM)
        rules = "2023"
    return PublicityPeriod(
        rules=rules,
        start=decision_date,
        min_end=add_months(decision_date, minimum),
        max_end=add_months(decision_date, maximum),
    )


@dataclass(frozen=True)
class Timeliness:
    """How a publication compares with its deadline."""

    deadline: dt.date
    published_on: dt.date | None
    late: bool  # published after the deadline, or still unpublished after it
    working_days_taken: int | None


def timeliness(
    decided: dt.date,
    published_on: dt.date | None,
    *,
    today: dt.date,
    calendar: WorkCalendar,
    working_days: int = DEFAULT_PUBLICATION_WORKING_DAYS,
) -> Timeliness:
    """The deadline of a decision and whether its publication is (or already is bound to be)
    late; an unpublished decision is late once ``today`` is past the deadline."""
    deadline = publication_deadline(decided, calendar=calendar, working_days=working_days)
    if published_on is None:
        return Timeliness(deadline, None, today > deadline, None)
    return Timeliness(
        deadline,
        published_on,
        is_late(deadline, published_on),
        calendar.working_days_between(decided, published_on),
    )
