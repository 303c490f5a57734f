"""Who hears of a water incident in their inbox: the environment agency (its stewards) of
every province told of it (monitoring, downstream, upstream), and the coordination office."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.water.models import Incident, IncidentNotice, NoticeRelation, Section


def incident_opened(
    session: Session,
    *,
    actor: Actor,
    incident: Incident,
    section: Section,
    notices: list[IncidentNotice],
) -> None:
    provinces = [n.jurisdiction_code for n in notices if n.relation != NoticeRelation.OFFICE.value]
    agencies = (
        regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        for code in provinces
    )
    notifications.notify(
        session,
        kind=Kind.INCIDENT_OPENED,
        audience=Audience(
            organisation_ids=tuple(org.id for org in agencies if org is not None),
            office=any(n.relation == NoticeRelation.OFFICE.value for n in notices),
        ),
        params={
            "section": section.code,
            "section_title_zh": section.name_zh,
            "section_title_en": section.name_en,
            "severity": incident.severity,
            "summary": incident.summary,
            "due_at": min(n.due_at for n in notices).isoformat() if notices else None,
        },
        link=f"/water/incidents/{incident.id}",
        actor=actor,
    )
