"""Port indicators from the stored events (``kernels.indicators`` does the counting): the
equipment events are read in one statement into a polars frame, with each container's ISO
size-type code from ``ports_equipment``.

**A month's figures** come from the equipment events of that month and of ``LOOK_BACK`` (92
days) before it, nothing older, and a correction removes the event it corrects from every
month (``indicator_months`` spells out what a month depends on and which months an event
reaches).

**Stored values** (``ports_indicator_values``) are what pages, datasets and the progress feed
read: :func:`stored` gives the same ``PortIndicators`` as :func:`compute` without reading one
event. :func:`refresh` keeps them equal to a recomputation: it recomputes only the months
intake marked stale and the months they reach (reading only those months' windows), replaces
those months' rows and the totals, and clears the marks it handled; with ``full`` (or when
nothing is stored yet, or the port group changed) it rebuilds every month. It runs in the job
``ports.indicators.refresh`` (queued after an EDIFACT intake that recorded events, and
hourly) and ``jjj ports indicators``.

The figures are aggregates over every stored event (ports, months, TEU; no container, carrier
or booking), published to everyone as open catalog datasets; reading them needs no grant on
the events themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import DateTime, delete, func, insert, select, text, type_coerce
from sqlalchemy.orm import Session

from jingjinji.db import is_postgres, utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.ports.kernels import indicators as kernel
from jingjinji.ports.models import Equipment, Event, Location, LocationKind, StoredIndicator
from jingjinji.ports.service import indicator_months as months_
from jingjinji.ports.service.indicator_months import LOOK_BACK as LOOK_BACK
from jingjinji.security import province_of
from jingjinji.timezone import CHINA_TZ

#: The location whose arrivals are the Xiong'an green channel's volume: the demo's (assumed)
#: UN/LOCODE of the Xiong'an green-channel dry port (demo/places.py).
GREEN_CHANNEL = "CNXAN"
#: The provinces whose seaports form the port group of the transit indicator.
GROUP_PROVINCES = ("120000", "130000")


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
    # eventDateTime as stored (naive UTC, the kernel's input) and plain rows (no ORM loading):
    # most of a refresh is this read, so no per-row conversion.
    stored_at = type_coerce(Event.event_at, DateTime())
    stmt = (
        select(
            Event.id,
            Event.equipment_reference,
            Event.equipment_event_type_code,
            Event.event_classifier_code,
            stored_at,
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
    rows = session.connection().execute(stmt).all()
    if not rows:
        return kernel.empty_events()
    columns = dict(zip(kernel.COLUMNS, zip(*rows, strict=True), strict=True))
    return pl.DataFrame(columns, schema=kernel.COLUMNS)


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
    return months_.month_range(months_.month_of(first), months_.month_of(last))


def superseded(session: Session) -> list[int]:
    """The ids of the events an equipment event corrects (left out of every month)."""
    stmt = select(Event.supersedes_id).where(
        Event.supersedes_id.is_not(None), Event.event_type == "EQUIPMENT"
    )
    return [pk for pk in session.scalars(stmt) if pk is not None]


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def tables(
    session: Session, events: pl.DataFrame, months: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The three tables of ``months`` from ``events`` (which must hold their windows)."""
    counted = events.filter(
        ~pl.col("event_pk").is_in(pl.Series(superseded(session), dtype=pl.Int64).implode())
    )
    windows = [
        (m, _naive(since), _naive(until)) for m in months for since, until in [months_.window(m)]
    ]
    return kernel.monthly(
        counted, windows, port_provinces=port_provinces(session), green_location=GREEN_CHANNEL
    )


def compute(session: Session, *, month: str | None = None) -> PortIndicators:
    """The indicators of one China-time month (from its events and those of ``LOOK_BACK``
    before), or of every month with events (``month`` None). ``month`` is checked (422 at
    ``["query", "month"]``)."""
    if month is None:
        events, chosen = event_frame(session), months(session)
    else:
        check_month(month, ["query", "month"])
        since, until = months_.window(month)
        events, chosen = event_frame(session, since=since, until=until), [month]
    transits, green, dwell = tables(session, events, chosen)
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
_META = "meta"  # one row: the number and China-time span of the events, and the basis
_EVENTS = "events"  # one row a month: its number and span of equipment events (meta sums them)
#: What every stored month was computed with besides the events: stored values computed with
#: another basis (another port group, look-back or green-channel place) are rebuilt whole.
BASIS_VERSION = 2
# Arbitrary constant naming the PostgreSQL advisory lock that serialises refreshes.
_REFRESH_LOCK_KEY = 7_014_021_408


def queue_refresh(session: Session) -> None:
    """Queue a refresh in the caller's transaction (one pending at a time)."""
    jobs.enqueue(session, kind=REFRESH_JOB, dedupe_key=REFRESH_JOB)


def _basis(session: Session) -> dict[str, Any]:
    return {
        "version": BASIS_VERSION,
        "look_back_seconds": int(LOOK_BACK.total_seconds()),
        "green_channel": GREEN_CHANNEL,
        "ports": port_provinces(session),
    }


