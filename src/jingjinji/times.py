"""Times for people: every moment a page shows is on China Standard Time (UTC+8).

The platform stores naive UTC (``jingjinji.db.UTCDateTime``); a page shows the CST wall clock,
``2026-12-02 13:05``, without a zone suffix: the base layout names the zone once per page.
Machine attributes (``<time datetime>``, ``data-*``, JSON blocks) keep ISO 8601.

The Jinja filters are ``cst`` and ``cst_date``: ``{{ moment|cst }}``,
``{{ moment|cst(seconds=True) }}``, ``{{ moment|cst_date }}``.
"""

from __future__ import annotations

import datetime as dt

from jingjinji.timezone import CHINA_TZ

MINUTES = "%Y-%m-%d %H:%M"
SECONDS = "%Y-%m-%d %H:%M:%S"
DAY = "%Y-%m-%d"


def _moment(value: dt.datetime | str) -> dt.datetime | None:
    """An aware moment: naive datetimes are UTC as the platform stores them; an ISO string
    (a snapshot kept in JSON) is read the same way. Text that is no time gives None."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA_TZ)


def cst(value: dt.datetime | dt.date | str | None, seconds: bool = False) -> str:
    """``2026-12-02 13:05`` on China Standard Time ("" for none); a date passes through as
    ``YYYY-MM-DD``; other text is returned as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime(DAY)
    moment = _moment(value)
    if moment is None:
        return str(value)
    return moment.strftime(SECONDS if seconds else MINUTES)


def cst_date(value: dt.datetime | dt.date | str | None) -> str:
    """The China Standard Time calendar date, ``YYYY-MM-DD`` ("" for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime(DAY)
    moment = _moment(value)
    if moment is None:
        return str(value)
    return moment.strftime(DAY)


def cst_input(value: dt.datetime) -> str:
    """A moment as a ``datetime-local`` input's value, on China Standard Time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")
