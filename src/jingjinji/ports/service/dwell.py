"""Dwell beyond the threshold (``Settings.ports_dwell_hours``, 72 h by default): a container of
an open order staying at a location between its arrival (DISC, GTIN) and its departure (LOAD,
GTOT) for longer raises one notice to the order's parties.

Checked by a periodic job (hourly), not on event intake: a dwell grows too long while nothing
happens (the container is not moved), so no event arrives that intake could react to. The
``ports_dwell_notices`` row (unique per order, container, location and arrival) makes it one
notice per stay however often the check runs, also when the stay has ended by then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.ports import notices
from jingjinji.ports.kernels import timeline as kernel
from jingjinji.ports.models import DwellNotice, Location, Order, OrderLeg
from jingjinji.ports.service import orders

DWELL_JOB = "ports.check_dwells"


def open_orders(session: Session, *, now: dt.datetime) -> list[Order]:
    """Orders whose window has not closed: their last planned arrival is less than
    ``orders.WINDOW_AFTER`` ago."""
    last = (
        select(OrderLeg.order_id)
        .group_by(OrderLeg.order_id)
        .having(func.max(OrderLeg.planned_arrival) >= now - orders.WINDOW_AFTER)
    )
    return list(session.scalars(select(Order).where(Order.id.in_(last)).order_by(Order.id)))


def check_dwells(
    session: Session, *, now: dt.datetime | None = None, threshold_hours: int | None = None
) -> list[DwellNotice]:
    """Notify the parties of every open order of each stay of its containers longer than the
    threshold, once per stay; returns the notices made now."""
    now = now or utcnow()
    hours = threshold_hours or get_settings().ports_dwell_hours
    limit = dt.timedelta(hours=hours)
    views = orders.views_of(session, open_orders(session, now=now))
    if not views:
        return []
    done = {
        (n.order_id, n.equipment_reference, n.un_location_code, n.started_at)
        for n in session.scalars(
            select(DwellNotice).where(DwellNotice.order_id.in_([v.order.id for v in views]))
        )
    }
    names = {loc.un_location_code: loc for loc in session.scalars(select(Location))}
    made: list[DwellNotice] = []
    for view in views:
        if not view.legs:
            continue
        start, end = view.window
        events = orders.events_of(session, containers=view.containers, start=start, end=end)
        for stay in kernel.dwells(kernel.effective(events, start=start, end=end)):
            key = (view.order.id, stay.equipment_reference, stay.location, stay.started_at)
            if key in done or stay.started_at > now or stay.length(now) <= limit:
                continue
            stayed = int(stay.length(now).total_seconds() // 3600)
            notice = DwellNotice(
                order_id=view.order.id,
                equipment_reference=stay.equipment_reference,
                un_location_code=stay.location,
                started_at=stay.started_at,
                hours=stayed,
                noticed_at=now,
            )
            session.add(notice)
            notices.dwell_exceeded(
                session, order=view.order, parties=view.parties, dwell=stay, hours=stayed,
                threshold=hours, location=names.get(stay.location),
            )  # fmt: skip
            done.add(key)
            made.append(notice)
    session.flush()
    return made


def dwell_notices(session: Session, *, order_id: int) -> list[DwellNotice]:
    """The dwell notices of an order (read after ``orders.get_order`` authorised it)."""
    stmt = select(DwellNotice).where(DwellNotice.order_id == order_id).order_by(DwellNotice.id)
    return list(session.scalars(stmt))


jobs.periodic(DWELL_JOB, every=dt.timedelta(hours=1))


@jobs.handler(DWELL_JOB)
def _dwell_job(session: Session, payload: dict[str, Any]) -> None:
    check_dwells(session)
