"""Source states and the data of the sources pages: the map of outlets coloured by state, an
outlet's page (registry, charts against its permit limits, open exceedances) and the gateways'
latest counters.

An outlet's *state*:

- ``offline`` when none of its active loggers reported within ``sources_silent_intervals`` of
  its real-time interval (``last_seen_at`` older than that, or never seen, or no active logger);
- ``exceedance`` when it has an open exceedance event (status ``open`` or ``in_case``);
- ``normal`` otherwise.

The states of every outlet come from two set-based queries whatever the number of outlets.
Who reads what: the map (names, kinds, positions and states) is public; an outlet's monitoring
data and its exceedances are read by those ``policy.may_read_enterprise`` admits.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, province_of, require_actor
from jingjinji.sources.models import (
    DataCommand,
    Enterprise,
    Exceedance,
    ExceedanceStatus,
    GatewayStats,
    Logger,
    MonitoredFactor,
    Outlet,
    OutletKind,
    Value,
)
from jingjinji.sources.service import registry_reading
from jingjinji.sources.stats_bucket import latest_reports
from jingjinji.sources.stream import StreamNames
from jingjinji.timezone import CHINA_TZ

OPEN_STATUSES = (ExceedanceStatus.OPEN.value, ExceedanceStatus.IN_CASE.value)
PROVINCES = ("110000", "120000", "130000")
#: A gateway whose latest counters are older than this has stopped reporting (it publishes
#: them every few seconds).
GATEWAY_SILENT_AFTER = dt.timedelta(seconds=30)


class SourceState(enum.StrEnum):
    NORMAL = "normal"
    EXCEEDANCE = "exceedance"
    OFFLINE = "offline"


@dataclass(frozen=True)
class OutletRow:
    """One outlet on the map and in its table."""

    outlet_id: int
    outlet_code: str
    outlet_name_zh: str
    outlet_name_en: str
    kind: str
    longitude: float
    latitude: float
    enterprise_id: int
    enterprise_name_zh: str
    enterprise_name_en: str
    jurisdiction_code: str  # the enterprise's
    province_code: str
    last_seen_at: dt.datetime | None  # the latest of its active loggers
    state: SourceState


@dataclass(frozen=True)
class SourceMap:
    """The outlets that match the filters, and their counts by state and by province."""

    rows: list[OutletRow]
    by_state: dict[str, int]
    by_province: dict[str, dict[str, int]]  # province -> state -> outlets


def is_offline(
    last_seen_at: dt.datetime | None, interval_seconds: int, *, now: dt.datetime, intervals: int
) -> bool:
    """Whether a logger last seen at ``last_seen_at`` (None: never) is offline at ``now``."""
    if last_seen_at is None:
        return True
    return now - last_seen_at > dt.timedelta(seconds=interval_seconds * intervals)


def _check_filters(state: str | None, kind: str | None, province: str | None) -> None:
    bad = []
    if state and state not in set(SourceState):
        bad.append(
            field_error(["query", "state"], msg("one of {states}", states=", ".join(SourceState)))
        )
    if kind and kind not in set(OutletKind):
        bad.append(
            field_error(["query", "kind"], msg("one of {kinds}", kinds=", ".join(OutletKind)))
        )
    if province and province not in PROVINCES:
        bad.append(
            field_error(
                ["query", "jurisdiction"], msg("one of {provinces}", provinces=", ".join(PROVINCES))
            )
        )
    if bad:
        raise InvalidInput(msg("unknown filter value"), errors=bad)


def outlet_states(
    session: Session, *, outlet_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> list[OutletRow]:
    """Every outlet (or those of ``outlet_ids``) with its enterprise and state, in the order
    province, enterprise, outlet code. Two statements."""
    now = now or utcnow()
    intervals = get_settings().sources_silent_intervals
    stmt = (
        select(Outlet, Enterprise, Logger.last_seen_at, Logger.realtime_interval_seconds)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .outerjoin(Logger, (Logger.outlet_id == Outlet.id) & Logger.active.is_(True))
        .order_by(Enterprise.jurisdiction_code, Enterprise.name_en, Outlet.code, Outlet.id)
    )
    open_events = select(Exceedance.outlet_id, func.count()).where(
        Exceedance.status.in_(OPEN_STATUSES)
    )
    if outlet_ids is not None:
        ids = list(outlet_ids)
        stmt = stmt.where(Outlet.id.in_(ids))
        open_events = open_events.where(Exceedance.outlet_id.in_(ids))
    exceeding = {
        outlet_id for outlet_id, _ in session.execute(open_events.group_by(Exceedance.outlet_id))
    }
    found: dict[int, tuple[Outlet, Enterprise, list[tuple[dt.datetime | None, int]]]] = {}
    for outlet, enterprise, seen, interval in session.execute(stmt):
        entry = found.setdefault(outlet.id, (outlet, enterprise, []))
        if interval is not None:
            entry[2].append((seen, interval))
    rows = []
    for outlet, enterprise, loggers in found.values():
        online = any(
            not is_offline(seen, interval, now=now, intervals=intervals)
            for seen, interval in loggers
        )
        state = (
            SourceState.OFFLINE
            if not online
            else SourceState.EXCEEDANCE
            if outlet.id in exceeding
            else SourceState.NORMAL
        )
        seen_times = [seen for seen, _ in loggers if seen is not None]
        rows.append(
            OutletRow(
                outlet_id=outlet.id,
                outlet_code=outlet.code,
                outlet_name_zh=outlet.name_zh,
                outlet_name_en=outlet.name_en,
                kind=outlet.kind,
                longitude=outlet.longitude,
                latitude=outlet.latitude,
                enterprise_id=enterprise.id,
                enterprise_name_zh=enterprise.name_zh,
                enterprise_name_en=enterprise.name_en,
                jurisdiction_code=enterprise.jurisdiction_code,
                province_code=province_of(enterprise.jurisdiction_code),
                last_seen_at=max(seen_times, default=None),
                state=state,
            )
        )
    return rows


def source_map(
    session: Session,
    *,
    province: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> SourceMap:
    """The map's outlets filtered by province (110000, 120000, 130000), state and kind, with
    their counts by state and by province. Public: names, positions and states only."""
    _check_filters(state, kind, province)
    rows = [
        r
        for r in outlet_states(session, now=now)
        if (not province or r.province_code == province)
        and (not state or r.state == state)
        and (not kind or r.kind == kind)
    ]
    by_state = {s.value: 0 for s in SourceState}
    by_province: dict[str, dict[str, int]] = {}
    for r in rows:
        by_state[r.state] += 1
        counts = by_province.setdefault(r.province_code, {s.value: 0 for s in SourceState})
        counts[r.state] += 1
    return SourceMap(rows=rows, by_state=by_state, by_province=by_province)


# --------------------------------------------------------------------------- outlet page


@dataclass(frozen=True)
class FactorSeries:
    """One factor's points (China-time ISO text, value) in a window, with its limits."""

    factor: str
    unit: str
    hourly_limit: float | None
    daily_limit: float | None
    points: list[tuple[str, float | None]]


