"""Finding an incident the actor may see: outsiders get the same 404 as for a missing one
(existence is not revealed), and the refusal is on the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, require_actor
from jingjinji.water import policy
from jingjinji.water.models import Incident, IncidentNotice, NoticeRelation


def notices_of(session: Session, incident_id: int) -> list[IncidentNotice]:
    return list(
        session.scalars(
            select(IncidentNotice)
            .where(IncidentNotice.incident_id == incident_id)
            .order_by(IncidentNotice.id)
        )
    )


def concerned(notices: list[IncidentNotice]) -> set[str]:
    """The provinces told of the incident (the office's notice aside)."""
    return {n.jurisdiction_code for n in notices if n.relation != NoticeRelation.OFFICE.value}


def visible_incident(
    session: Session, *, actor: Actor | None, incident_id: int, action: str
) -> tuple[Actor, Incident, list[IncidentNotice]]:
    """The incident, its notices and the (signed-in) actor; a 404 for anyone else."""
    actor = require_actor(actor)
    incident = session.get(Incident, incident_id) if is_db_id(incident_id) else None
    if incident is None:
        raise NotFound(msg("no water incident {incident_id}", incident_id=incident_id))
    notices = notices_of(session, incident.id)
    if not policy.may_read_incident(actor, provinces=concerned(notices)):
        raise audit.audited_refusal(
            session,
            NotFound(msg("no water incident {incident_id}", incident_id=incident_id)),
            actor=actor,
            action=action,
            object_type="water_incident",
            object_id=incident_id,
            outcome="denied",
        )
    return actor, incident, notices


def is_environment_agency(session: Session, actor: Actor) -> bool:
    """Whether ``actor`` belongs to an environment agency (an organisation of kind
    ``environment``): its stewards act on incidents for their province."""
    if actor.organisation_id is None:
        return False
    org = regions.get_organisation_or_none(session, organisation_id=actor.organisation_id)
    return org is not None and org.kind == "environment"
