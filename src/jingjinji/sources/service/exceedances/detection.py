"""Detection after each loader batch: hourly and daily values above their permit limits, and
runs of invalid flags (the rules are ``kernels.limits``).

For every series a batch touched (logger, factor, command) the series is read back from the
last value that ends a run before the batch's earliest data time, so a run that began in an
earlier batch (or data arriving late, out of order) is seen whole. Each run is written to the
event whose start lies within it (its start, end and worst value set to the run's), or opens
one; a closed event is frozen and only the run's values after it open a new event (see
``pieces``). The events depend on the stored values only, not on their arrival order, and
running the detection twice opens nothing new."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.kernels import limits
from jingjinji.sources.models import (
    DataCommand,
    Enterprise,
    Exceedance,
    ExceedanceKind,
    Logger,
    MonitoredFactor,
    Outlet,
    Packet,
    Value,
)
from jingjinji.sources.service.exceedances.events import opened_event
from jingjinji.sources.service.exceedances.pieces import Piece, is_frozen, piece_of, taker

DETECT_JOB = "sources.detect_exceedances"


@dataclass(frozen=True, slots=True)
class LoggerPlace:
    """Where a logger sits: its outlet, enterprise and the enterprise's jurisdiction."""

    logger_id: int
    outlet_id: int
    enterprise_id: int
    jurisdiction_code: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One detection over one series: the kind, the command read and the limit."""

    kind: ExceedanceKind
    cn: DataCommand
    factor: MonitoredFactor


def logger_places(session: Session, logger_ids: Iterable[int]) -> dict[int, LoggerPlace]:
    rows = session.execute(
        select(Logger.id, Outlet.id, Enterprise.id, Enterprise.jurisdiction_code)
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .where(Logger.id.in_(sorted(set(logger_ids))))
    )
    return {lid: LoggerPlace(lid, oid, eid, code) for lid, oid, eid, code in rows}


def _compared_column(factor: MonitoredFactor) -> ColumnElement[Any]:
    if limits.is_flue_gas_concentration(factor.unit):
        return func.coalesce(Value.zs_avg, Value.avg)
    return Value.avg  # type: ignore[return-value]


def _ends_a_run(rule: Rule) -> ColumnElement[bool]:
    """The stored values that end a run of this rule (see ``kernels.limits``)."""
    if rule.kind is ExceedanceKind.INVALID_FLAGS:
        return or_(Value.flag.is_(None), not_(Value.flag.in_(sorted(limits.INVALID_FLAGS))))
    limit = rule.factor.hourly_limit if rule.cn is DataCommand.HOURLY else rule.factor.daily_limit
    return and_(
        or_(Value.flag.is_(None), Value.flag == "N"), _compared_column(rule.factor) <= limit
    )


def _series(
    session: Session, *, logger_id: int, rule: Rule, earliest: dt.datetime
) -> list[limits.Reading]:
    """The series from the last value ending a run before ``earliest`` on."""
    of_series = and_(
        Value.logger_id == logger_id, Value.cn == int(rule.cn), Value.factor == rule.factor.code
    )
    since = session.scalar(
        select(func.max(Value.data_time)).where(
            of_series, Value.data_time < earliest, _ends_a_run(rule)
        )
    )
    stmt = select(Value.data_time, Value.avg, Value.zs_avg, Value.flag).where(of_series)
    if since is not None:
        stmt = stmt.where(Value.data_time >= since)
    return [
        limits.Reading(
            data_time=t,
            value=limits.compared_value(unit=rule.factor.unit, avg=avg, zs_avg=zs),
            flag=flag,
        )
        for t, avg, zs, flag in session.execute(stmt.order_by(Value.data_time))
    ]


def _rules(factors: list[MonitoredFactor], commands: set[int]) -> list[Rule]:
    rules: list[Rule] = []
    for f in factors:
        if int(DataCommand.HOURLY) in commands:
            if f.hourly_limit is not None:
                rules.append(Rule(ExceedanceKind.HOURLY_LIMIT, DataCommand.HOURLY, f))
            rules.append(Rule(ExceedanceKind.INVALID_FLAGS, DataCommand.HOURLY, f))
        if int(DataCommand.DAILY) in commands and f.daily_limit is not None:
            rules.append(Rule(ExceedanceKind.DAILY_LIMIT, DataCommand.DAILY, f))
    return rules


def _runs(rule: Rule, readings: list[limits.Reading]) -> list[limits.Run]:
    if rule.kind is ExceedanceKind.INVALID_FLAGS:
        return limits.invalid_runs(readings, run_limit=rule.factor.invalid_run_limit)
    limit = rule.factor.hourly_limit if rule.cn is DataCommand.HOURLY else rule.factor.daily_limit
    assert limit is not None  # _rules only makes limit rules for factors with the limit
    return limits.limit_runs(readings, limit=limit)


def _limit_of(rule: Rule) -> float | None:
    if rule.kind is ExceedanceKind.HOURLY_LIMIT:
        return rule.factor.hourly_limit
    if rule.kind is ExceedanceKind.DAILY_LIMIT:
        return rule.factor.daily_limit
    return float(rule.factor.invalid_run_limit)


def _known_events(
    session: Session, place: LoggerPlace, rule: Rule, readings: list[limits.Reading]
) -> list[Exceedance]:
    """The events of this series that may overlap the readings (one query): those started
    within them, and those started before that had not ended by their first value."""
    if not readings:
        return []
    first, last = readings[0].data_time, readings[-1].data_time
    return list(
        session.scalars(
            select(Exceedance).where(
                Exceedance.logger_id == place.logger_id,
                Exceedance.kind == rule.kind.value,
                Exceedance.factor == rule.factor.code,
                Exceedance.started_at <= last,
                or_(Exceedance.ended_at.is_(None), Exceedance.ended_at > first),
            )
        )
    )


def _write_run(
    session: Session, place: LoggerPlace, rule: Rule, piece: Piece, event: Exceedance | None
) -> tuple[Exceedance, bool]:
    """Open the piece's event, or set the one that takes it to what the piece says (start,
    end, worst value: the run is seen whole, so they are exact); (event, opened)."""
    run = piece.run
    worst = run.worst if run.worst is not None else float(run.count)
    detail: dict[str, Any] = {
        "cn": int(rule.cn),
        "unit": rule.factor.unit,
        "last_at": run.last_at.isoformat(),
        "values": run.count,
    }
    if rule.kind is ExceedanceKind.INVALID_FLAGS:
        detail["flags"] = list(run.flags)
    elif limits.is_flue_gas_concentration(rule.factor.unit):
        detail["compared"] = "ZsAvg where sent, else Avg"
    if piece.follows is not None:
        detail["follows"] = piece.follows
    if event is None:
        event = Exceedance(
            kind=rule.kind.value,
            jurisdiction_code=place.jurisdiction_code,
            enterprise_id=place.enterprise_id,
            outlet_id=place.outlet_id,
            logger_id=place.logger_id,
            factor=rule.factor.code,
            started_at=run.started_at,
            ended_at=run.ended_at,
            value=worst,
            limit=_limit_of(rule),
            detail=detail,
        )
        session.add(event)
        return event, True
    event.started_at = run.started_at
    event.ended_at = run.ended_at
    event.value = worst
    event.detail = {**event.detail, **detail}
    return event, False


def _touched(session: Session, batch_id: int) -> dict[int, tuple[set[int], dt.datetime]]:
    """Per logger of the batch: the commands stored (hourly, daily) and the earliest data time."""
    touched: dict[int, tuple[set[int], dt.datetime]] = {}
    rows = session.execute(
        select(Packet.logger_id, Packet.cn, func.min(Packet.data_time))
        .where(
            Packet.batch_id == batch_id,
            Packet.cn.in_([int(DataCommand.HOURLY), int(DataCommand.DAILY)]),
        )
        .group_by(Packet.logger_id, Packet.cn)
    )
    for logger_id, cn, earliest in rows:
        commands, before = touched.get(logger_id, (set(), earliest))
        commands.add(cn)
        touched[logger_id] = (commands, min(before, earliest))
    return touched


def detect_for_batch(session: Session, *, batch_id: int) -> list[Exceedance]:
    """Detect limit and invalid-flag events in the series a loader batch stored; returns the
    events opened (extended ones are updated in place). Idempotent; the loader queues it as the
    job ``sources.detect_exceedances`` with ``{"batch_id": id}``."""
    touched = _touched(session, batch_id)
    if not touched:
        return []
    places = logger_places(session, touched)
    factors_by_outlet: dict[int, list[MonitoredFactor]] = defaultdict(list)
    outlet_ids = sorted({p.outlet_id for p in places.values()})
    for f in session.scalars(
        select(MonitoredFactor)
        .where(MonitoredFactor.outlet_id.in_(outlet_ids))
        .order_by(MonitoredFactor.code)
    ):
        factors_by_outlet[f.outlet_id].append(f)
    opened: list[Exceedance] = []
    extended = 0
    for logger_id, (commands, earliest) in sorted(touched.items()):
        place = places.get(logger_id)
        if place is None:
            continue  # the logger was removed from the registry meanwhile
        for rule in _rules(factors_by_outlet[place.outlet_id], commands):
            readings = _series(session, logger_id=logger_id, rule=rule, earliest=earliest)
            known = _known_events(session, place, rule, readings)
            frozen = [e for e in known if is_frozen(e)]
            going = [e for e in known if not is_frozen(e)]
            invalid_kind = rule.kind is ExceedanceKind.INVALID_FLAGS
            for run in _runs(rule, readings):
                piece = piece_of(run, readings, frozen, invalid_kind=invalid_kind)
                if piece is None:
                    continue  # the whole run belongs to a closed event
                event, is_new = _write_run(session, place, rule, piece, taker(piece, going))
                if is_new:
                    opened.append(event)
                else:
                    extended += 1
    session.flush()
    for event in opened:
        opened_event(session, event)
    if opened:
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="sources.exceedance.detect",
            object_type="source_batch",
            object_id=batch_id,
            detail={"opened": [e.id for e in opened], "extended": extended},
        )
    return opened
