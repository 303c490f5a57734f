"""Reading incidents: the list an actor may see, one incident with what the actor may do on
it, the notices waiting for the actor's province and the upstream sections to trace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor, require_actor
from jingjinji.water import policy
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    IncidentSampling,
    IncidentStep,
    NoticeRelation,
    Section,
)
from jingjinji.water.schemas.incidents import (
    ActionsOut,
    IncidentDetailOut,
    IncidentOut,
    NoticeOut,
    SamplingOut,
    StepOut,
    UpstreamSectionOut,
)
from jingjinji.water.service import samples as samples_service
from jingjinji.water.service import sections as sections_service
from jingjinji.water.service.incidents import states
from jingjinji.water.service.incidents.access import (
    concerned,
    is_environment_agency,
    visible_incident,
)
from jingjinji.water.service.incidents.states import NOT_CLOSED
from jingjinji.water.service.incidents.workflow import answered_provinces, notice_for


def list_incidents(
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    section: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[Incident]:
    """Incidents newest first: every one for the office, those told to the actor's province
    for others (nothing for an actor of no province)."""
    actor = require_actor(actor)
    stmt = select(Incident)
    if not actor.is_office_admin:
        told = select(IncidentNotice.incident_id).where(
            IncidentNotice.jurisdiction_code == (actor.province_code or "-"),
            IncidentNotice.relation != NoticeRelation.OFFICE.value,
        )
        stmt = stmt.where(Incident.id.in_(told))
    if status:
        stmt = stmt.where(Incident.status == status)
    if section:
        stmt = stmt.where(Incident.section_code == section)
    return paginate(
        session, stmt, Incident.id, cursor=cursor, limit=check_limit(limit), descending=True
    )


def _waiting(actor: Actor) -> Select[IncidentNotice]:
    """Notices of incidents not closed that wait for the actor's acknowledgement; for the office
    also every escalated one (overdue anywhere)."""
    stmt = (
        select(IncidentNotice)
        .join(Incident, Incident.id == IncidentNotice.incident_id)
        .where(IncidentNotice.acknowledged_at.is_(None), Incident.status.in_(sorted(NOT_CLOSED)))
    )
    if actor.is_office_admin:
        return stmt.where(
            (IncidentNotice.relation == NoticeRelation.OFFICE.value)
            | IncidentNotice.escalated_at.is_not(None)
        )
    return stmt.where(
        IncidentNotice.jurisdiction_code == (actor.province_code or "-"),
        IncidentNotice.relation != NoticeRelation.OFFICE.value,
    )


def open_notice_count(session: Session, *, actor: Actor | None) -> int:
    """How many notices wait for the actor (the nav's badge); 0 for the public."""
    if actor is None:
        return 0
    return session.scalar(select(func.count()).select_from(_waiting(actor).subquery())) or 0


@dataclass(frozen=True)
class WaitingNotice:
    notice: NoticeOut
    incident: IncidentOut


def my_notices(session: Session, *, actor: Actor | None, limit: int = 100) -> list[WaitingNotice]:
    """The notices waiting for the actor, earliest deadline first, with their incidents."""
    actor = require_actor(actor)
    now = utcnow()
    rows = session.scalars(
        _waiting(actor).order_by(IncidentNotice.due_at, IncidentNotice.id).limit(limit)
    ).all()
    incidents = {
        i.id: i
        for i in session.scalars(
            select(Incident).where(Incident.id.in_({r.incident_id for r in rows}))
        )
    }
    return [
        WaitingNotice(
            notice=notice_out(r, now=now),
            incident=IncidentOut.model_validate(incidents[r.incident_id]),
        )
        for r in rows
    ]


def notice_out(notice: IncidentNotice, *, now: dt.datetime) -> NoticeOut:
    out = NoticeOut.model_validate(notice)
    # Escalated means overdue, whatever the clock of the reader says.
    out.overdue = notice.acknowledged_at is None and (
        notice.escalated_at is not None or notice.due_at <= now
    )
    return out


def actions_for(
    session: Session, actor: Actor, incident: Incident, notices: list[IncidentNotice]
) -> ActionsOut:
    """What ``actor`` may do now: the same rules the writes check (policy and states)."""
    status = incident.status
    mine = notice_for(session, actor, notices)
    agency = is_environment_agency(session, actor)
    provinces = concerned(notices)
    section = session.get(Section, incident.section_code)
    office = actor.is_office_admin
    answerer = mine is not None and mine.relation != NoticeRelation.OFFICE.value
    return ActionsOut(
        acknowledge=states.allowed("acknowledge", status)
        and mine is not None
        and mine.acknowledged_at is None,
        open_consultation=office and states.allowed("open_consultation", status),
        answer=answerer
        and states.allowed("answer", status)
        and mine is not None
        and mine.jurisdiction_code not in answered_provinces(session, incident.id),
        conclude_consultation=office and states.allowed("conclude_consultation", status),
        sampling=states.allowed("sampling", status)
        and policy.may_take_part(actor, provinces=provinces, environment_agency=agency),
        measure=states.allowed("measure", status)
        and policy.may_take_part(actor, provinces=provinces, environment_agency=agency),
        close=states.allowed("close", status)
        and section is not None
        and policy.may_close_incident(
            actor, monitoring_jurisdiction_code=section.jurisdiction_code
        ),
    )


def upstream_to_trace(session: Session, *, section_code: str) -> list[UpstreamSectionOut]:
    """The sections whose water reaches the incident's section, nearest first, with their
    latest value of every item (monitored outlets join them once the pollution-source domain
    exists)."""
    upstream = sections_service.upstream_sections(session, code=section_code)
    latest = samples_service.latest_samples(session, codes=[s.code for s in upstream])
    out = []
    for s in upstream:
        values = latest.get(s.code, {})
        out.append(
            UpstreamSectionOut(
                code=s.code,
                name_zh=s.name_zh,
                name_en=s.name_en,
                jurisdiction_code=s.jurisdiction_code,
                latest_at=max((at for at, _ in values.values()), default=None),
                values={item: value for item, (_, value) in sorted(values.items())},
            )
        )
    return out


def incident_detail(
    session: Session, *, actor: Actor | None, incident_id: int
) -> IncidentDetailOut:
    """One incident with its notices, timeline, samplings, upstream sections and the actions
    open to the actor; a 404 (audited) for those it does not concern."""
    actor, incident, notices = visible_incident(
        session, actor=actor, incident_id=incident_id, action="water.incident.read"
    )
    now = utcnow()
    steps = session.scalars(
        select(IncidentStep)
        .where(IncidentStep.incident_id == incident.id)
        .order_by(IncidentStep.at, IncidentStep.id)
    ).all()
    samplings = session.scalars(
        select(IncidentSampling)
        .where(IncidentSampling.incident_id == incident.id)
        .order_by(IncidentSampling.sampled_at, IncidentSampling.id)
    ).all()
    base = IncidentOut.model_validate(incident).model_dump()
    return IncidentDetailOut(
        **base,
        notices=[notice_out(n, now=now) for n in notices],
        steps=[StepOut.model_validate(s) for s in steps],
        samplings=[SamplingOut.model_validate(s) for s in samplings],
        actions=actions_for(session, actor, incident, notices),
        upstream=upstream_to_trace(session, section_code=incident.section_code),
    )
