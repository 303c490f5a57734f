"""Port indicators from the stored events (``kernels.indicators`` does the counting): the
equipment events are read in one statement into a polars frame, with each container's ISO
size-type code from ``ports_equipment``.

Reads go to the stored values (``ports_indicator_values``): :func:`refresh` computes every
month from the events and replaces them whole, in the job ``ports.indicators.refresh`` (queued
after an EDIFACT intake that recorded events, and hourly) and ``jjj ports indicators``;
:func:`stored` gives the same ``PortIndicators`` as :func:`compute` did for every month, without
reading one event.

The figures are aggregates over every stored event (ports, months, TEU; no container, carrier
or booking), published to everyone as open catalog datasets; reading them needs no grant on
the events themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.ports.kernels import indicators as kernel
from jingjinji.ports.models import Equipment, Event, Location, LocationKind, StoredIndicator
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
    choices = stored_months(session)
    chosen = month or (choices[-1] if choices else None)
    found = stored(session, month=chosen) if chosen is not None else None
    names: dict[str, tuple[str, str]] = {}
    for row in session.execute(
        select(Location.un_location_code, Location.name_zh, Location.name_en).order_by(Location.id)
    ):
        names.setdefault(row[0], (row[1], row[2]))
    return FlowMonth(month=chosen, months=choices, found=found, names=names)


# ------------------------------------------------------------------------- stored indicators

REFRESH_JOB = "ports.indicators.refresh"
jobs.periodic(REFRESH_JOB, every=dt.timedelta(hours=1))

#: The columns of each stored table as the kernel makes them (``kernels.indicators``).
_VOLUME_SCHEMA = {
    "containers": pl.Int64, "teu": pl.Float64, "laden_teu": pl.Float64, "unsized": pl.Int64,
}  # fmt: skip
SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {
    "transits": {"month": pl.String, "from_port": pl.String, "to_port": pl.String,
                 **_VOLUME_SCHEMA},
    "green_channel": {"month": pl.String, **_VOLUME_SCHEMA},
    "dwell": {"month": pl.String, "location": pl.String, "stays": pl.Int64,
              "mean_hours": pl.Float64, "median_hours": pl.Float64, "max_hours": pl.Float64},
}  # fmt: skip
_META = "meta"  # one row: the number and China-time span of the events the refresh read


def queue_refresh(session: Session) -> None:
    """Queue a refresh in the caller's transaction (one pending at a time)."""
    jobs.enqueue(session, kind=REFRESH_JOB, dedupe_key=REFRESH_JOB)


def refresh(session: Session) -> int:
    """Recompute every month from the events and replace the stored values (in the caller's
    transaction: readers see the old values until it commits); returns the rows stored."""
    found = compute(session)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for kind, frame in (
        ("transits", found.transits),
        ("green_channel", found.green_channel),
        ("dwell", found.dwell),
    ):
        rows += [
            {"kind": kind, "month": r["month"], "row": r, "computed_at": now}
            for r in frame.select(list(SCHEMAS[kind])).to_dicts()
        ]
    span = [m.isoformat() if m is not None else None for m in (found.first, found.last)]
    meta = {"events": found.events, "first": span[0], "last": span[1]}
    rows.append({"kind": _META, "month": "", "row": meta, "computed_at": now})
    session.execute(delete(StoredIndicator))
    session.execute(insert(StoredIndicator), rows)
    return len(rows)


@jobs.handler(REFRESH_JOB)
def refresh_job(session: Session, payload: dict[str, object]) -> None:
    refresh(session)


def _moment(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) else None


def stored(session: Session, *, month: str | None = None) -> PortIndicators:
    """The stored indicators of one China-time month (checked: 422 at ``["query", "month"]``)
    or of every month, as the last refresh computed them (nothing before the first refresh)."""
    stmt = select(StoredIndicator.kind, StoredIndicator.row).order_by(StoredIndicator.id)
    if month is not None:
        check_month(month, ["query", "month"])
        stmt = stmt.where(StoredIndicator.month.in_((month, "")))
    by_kind: dict[str, list[dict[str, object]]] = {kind: [] for kind in (*SCHEMAS, _META)}
    for kind, row in session.execute(stmt):
        by_kind.setdefault(kind, []).append(row)
    frames = {
        kind: pl.DataFrame(by_kind[kind], schema=schema, orient="row")
        if by_kind[kind]
        else pl.DataFrame(schema=schema)
        for kind, schema in SCHEMAS.items()
    }
    meta = by_kind[_META][0] if by_kind[_META] else {}
    events = meta.get("events")
    return PortIndicators(
        frames["transits"],
        frames["green_channel"],
        frames["dwell"],
        first=_moment(meta.get("first")),
        last=_moment(meta.get("last")),
        events=events if isinstance(events, int) else 0,
    )


def stored_months(session: Session) -> list[str]:
    """Every China-time month from the first to the last event the last refresh read."""
    meta = session.scalar(select(StoredIndicator.row).where(StoredIndicator.kind == _META))
    first, last = _moment((meta or {}).get("first")), _moment((meta or {}).get("last"))
    if first is None or last is None:
        return []
    first, last = first.astimezone(CHINA_TZ), last.astimezone(CHINA_TZ)
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
