"""Decision deadlines: working days in Beijing after submission, per the settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jingjinji.catalog import workdays
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow
from jingjinji.timezone import china_date


@dataclass(frozen=True)
class DeadlinePolicy:
    working_days: int
    holidays: frozenset[dt.date]


def deadline_policy(settings: Settings | None = None) -> DeadlinePolicy:
    settings = settings or get_settings()
    return DeadlinePolicy(
        working_days=settings.decision_deadline_working_days,
        holidays=workdays.parse_dates(settings.holidays),
    )


def decision_deadline(submitted_at: dt.datetime, policy: DeadlinePolicy) -> dt.date:
    """Last day (Beijing calendar) on which a decision on a request submitted then is in time."""
    return workdays.add_working_days(
        china_date(submitted_at), policy.working_days, holidays=policy.holidays
    )


def today(now: dt.datetime | None = None) -> dt.date:
    """Today in Beijing (or the day of ``now``)."""
    return china_date(now or utcnow())
