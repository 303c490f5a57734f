"""Deadlines: a notice not acknowledged by its due time is escalated to the coordination office
(listed there as overdue), once. The job ``water.escalate_incidents`` runs at an incident's
deadline (queued when it opens); running it again, or early, changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water.models import Incident, IncidentNotice
from jingjinji.water.service.incidents import events
from jingjinji.water.service.incidents.states import NOT_CLOSED


def escalate_overdue(session: Session, *, now: dt.datetime) -> list[IncidentNotice]:
    """Escalate every notice of an incident not yet closed that was due by ``now`` and is not
    acknowledged; returns those escalated now."""
    rows = session.execute(
        select(IncidentNotice, Incident)
        .join(Incident, Incident.id == IncidentNotice.incident_id)
        .where(
            IncidentNotice.acknowledged_at.is_(None),
            IncidentNotice.escalated_at.is_(None),
            IncidentNotice.due_at <= now,
            Incident.status.in_(sorted(NOT_CLOSED)),
        )
        .order_by(IncidentNotice.id)
    ).all()
    for notice, incident in rows:
        notice.escalated_at = now
        events.add_step(
            session,
            incident,
            kind="escalated",
            actor_username=SYSTEM_ACTOR.username,
            jurisdiction_code=notice.jurisdiction_code,
            detail={"relation": notice.relation, "due_at": notice.due_at.isoformat()},
        )
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="water.incident.escalate",
            object_type="water_incident",
            object_id=incident.id,
            jurisdiction_code=notice.jurisdiction_code,
            detail={"due_at": notice.due_at.isoformat()},
        )
        events.emit(
            session,
            incident,
            events.ESCALATED,
            notice={
                "jurisdiction_code": notice.jurisdiction_code,
                "relation": notice.relation,
                "due_at": notice.due_at.isoformat(),
            },
        )
    session.flush()
    return [notice for notice, _ in rows]
