"""Reporting an incident, acknowledging notices and the consultation of the concerned
jurisdictions (the office opens and concludes it; each concerned province answers once)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, deny, require_actor
from jingjinji.water import policy
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    IncidentStep,
    IncidentTrigger,
    NoticeRelation,
    Section,
)
from jingjinji.water.schemas.incidents import AnswerIn, ConsultationIn, IncidentIn
from jingjinji.water.service.incidents import events, states
from jingjinji.water.service.incidents.access import (
    concerned,
    is_environment_agency,
    visible_incident,
)
from jingjinji.water.service.incidents.opening import open_incident


def refuse(
    session: Session, actor: Actor, incident: Incident, action: str, reason: str
) -> PermissionDenied:
    """An audited 403 about this incident."""
    return deny(
        session,
        actor,
        action=f"water.incident.{action}",
        object_type="water_incident",
        object_id=str(incident.id),
        jurisdiction_code=actor.jurisdiction_code,
        reason=reason,
    )


def report_incident(session: Session, *, actor: Actor | None, data: IncidentIn) -> Incident:
    """An agency reports an incident at a section: the section's writers (its monitoring
    agency, that province's administrator, the office) or a member of a province the section
    concerns (either side of its border)."""
    actor = require_actor(actor)
    section = session.get(Section, data.section_code)
    if section is None:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("no monitoring section {section_code}", section_code=repr(data.section_code)),
                errors=[field_error(["body", "section_code"], msg("unknown section"))],
            ),
            actor=actor,
            action="water.incident.report",
            object_type="water_section",
            object_id=data.section_code,
        )
    provinces = policy.concerned_provinces(
        jurisdiction_code=section.jurisdiction_code,
        upstream=section.upstream_jurisdiction_code,
        downstream=section.downstream_jurisdiction_code,
    )
    writes = policy.may_write_section(
        actor, jurisdiction_code=section.jurisdiction_code, organisation_id=section.organisation_id
    )
    agency = is_environment_agency(session, actor)
    member = any(
        policy.acts_for_province(actor, province=p, environment_agency=agency) for p in provinces
    )
    if not (writes or member):
        raise deny(
            session,
            actor,
            action="water.incident.report",
            object_type="water_section",
            object_id=section.code,
            jurisdiction_code=section.jurisdiction_code,
            reason=msg(
                "{username} neither monitors section {section_code} nor acts for a province it "
                "concerns ({provinces})",
                username=repr(actor.username),
                section_code=section.code,
                provinces=", ".join(sorted(provinces)),
            ),
        )
    return open_incident(
        session,
        actor=actor,
        section=section,
        trigger=IncidentTrigger.REPORTED.value,
        severity=data.severity.value,
        summary=data.summary,
        observed_at=data.observed_at,
        location=data.location,
        estimated_amount=data.estimated_amount,
        detail={"reported_by_organisation": actor.organisation_id},
    )


def notice_for(
    session: Session, actor: Actor, notices: list[IncidentNotice]
) -> IncidentNotice | None:
    """The notice ``actor`` acts on: the office's, or their province's."""
    agency = is_environment_agency(session, actor)
    for notice in notices:
        if policy.may_act_for_notice(
            actor,
            jurisdiction_code=notice.jurisdiction_code,
            relation=notice.relation,
            environment_agency=agency,
        ):
            return notice
    return None


def acknowledge(session: Session, *, actor: Actor | None, incident_id: int) -> IncidentNotice:
    """Acknowledge the actor's province's notice (the office: the office's), once."""
    actor, incident, notices = visible_incident(
        session, actor=actor, incident_id=incident_id, action="water.incident.acknowledge"
    )
    notice = notice_for(session, actor, notices)
    if notice is None:
        raise refuse(
            session,
            actor,
            incident,
            "acknowledge",
            msg(
                "{username} acts for no notified jurisdiction of incident {incident_id} "
                "(administrators and stewards of a notified province; the office for its own)",
                username=repr(actor.username),
                incident_id=incident.id,
            ),
        )
    states.move(session, actor=actor, incident=incident, action="acknowledge")
    if notice.acknowledged_at is not None:
        incident_id, code, by = incident.id, notice.jurisdiction_code, notice.acknowledged_by
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "the notice of incident {incident_id} to {code} was acknowledged by {by}",
                    incident_id=incident_id,
                    code=code,
                    by=by,
                )
            ),
            actor=actor,
            action="water.incident.acknowledge",
            object_type="water_incident",
            object_id=incident_id,
        )
    notice.acknowledged_at = utcnow()
    notice.acknowledged_by = actor.username
    events.add_step(
        session,
        incident,
        kind="acknowledged",
        actor_username=actor.username,
        jurisdiction_code=notice.jurisdiction_code,
        organisation_id=actor.organisation_id,
        detail={"relation": notice.relation, "late": notice.acknowledged_at > notice.due_at},
    )
    audit.record(
        session,
        actor=actor,
        action="water.incident.acknowledge",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=notice.jurisdiction_code,
    )
    events.emit(
        session,
        incident,
        events.ACKNOWLEDGED,
        notice={"jurisdiction_code": notice.jurisdiction_code, "relation": notice.relation},
        acknowledged_by=actor.username,
    )
    session.flush()
    return notice