def _china(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(CHINA_TZ).isoformat()


def _month_rows(
    session: Session, events: pl.DataFrame, months: list[str], now: dt.datetime
) -> list[dict[str, Any]]:
    """The stored rows of ``months`` (every kind but the meta row) from ``events``, which hold
    their windows."""
    rows: list[dict[str, Any]] = []
    found = dict(zip(SCHEMAS, tables(session, events, months), strict=True))
    for kind, frame in found.items():
        rows += [
            {"kind": kind, "month": r["month"], "row": r, "computed_at": now}
            for r in frame.select(list(SCHEMAS[kind])).to_dicts()
        ]
    at = pl.col("event_at")
    for month in months:
        since, until = (_naive(b) for b in (months_.month_start(month), months_.month_end(month)))
        own = events.filter(at >= since, at < until).select(
            pl.len().alias("n"), at.min().alias("first"), at.max().alias("last")
        )
        n, first, last = own.row(0)
        if n:
            counts = {"events": n, "first": _china(first), "last": _china(last)}
            rows.append({"kind": _EVENTS, "month": month, "row": counts, "computed_at": now})
    return rows


def _meta_row(session: Session, basis: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The meta row from the months' event counts as stored now."""
    counts = list(
        session.scalars(select(StoredIndicator.row).where(StoredIndicator.kind == _EVENTS))
    )
    firsts = [c["first"] for c in counts]
    lasts = [c["last"] for c in counts]
    meta = {
        "events": sum(int(c["events"]) for c in counts),
        "first": min(firsts, key=dt.datetime.fromisoformat) if firsts else None,
        "last": max(lasts, key=dt.datetime.fromisoformat) if lasts else None,
        "basis": basis,
    }
    return {"kind": _META, "month": "", "row": meta, "computed_at": now}


def _rebuild(session: Session, basis: dict[str, Any], now: dt.datetime) -> int:
    """Every month from every event (one read), replacing every stored row."""
    events = event_frame(session)
    chosen: list[str] = []
    if events.height:
        at = pl.col("event_at")
        first, last = events.select(at.min().alias("first"), at.max().alias("last")).row(0)
        chosen = months_.month_range(months_.month_of(first), months_.month_of(last))
    rows = _month_rows(session, events, chosen, now)
    session.execute(delete(StoredIndicator))
    if rows:
        session.execute(insert(StoredIndicator), rows)
    return len(rows)


def _recompute(session: Session, months: list[str], now: dt.datetime) -> int:
    """These months only (each run of consecutive months from one read of its windows),
    replacing their rows."""
    rows: list[dict[str, Any]] = []
    for run in months_.runs(months):
        since, until = months_.window(run[0])[0], months_.month_end(run[-1])
        rows += _month_rows(session, event_frame(session, since=since, until=until), run, now)
    session.execute(delete(StoredIndicator).where(StoredIndicator.month.in_(months)))
    if rows:
        session.execute(insert(StoredIndicator), rows)
    return len(rows)


def refresh(session: Session, *, full: bool = False) -> int:
    """Bring the stored values up to date with the events in the caller's transaction (readers
    see the old values until it commits): recompute the months intake marked stale and the
    months they reach, or every month with ``full``, when nothing is stored yet or the basis
    changed. Returns the rows written (0: nothing was stale, nothing read or written)."""
    if is_postgres(session):  # one refresh at a time: two would both insert a month's rows
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFRESH_LOCK_KEY})
    marks = months_.read_marks(session)  # before the events: a later intake keeps its mark
    basis = _basis(session)
    meta = session.scalar(select(StoredIndicator.row).where(StoredIndicator.kind == _META))
    now = utcnow()
    if full or meta is None or meta.get("basis") != basis:
        written = _rebuild(session, basis, now)
    elif marks:
        # A month after the last event has no rows: an arrival, departure or count of its own
        # is needed (one probe of ix_ports_events_type_at).
        _, last = event_span(session)
        last_month = months_.month_of(last) if last is not None else ""
        reached = [m for m in months_.affected(marks) if m <= last_month]
        written = _recompute(session, reached, now)
        session.execute(delete(StoredIndicator).where(StoredIndicator.kind == _META))
    else:
        return 0
    session.execute(insert(StoredIndicator), [_meta_row(session, basis, now)])
    months_.clear_marks(session, marks)
    return written + 1


@jobs.handler(REFRESH_JOB)
def refresh_job(session: Session, payload: dict[str, object]) -> None:
    """Queued after an intake, and hourly as a safety net: the stale months (a full rebuild
    when nothing is stored yet)."""
    refresh(session)


def _moment(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) else None


def stored(session: Session, *, month: str | None = None) -> PortIndicators:
    """The stored indicators of one China-time month (checked: 422 at ``["query", "month"]``)
    or of every month, as the last refresh computed them (nothing before the first refresh)."""
    stmt = (
        select(StoredIndicator.kind, StoredIndicator.row)
        .where(StoredIndicator.kind.in_((*SCHEMAS, _META)))
        .order_by(StoredIndicator.month, StoredIndicator.id)
    )
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
    return months_.month_range(months_.month_of(first), months_.month_of(last))