@dataclass(frozen=True)
class SeriesWindow:
    """A chart's window, chosen by the latest data: ``start``/``end`` in UTC (None: no data)."""

    command: int
    start: dt.datetime | None
    end: dt.datetime | None
    factors: list[FactorSeries] = field(default_factory=list)


@dataclass(frozen=True)
class OutletPage:
    """What an outlet's page shows. ``readable`` False: the registry and state only."""

    outlet: Outlet
    enterprise: Enterprise
    row: OutletRow
    loggers: list[Logger]
    factors: list[MonitoredFactor]
    readable: bool
    realtime: SeriesWindow | None
    hourly: SeriesWindow | None
    exceedances: list[Exceedance]


def may_read_data(session: Session, actor: Actor | None, enterprise: Enterprise) -> bool:
    """Whether ``actor`` reads the enterprise's monitoring data (no query for anonymous)."""
    return registry_reading.may_read_data(session, actor, enterprise=enterprise)


def _window(
    session: Session, logger_ids: Sequence[int], command: DataCommand, days: int
) -> tuple[dt.datetime, dt.datetime] | None:
    """``days`` China-time days ending with the day of the latest data of ``command``."""
    latest = session.scalar(
        select(func.max(Value.data_time)).where(
            Value.logger_id.in_(logger_ids), Value.cn == command.value
        )
    )
    if latest is None:
        return None
    last_day = latest.astimezone(CHINA_TZ).date()
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), CHINA_TZ)
    return end - dt.timedelta(days=days), end


def _series(
    session: Session,
    logger_ids: Sequence[int],
    factors: Sequence[MonitoredFactor],
    command: DataCommand,
    days: int,
) -> SeriesWindow:
    window = _window(session, logger_ids, command, days) if logger_ids else None
    if window is None:
        return SeriesWindow(command=command.value, start=None, end=None)
    start, end = window
    column = Value.rtd if command is DataCommand.REALTIME else Value.avg
    points: dict[str, list[tuple[str, float | None]]] = {}
    for factor, at, value in session.execute(
        select(Value.factor, Value.data_time, column)
        .where(
            Value.logger_id.in_(logger_ids),
            Value.cn == command.value,
            Value.data_time >= start,
            Value.data_time < end,
        )
        .order_by(Value.factor, Value.data_time)
    ):
        points.setdefault(factor, []).append((at.astimezone(CHINA_TZ).isoformat(), value))
    return SeriesWindow(
        command=command.value,
        start=start.astimezone(dt.UTC),
        end=end.astimezone(dt.UTC),
        factors=[
            FactorSeries(f.code, f.unit, f.hourly_limit, f.daily_limit, points[f.code])
            for f in factors
            if f.code in points
        ],
    )


