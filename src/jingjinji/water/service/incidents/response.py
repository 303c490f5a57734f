"""The response: joint sampling records, measures, and closure with a report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.water import policy
from jingjinji.water.models import Incident, IncidentSampling, IncidentStep, Section
from jingjinji.water.schemas.incidents import CloseIn, MeasureIn, SamplingIn
from jingjinji.water.service.incidents import events, states
from jingjinji.water.service.incidents.access import (
    concerned,
    is_environment_agency,
    visible_incident,
)
from jingjinji.water.service.incidents.workflow import refuse


def _participant(
    session: Session, actor: Actor | None, incident_id: int, action: str
) -> tuple[Actor, Incident, str]:
    """The actor, the incident and the jurisdiction the actor acts for (the region's code for
    the office)."""
    actor, incident, notices = visible_incident(
        session, actor=actor, incident_id=incident_id, action=f"water.incident.{action}"
    )
    provinces = concerned(notices)
    if not policy.may_take_part(
        actor, provinces=provinces, environment_agency=is_environment_agency(session, actor)
    ):
        raise refuse(
            session,
            actor,
            incident,
            action,
            msg(
                "{action}: the office, or administrators and stewards of {provinces}",
                action=action,
                provinces=", ".join(sorted(provinces)),
            ),
        )
    states.move(session, actor=actor, incident=incident, action=action)
    code = regions.region_code(session) if actor.is_office_admin else actor.province_code
    return actor, incident, code or ""


def record_sampling(
    session: Session, *, actor: Actor | None, incident_id: int, data: SamplingIn
) -> IncidentSampling:
    """A joint sampling record of a concerned province (or the office)."""
    actor, incident, code = _participant(session, actor, incident_id, "sampling")
    if data.section_code is not None and session.get(Section, data.section_code) is None:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("no monitoring section {section_code}", section_code=repr(data.section_code)),
                errors=[field_error(["body", "section_code"], msg("unknown section"))],
            ),
            actor=actor,
            action="water.incident.sampling",
            object_type="water_incident",
            object_id=incident_id,
        )
    row = IncidentSampling(
        incident_id=incident.id,
        section_code=data.section_code,
        location=data.location,
        sampled_at=data.sampled_at,
        jurisdiction_code=code,
        organisation_id=actor.organisation_id,
        values=dict(sorted(data.values.items())),
        recorded_by=actor.username,
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    detail = {
        "sampling_id": row.id,
        "values": row.values,
        "sampled_at": data.sampled_at.isoformat(),
    }
    events.add_step(
        session,
        incident,
        kind="sampling",
        actor_username=actor.username,
        jurisdiction_code=code,
        organisation_id=actor.organisation_id,
        text=data.location,
        detail=detail,
    )
    audit.record(
        session,
        actor=actor,
        action="water.incident.sampling",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=code,
        detail=detail,
    )
    events.emit(
        session, incident, events.SAMPLED, sampling={**detail, "section_code": data.section_code}
    )
    return row


def record_measure(
    session: Session, *, actor: Actor | None, incident_id: int, data: MeasureIn
) -> IncidentStep:
    """A measure taken by a concerned province (or the office)."""
    actor, incident, code = _participant(session, actor, incident_id, "measure")
    step = events.add_step(
        session,
        incident,
        kind="measure",
        actor_username=actor.username,
        jurisdiction_code=code,
        organisation_id=actor.organisation_id,
        text=data.text,
    )
    audit.record(
        session,
        actor=actor,
        action="water.incident.measure",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=code,
    )
    events.emit(session, incident, events.MEASURE, jurisdiction_code=code, text=data.text)
    session.flush()
    return step


def close_incident(
    session: Session, *, actor: Actor | None, incident_id: int, data: CloseIn
) -> Incident:
    """Close with a report: the office or the monitoring province's administrator. The
    incident's day key is freed, so a new exceedance the same day opens a new incident."""
    actor, incident, _ = visible_incident(
        session, actor=actor, incident_id=incident_id, action="water.incident.close"
    )
    section = session.get(Section, incident.section_code)
    assert section is not None  # a foreign key
    if not policy.may_close_incident(actor, monitoring_jurisdiction_code=section.jurisdiction_code):
        raise refuse(
            session,
            actor,
            incident,
            "close",
            msg(
                "the coordination office or the administrator of the monitoring province closes "
                "an incident"
            ),
        )
    states.move(session, actor=actor, incident=incident, action="close")
    incident.closed_at = utcnow()
    incident.closed_by = actor.username
    incident.closure_report = data.closure_report
    incident.dedupe_key = None
    events.add_step(
        session,
        incident,
        kind="closed",
        actor_username=actor.username,
        jurisdiction_code=actor.province_code or regions.region_code(session),
        organisation_id=actor.organisation_id,
        text=data.closure_report,
    )
    audit.record(
        session,
        actor=actor,
        action="water.incident.close",
        object_type="water_incident",
        object_id=incident.id,
        jurisdiction_code=section.jurisdiction_code,
    )
    events.emit(session, incident, events.CLOSED, closure_report=data.closure_report)
    session.flush()
    return incident
