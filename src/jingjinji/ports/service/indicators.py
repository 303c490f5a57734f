"""Port indicators from the stored events (``kernels.indicators`` does the counting): the
equipment events are read in one statement into a polars frame, with each container's ISO
size-type code from ``ports_equipment``.

The figures are aggregates over every stored event (ports, months, TEU; no container, carrier
or booking), published to everyone as open catalog datasets; reading them needs no grant on
the events themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.ports.kernels import indicators as kernel
from jingjinji.ports.models import Equipment, Event, Location, LocationKind
from jingjinji.security import province_of
from jingjinji.timezone import CHINA_TZ

#: The location whose arrivals are the Xiong'an green channel's volume: the demo's (assumed)
#: UN/LOCODE of the Xiong'an green-channel dry port (demo/places.py).
GREEN_CHANNEL = "CNXAN"
#: The provinces whose seaports form the port group of the transit indicator.
GROUP_PROVINCES = ("120000", "130000")
#: How far before a month the events of its transits and stays are read: a container's
#: departure (or arrival, for a stay) earlier than this is not looked for.
LOOK_BACK = dt.timedelta(days=92)


@dataclass(frozen=True)
class PortIndicators:
    """The three indicator tables (``kernels.indicators``' columns) and the China-time span of
    the events read (None: no events)."""

    transits: pl.DataFrame
    green_channel: pl.DataFrame
    dwell: pl.DataFrame
    first: dt.datetime | None
    last: dt.datetime | None
    events: int


def port_provinces(session: Session) -> dict[str, str]:
    """UN/LOCODE -> province of every seaport of the group (Tianjin and Hebei)."""
    rows = session.execute(
        select(Location.un_location_code, Location.jurisdiction_code).where(
            Location.kind == LocationKind.SEAPORT.value
        )
    )
    return {
        code: province_of(jurisdiction)
        for code, jurisdiction in rows
        if province_of(jurisdiction) in GROUP_PROVINCES
    }


def is_month(text: str) -> bool:
    """Whether ``text`` is a month ``YYYY-MM``."""
    try:
        dt.datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7


def check_month(month: str, loc: list[str | int]) -> tuple[dt.datetime, dt.datetime]:
    """The UTC bounds [start, end) of a China-time month ``YYYY-MM``; a 422 at ``loc`` for any
    other text."""
    try:
        start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA_TZ)
    except ValueError:
        raise InvalidInput(
            msg("{month} is not a month (YYYY-MM)", month=repr(month)),
            errors=[field_error(loc, msg("expected YYYY-MM, e.g. 2026-09"))],
        ) from None
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def event_frame(
    session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> pl.DataFrame:
    """The stored EQUIPMENT events (eventDateTime in [since, until)) as the kernel's input."""
    stmt = (
        select(
            Event.id,
            Event.equipment_reference,
            Event.equipment_event_type_code,
            Event.event_classifier_code,
            Event.event_at,
            Event.un_location_code,
            Event.empty_indicator_code,
            Equipment.iso_equipment_code,
            Event.supersedes_id,
        )
        .outerjoin(Equipment, Equipment.reference == Event.equipment_reference)
        .where(Event.event_type == "EQUIPMENT")
    )
    if since is not None:
        stmt = stmt.where(Event.event_at >= since)
    if until is not None:
        stmt = stmt.where(Event.event_at < until)
    rows = [
        (pk, box, code, cls, at.astimezone(dt.UTC).replace(tzinfo=None), loc, empty, iso, sup)
        for pk, box, code, cls, at, loc, empty, iso, sup in session.execute(stmt)
    ]
    if not rows:
        return kernel.empty_events()
    return pl.DataFrame(rows, schema=list(kernel.COLUMNS.items()), orient="row")


def event_span(session: Session) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The China-time moments of the first and last stored equipment event."""
    first, last = session.execute(
        select(func.min(Event.event_at), func.max(Event.event_at)).where(
            Event.event_type == "EQUIPMENT"
        )
    ).one()
    if first is None or last is None:
        return None, None
    return first.astimezone(CHINA_TZ), last.astimezone(CHINA_TZ)


def months(session: Session) -> list[str]:
    """Every China-time month from the first to the last stored equipment event."""
    first, last = event_span(session)
    if first is None or last is None:
        return []
    found, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def compute(session: Session, *, month: str | None = None) -> PortIndicators:
    """The indicators of one China-time month (its events and those of ``LOOK_BACK`` before),
    or of every month with events (``month`` None). ``month`` is checked (422 at
    ``["query", "month"]``)."""
    since = until = None
    if month is not None:
        start, until = check_month(month, ["query", "month"])
        since = start - LOOK_BACK
    events = event_frame(session, since=since, until=until)
    ports = port_provinces(session)
    transits = kernel.transits(events, port_provinces=ports)
    green = kernel.green_channel(events, location=GREEN_CHANNEL)
    dwell = kernel.dwell(events)
    if month is not None:
        in_month = pl.col("month") == month
        transits, green, dwell = (
            transits.filter(in_month),
            green.filter(in_month),
            dwell.filter(in_month),
        )
    first, last = event_span(session)
    return PortIndicators(transits, green, dwell, first=first, last=last, events=events.height)


@dataclass(frozen=True)
class FlowMonth:
    """What the flow page shows: the chosen month (the latest with events unless asked), the
    months to choose from, the month's indicators and the names of the places in them."""

    month: str | None
    months: list[str]
    found: PortIndicators | None
    names: dict[str, tuple[str, str]]  # UN/LOCODE -> (name zh, name en)


def flow_month(session: Session, *, month: str | None) -> FlowMonth:
    """The port-pair flows of ``month`` (checked: 422 at ``["query", "month"]``), or of the
    latest month with events."""
    choices = months(session)
    chosen = month or (choices[-1] if choices else None)
    found = compute(session, month=chosen) if chosen is not None else None
    names: dict[str, tuple[str, str]] = {}
    for row in session.execute(
        select(Location.un_location_code, Location.name_zh, Location.name_en).order_by(Location.id)
    ):
        names.setdefault(row[0], (row[1], row[2]))
    return FlowMonth(month=chosen, months=choices, found=found, names=names)