def outlet_page(
    session: Session, *, actor: Actor | None, outlet_id: int, now: dt.datetime | None = None
) -> OutletPage:
    """An outlet's page: registry and state for everyone; for those who read the enterprise's
    data, its data loggers, the real-time series of the latest day with data, the hourly series
    of the latest week with data (seven China-time days ending with the latest hour's day) and
    the open exceedance events. A read by another jurisdiction (involved in a case) is
    audited. 404 for an unknown outlet."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(msg("no outlet {outlet_id}", outlet_id=outlet_id))
    enterprise = session.get(Enterprise, outlet.enterprise_id)
    assert enterprise is not None  # a foreign key
    (row,) = outlet_states(session, outlet_ids=[outlet_id], now=now)
    loggers = list(
        session.scalars(select(Logger).where(Logger.outlet_id == outlet_id).order_by(Logger.mn))
    )
    factors = list(
        session.scalars(
            select(MonitoredFactor)
            .where(MonitoredFactor.outlet_id == outlet_id)
            .order_by(MonitoredFactor.code)
        )
    )
    readable = may_read_data(session, actor, enterprise)
    if not readable:
        # An MN is the address the gateway takes packets for (most loggers send the default
        # password): as in the API, only readers of the enterprise's data learn it.
        return OutletPage(outlet, enterprise, row, [], factors, False, None, None, [])
    assert actor is not None  # only members read data
    if not actor.is_office_admin and actor.province_code != province_of(
        enterprise.jurisdiction_code
    ):
        # Another jurisdiction reads through its involvement in a case: on the record.
        audit.record(
            session,
            actor=actor,
            action="sources.outlet.read",
            object_type="source_outlet",
            object_id=outlet_id,
            jurisdiction_code=enterprise.jurisdiction_code,
            detail={"cross_jurisdiction": True, "enterprise_id": enterprise.id},
        )
    ids = [lg.id for lg in loggers]
    exceedances = list(
        session.scalars(
            select(Exceedance)
            .where(Exceedance.outlet_id == outlet_id, Exceedance.status.in_(OPEN_STATUSES))
            .order_by(Exceedance.started_at.desc(), Exceedance.id.desc())
        )
    )
    return OutletPage(
        outlet=outlet,
        enterprise=enterprise,
        row=row,
        loggers=loggers,
        factors=factors,
        readable=True,
        realtime=_series(session, ids, factors, DataCommand.REALTIME, 1),
        hourly=_series(session, ids, factors, DataCommand.HOURLY, 7),
        exceedances=exceedances,
    )


# --------------------------------------------------------------------------- gateway


@dataclass(frozen=True)
class GatewayRow:
    """A gateway's latest counters (``gateway.counters.Counters.snapshot``), read tolerantly:
    a counter it did not send is None."""

    gateway: str
    reported_at: dt.datetime
    silent: bool  # stopped reporting: its counters are older than GATEWAY_SILENT_AFTER
    connections: float | None
    packets_per_second: float | None
    accepted: float | None
    rejects: dict[str, float]
    ack_p50_ms: float | None
    ack_p99_ms: float | None


def _number(counters: dict[str, Any], path: str) -> float | None:
    """The number at ``path`` (dotted, into nested objects), None if there is none."""
    value: Any = counters
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _rejects(counters: dict[str, Any]) -> dict[str, float]:
    found = counters.get("rejects") or {}
    if not isinstance(found, dict):
        return {}
    return {
        str(k): float(v)
        for k, v in sorted(found.items())
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def gateway_rows(
    session: Session,
    *,
    actor: Actor | None,
    now: dt.datetime | None = None,
    names: StreamNames | None = None,
) -> list[GatewayRow]:
    """The latest counters of every gateway (one row per gateway), for signed-in users: the
    newer of what the gateway last put in the stats bucket of ``names`` (read directly, so a
    backlog of packets before the loader does not delay it) and what the loader stored; with
    ``names`` None, or NATS unreachable, what the loader stored alone."""
    require_actor(actor)
    now = now or utcnow()
    latest = {
        s.gateway: (s.reported_at, s.counters or {}) for s in session.scalars(select(GatewayStats))
    }
    live = latest_reports(names) if names is not None else None
    for report in live or []:
        known = latest.get(report.gateway)
        if known is None or report.reported_at >= known[0]:
            latest[report.gateway] = (report.reported_at, report.counters)
    rows = []
    for gateway, (reported_at, c) in sorted(latest.items()):
        rows.append(
            GatewayRow(
                gateway=gateway,
                reported_at=reported_at,
                silent=now - reported_at > GATEWAY_SILENT_AFTER,
                connections=_number(c, "connections.current"),
                packets_per_second=_number(c, "packets.per_second"),
                accepted=_number(c, "packets.accepted"),
                rejects=_rejects(c),
                ack_p50_ms=_number(c, "ack_ms.p50"),
                ack_p99_ms=_number(c, "ack_ms.p99"),
            )
        )
    return rows