def _office_step(
    session: Session,
    *,
    actor: Actor | None,
    incident_id: int,
    action: str,
    step_kind: str,
    data: ConsultationIn,
    event_type: str,
) -> Incident:
    actor, incident, _ = visible_incident(
        session, actor=actor, incident_id=incident_id, action=f"water.incident.{action}"
    )
    if not actor.is_office_admin:
        raise refuse(
            session, actor, incident, action, msg("the coordination office leads the consultation")
        )
    states.move(session, actor=actor, incident=incident, action=action)
    events.add_step(
        session, incident, kind=step_kind, actor_username=actor.username, text=data.text.strip()
    )
    audit.record(
        session,
        actor=actor,
        action=f"water.incident.{action}",
        object_type="water_incident",
        object_id=incident.id,
    )
    events.emit(session, incident, event_type, text=data.text.strip())
    session.flush()
    return incident


def open_consultation(
    session: Session, *, actor: Actor | None, incident_id: int, data: ConsultationIn
) -> Incident:
    """The office asks the concerned provinces (open -> consultation)."""
    return _office_step(
        session,
        actor=actor,
        incident_id=incident_id,
        action="open_consultation",
        step_kind="consultation_opened",
        data=data,
        event_type=events.CONSULTATION_OPENED,
    )


def conclude_consultation(
    session: Session, *, actor: Actor | None, incident_id: int, data: ConsultationIn
) -> Incident:
    """The office concludes, whoever has answered (consultation -> response)."""
    return _office_step(
        session,
        actor=actor,
        incident_id=incident_id,
        action="conclude_consultation",
        step_kind="consultation_closed",
        data=data,
        event_type=events.CONSULTATION_CONCLUDED,
    )


def answered_provinces(session: Session, incident_id: int) -> set[str]:
    return {
        code
        for code in session.scalars(
            select(IncidentStep.jurisdiction_code).where(
                IncidentStep.incident_id == incident_id, IncidentStep.kind == "answer"
            )
        )
        if code
    }


def answer(
    session: Session, *, actor: Actor | None, incident_id: int, data: AnswerIn
) -> IncidentStep:
    """A concerned province answers the consultation once: agree, or propose (text needed)."""
    actor, incident, notices = visible_incident(
        session, actor=actor, incident_id=incident_id, action="water.incident.answer"
    )
    notice = notice_for(session, actor, notices)
    if notice is None or notice.relation == NoticeRelation.OFFICE.value:
        raise refuse(
            session,
            actor,
            incident,
            "answer",
            msg(
                "{username} answers for no concerned province ({concerned})",
                username=repr(actor.username),
                concerned=", ".join(sorted(concerned(notices))),
            ),
        )
    states.move(session, actor=actor, incident=incident, action="answer")
    if notice.jurisdiction_code in answered_provinces(session, incident.id):
        incident_id, code = incident.id, notice.jurisdiction_code
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "{code} has answered the consultation on incident {incident_id}",
                    code=code,
                    incident_id=incident_id,
                )
            ),
            actor=actor,
            action="water.incident.answer",
            object_type="water_incident",
            object_id=incident_id,
        )
    if data.answer == "propose" and not data.text.strip():
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("a proposal says what is proposed"),
                errors=[field_error(["body", "text"], msg("required when proposing"))],
            ),
            actor=actor,
            action="water.incident.answer",
            object_type="water_incident",
            object_id=incident_id,
        )
    step = events.add_step(
        session,
        incident,
        kind="answer",
        actor_username=actor.username,
        jurisdiction_code=notice.jurisdiction_code,
        organisation_id=actor.organisation_id,
        text=data.text.strip(),
        detail={"answer": data.answer},
    )
    audit.record(
        session,
        actor=actor,
        action="water.incident.answer",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=notice.jurisdiction_code,
        detail={"answer": data.answer},
    )
    events.emit(
        session,
        incident,
        events.ANSWERED,
        jurisdiction_code=notice.jurisdiction_code,
        answer=data.answer,
        text=data.text.strip(),
    )
    session.flush()
    return step
