"""Which months of the stored port indicators new events make stale, and which months a stale
month reaches.

**What a month's figures depend on.** ``indicators.compute(month=X)`` (and so every stored
month) reads the EQUIPMENT events with ``eventDateTime`` in the window
``[start(X) - LOOK_BACK, end(X))`` and keeps the kernel's rows of month X. Besides those events
it reads only what intake never changes for an existing event (the container's ISO size-type
code: first seen wins) or what the stored values remember and check (the port group, the
green-channel location, ``LOOK_BACK``: ``indicators.refresh`` rebuilds everything when they
differ), and the set of superseded events (a correction removes the event it corrects from
every month, whenever the correction happened). So an event at moment t changes exactly the
months X with ``start(X) - LOOK_BACK <= t < end(X)``; a correction changes those of its own
moment and those of the event it corrects.

**The reach of a month M** (:func:`reach`): t < end(M), so the months X with
``start(X) < end(M) + LOOK_BACK``: M and the months after it up to the month of
``end(M) + LOOK_BACK`` less a microsecond. With the 92 days of ``LOOK_BACK`` that is M to M+4
(an event on 31 January is in May's window, which opens 92 days before 1 May), or M to M+3 when
the three months after M have 92 days together (February: March, April and May).

**Marks.** Intake (``record_events``: the JSON API, the EDIFACT job and the demo all go
through it) marks the China-time months of its new equipment events, and of the event a
correction supersedes, in ``ports_indicator_stale_months``, in the events' own transaction. A
mark already there is bumped (``marks`` + 1); the refresh clears only the marks it read with the
count it read, so a month marked again while it was computing stays marked for the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jingjinji.db import is_postgres, utcnow
from jingjinji.ports.models import Event, StaleIndicatorMonth
from jingjinji.timezone import CHINA_TZ

#: How far before a month the events of its transits and stays are read: a container's
#: departure (or arrival, for a stay) earlier than this is not looked for.
LOOK_BACK = dt.timedelta(days=92)
_TICK = dt.timedelta(microseconds=1)  # the resolution of a stored eventDateTime


def month_of(moment: dt.datetime) -> str:
    """The China-time month ``YYYY-MM`` of an aware moment (naive: UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA_TZ).strftime("%Y-%m")


def month_start(month: str) -> dt.datetime:
    """The UTC moment a China-time month ``YYYY-MM`` begins."""
    return dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA_TZ).astimezone(dt.UTC)


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year:04d}-{number:02d}"


def month_end(month: str) -> dt.datetime:
    """The UTC moment a China-time month ends (the next one begins)."""
    return month_start(next_month(month))


def month_range(first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last``, both included."""
    out, month = [], first
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def window(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC span [since, until) of the events a month's figures are computed from."""
    return month_start(month) - LOOK_BACK, month_end(month)


def reach(month: str) -> list[str]:
    """The months whose figures an event of ``month`` can change (its own and the next ones
    whose window opens before it ends)."""
    return month_range(month, month_of(month_end(month) - _TICK + LOOK_BACK))


def affected(stale: Iterable[str]) -> list[str]:
    """Every month the stale months reach, in order."""
    return sorted({m for month in stale for m in reach(month)})


def runs(months: Iterable[str]) -> list[list[str]]:
    """The months grouped into runs of consecutive months (each run is read in one query)."""
    out: list[list[str]] = []
    for month in sorted(set(months)):
        if out and next_month(out[-1][-1]) == month:
            out[-1].append(month)
        else:
            out.append([month])
    return out


def mark(session: Session, months: Iterable[str]) -> None:
    """Mark months stale in the caller's transaction (bumping a mark already there)."""
    wanted = sorted(set(months))
    if not wanted:
        return
    now = utcnow()
    dialect_insert = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt = dialect_insert(StaleIndicatorMonth).values(
        [{"month": m, "marked_at": now, "marks": 1} for m in wanted]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["month"],
            set_={"marks": StaleIndicatorMonth.marks + 1, "marked_at": stmt.excluded.marked_at},
        )
    )


def mark_events(session: Session, events: Iterable[Event], superseded: Event | None) -> None:
    """Mark the months of newly recorded events (only EQUIPMENT events count in the
    indicators) and, when one of them corrects an earlier event, that event's month."""
    new = [e for e in events if e.event_type == "EQUIPMENT"]
    months = {month_of(e.event_at) for e in new}
    if new and superseded is not None:
        months.add(month_of(superseded.event_at))
    mark(session, months)


def read_marks(session: Session) -> dict[str, int]:
    """month -> how often it was marked since the last refresh cleared it."""
    stmt = select(StaleIndicatorMonth.month, StaleIndicatorMonth.marks)
    rows = session.execute(stmt.order_by(StaleIndicatorMonth.month))
    return {month: marks for month, marks in rows}


def clear_marks(session: Session, marks: dict[str, int]) -> None:
    """Clear the marks read by :func:`read_marks`, except those marked again since."""
    if not marks:
        return
    stmt = delete(StaleIndicatorMonth).where(
        StaleIndicatorMonth.month == bindparam("m"), StaleIndicatorMonth.marks == bindparam("n")
    )
    # In month order, as intake marks them: two transactions never wait on each other's rows.
    session.connection().execute(stmt, [{"m": m, "n": marks[m]} for m in sorted(marks)])
