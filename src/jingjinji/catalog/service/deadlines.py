"""Decision deadlines: working days in Beijing after submission, on China's official calendar
(``jingjinji.workdays``) plus the configured extra holidays and working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingjinji.config import Settings, get_settings
from jingjinji.timezone import china_date
from jingjinji.workdays import WorkCalendar, parse_dates


@dataclass(frozen=True)
class DeadlinePolicy:
    working_days: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def calendar(self) -> WorkCalendar:
        """The official calendar with this policy's extra holidays and working days."""
        return WorkCalendar(extra_holidays=self.holidays, extra_workdays=self.workdays)


def deadline_policy(settings: Settings | None = None) -> DeadlinePolicy:
    settings = settings or get_settings()
    return DeadlinePolicy(
        working_days=settings.decision_deadline_working_days,
        holidays=parse_dates(settings.holidays),
        workdays=parse_dates(settings.workdays),
    )


def decision_deadline(submitted_at: dt.datetime, policy: DeadlinePolicy) -> dt.date:
    """Last day (Beijing calendar) on which a decision on a request submitted then is in time."""
    return policy.calendar.add_working_days(china_date(submitted_at), policy.working_days)
