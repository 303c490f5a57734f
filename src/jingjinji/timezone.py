"""China Standard Time, the clock of every local date on the platform.

China keeps UTC+8 all year (no daylight saving since 1991), and GB 3095, HJ 633 and the
working-day rules count local days on it. A fixed offset, not ``Asia/Shanghai``: the tz database
gives 1986-1991 summer time, which the standards do not use.
"""

from __future__ import annotations

import datetime as dt

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def china_date(moment: dt.datetime) -> dt.date:
    """The local (CST) calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("china_date needs an aware datetime")
    return moment.astimezone(CHINA_TZ).date()


def china_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in China, the day every deadline, grant period and default window counts
    from (between 16:00 and 24:00 UTC it is already the next day there); with ``now`` (a
    moment the caller fixed, aware or naive UTC as the platform stores it), that moment's date
    there. The platform's one "today": use it, not ``date.today()`` or a local copy."""
    if now is None:
        return dt.datetime.now(CHINA_TZ).date()
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(CHINA_TZ).date()
