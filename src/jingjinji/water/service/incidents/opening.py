"""Opening an incident: who is told (walking the river network), by when, and the escalation
job that checks the deadlines.

Notices go to one jurisdiction each: the province that monitors the section, the provinces
downstream (the border's downstream side, and every section further down the network with
the far side of its border), the provinces upstream (the border's upstream side, and every
section whose water reaches this one with the near side of its border: they trace sources)
and the coordination office (the region's code). A province that is both is told once, under
its nearest relation (monitoring, downstream, upstream). Deadlines:
``water_notice_hours_serious`` (2 h) or ``water_notice_hours_general`` (4 h) after opening,
as the 2011 rules ask of the reporting side.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.regions import service as regions
from jingjinji.security import Actor, province_of
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    IncidentSeverity,
    NoticeRelation,
    Section,
)
from jingjinji.water.service import sections as sections_service
from jingjinji.water.service.incidents import events
from jingjinji.water.service.incidents import notices as notices_service
from jingjinji.water.service.incidents.states import OPEN

ESCALATE_JOB = "water.escalate_incidents"


def notice_hours(severity: str) -> int:
    settings = get_settings()
    if severity == IncidentSeverity.SERIOUS.value:
        return settings.water_notice_hours_serious
    return settings.water_notice_hours_general


def recipients(session: Session, section: Section) -> dict[str, str]:
    """Province (or region) code -> relation, in the order they are told."""
    told: dict[str, str] = {}

    def tell(code: str | None, relation: NoticeRelation) -> None:
        if code:
            told.setdefault(province_of(code), relation.value)

    tell(section.jurisdiction_code, NoticeRelation.MONITORING)
    tell(section.downstream_jurisdiction_code, NoticeRelation.DOWNSTREAM)
    tell(section.upstream_jurisdiction_code, NoticeRelation.UPSTREAM)
    for below in sections_service.downstream_path(session, code=section.code):
        tell(below.jurisdiction_code, NoticeRelation.DOWNSTREAM)
        tell(below.downstream_jurisdiction_code, NoticeRelation.DOWNSTREAM)
    for above in sections_service.upstream_sections(session, code=section.code):
        tell(above.jurisdiction_code, NoticeRelation.UPSTREAM)
        tell(above.upstream_jurisdiction_code, NoticeRelation.UPSTREAM)
    told.setdefault(regions.region_code(session), NoticeRelation.OFFICE.value)
    return told


def open_incident(
    session: Session,
    *,
    actor: Actor,
    section: Section,
    trigger: str,
    severity: str,
    summary: str,
    observed_at: dt.datetime,
    detail: dict[str, Any] | None = None,
    location: str = "",
    estimated_amount: str = "",
    dedupe_key: str | None = None,
) -> Incident:
    """Store the incident, notify along the network, queue the webhooks and the escalation
    check at the deadline. Runs in the caller's transaction."""
    now = utcnow()
    incident = Incident(
        section_code=section.code,
        trigger=trigger,
        severity=severity,
        status=OPEN,
        summary=summary,
        detail=detail or {},
        observed_at=observed_at,
        location=location,
        estimated_amount=estimated_amount,
        reported_by=actor.username,
        reporting_organisation_id=actor.organisation_id,
        opened_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(incident)
    session.flush()
    events.add_step(
        session,
        incident,
        kind="opened",
        actor_username=actor.username,
        jurisdiction_code=province_of(section.jurisdiction_code),
        organisation_id=actor.organisation_id,
        text=summary,
        detail={"trigger": trigger, "severity": severity},
    )
    due = now + dt.timedelta(hours=notice_hours(severity))
    notices = []
    for code, relation in recipients(session, section).items():
        notice = IncidentNotice(
            incident_id=incident.id,
            jurisdiction_code=code,
            relation=relation,
            notified_at=now,
            due_at=due,
        )
        session.add(notice)
        notices.append(notice)
        events.add_step(
            session,
            incident,
            kind="notified",
            actor_username=actor.username,
            jurisdiction_code=code,
            detail={"relation": relation, "due_at": due.isoformat()},
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="water.incident.open",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=section.jurisdiction_code,
        detail={"section": section.code, "trigger": trigger, "severity": severity},
    )
    events.emit(
        session,
        incident,
        events.OPENED,
        summary=summary,
        notices=[
            {
                "jurisdiction_code": n.jurisdiction_code,
                "relation": n.relation,
                "due_at": due.isoformat(),
            }
            for n in notices
        ],
    )
    jobs.enqueue(
        session,
        kind=ESCALATE_JOB,
        payload={"incident_id": incident.id},
        run_after=due,
        dedupe_key=f"{ESCALATE_JOB}:{incident.id}",
    )
    notices_service.incident_opened(
        session, actor=actor, incident=incident, section=section, notices=notices
    )
    return incident
