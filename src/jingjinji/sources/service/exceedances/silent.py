"""Silent loggers: an active logger not heard for more than ``JJJ_SOURCES_SILENT_INTERVALS``
of its real-time interval opens a ``silent`` event starting when it was last heard (the
registration, if it never spoke); the event ends when the logger is heard again. Run by the
periodic job ``sources.detect_silent`` (every minute) and idempotent: the start is the last
time heard, so a second run finds the event it opened."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.kernels import limits
from jingjinji.sources.models import (
    Exceedance,
    ExceedanceKind,
    ExceedanceStatus,
    Logger,
    Packet,
)
from jingjinji.sources.service.exceedances.detection import logger_places
from jingjinji.sources.service.exceedances.events import opened_event

SILENT_JOB = "sources.detect_silent"


def last_heard(session: Session, loggers: list[Logger]) -> dict[int, dt.datetime]:
    """When each logger was last heard: its ``last_seen_at`` (the loader keeps it, never moving
    it back); for a logger without one, the reception of its latest stored packet (a narrow
    query: scanning every packet each minute would not scale); its registration if neither."""
    unseen = [lg.id for lg in loggers if lg.last_seen_at is None]
    received: dict[int, dt.datetime] = {}
    if unseen:
        received = {
            logger_id: at
            for logger_id, at in session.execute(
                select(Packet.logger_id, func.max(Packet.received_at))
                .where(Packet.logger_id.in_(unseen))
                .group_by(Packet.logger_id)
            )
        }
    return {lg.id: lg.last_seen_at or received.get(lg.id) or lg.registered_at for lg in loggers}


def detect_silent(session: Session, *, now: dt.datetime) -> list[Exceedance]:
    """Open the events of loggers silent at ``now`` and end those of loggers heard again;
    returns the events opened."""
    intervals = get_settings().sources_silent_intervals
    loggers = list(session.scalars(select(Logger).where(Logger.active.is_(True))))
    if not loggers:
        return []
    heard = last_heard(session, loggers)
    going = {
        e.logger_id: e
        for e in session.scalars(
            select(Exceedance).where(
                Exceedance.kind == ExceedanceKind.SILENT.value,
                Exceedance.ended_at.is_(None),
                Exceedance.status != ExceedanceStatus.CLOSED.value,
            )
        )
    }
    places = logger_places(session, [lg.id for lg in loggers])
    opened: list[Exceedance] = []
    ended: list[int] = []
    for lg in loggers:
        last = heard[lg.id]
        silent = limits.silent_since(
            last_heard=last,
            now=now,
            interval_seconds=lg.realtime_interval_seconds,
            intervals=intervals,
        )
        event = going.get(lg.id)
        if event is not None and last > event.started_at:
            event.ended_at = last  # heard again: the silence ended then
            ended.append(event.id)
            event = None
        if not silent or event is not None or lg.id not in places:
            continue
        exists = session.scalar(
            select(Exceedance.id).where(
                Exceedance.logger_id == lg.id,
                Exceedance.kind == ExceedanceKind.SILENT.value,
                Exceedance.factor == "",
                Exceedance.started_at == last,
            )
        )
        if exists is not None:
            continue  # already opened for this silence (and ended or closed since)
        place = places[lg.id]
        new = Exceedance(
            kind=ExceedanceKind.SILENT.value,
            jurisdiction_code=place.jurisdiction_code,
            enterprise_id=place.enterprise_id,
            outlet_id=place.outlet_id,
            logger_id=lg.id,
            factor="",
            started_at=last,
            detail={
                "realtime_interval_seconds": lg.realtime_interval_seconds,
                "intervals": intervals,
                "mn": lg.mn,
            },
        )
        session.add(new)
        opened.append(new)
    session.flush()
    for event in opened:
        opened_event(session, event)
    if opened or ended:
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="sources.exceedance.silent",
            object_type="source_logger",
            detail={"opened": [e.id for e in opened], "ended": ended},
        )
    return opened
