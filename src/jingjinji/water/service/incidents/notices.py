"""Who hears of a water incident in their inbox: the environment agency (its stewards) of
every province told of it (monitoring, downstream, upstream), and the coordination office."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji import i18n
from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.water.models import Incident, IncidentNotice, NoticeRelation, Section
from jingjinji.water.schemas.incidents import IncidentOut


def _summaries(incident: Incident) -> dict[str, str]:
    """The summary in both languages (a detected incident's is rebuilt from its detail; a
    reported one keeps the agency's words), so the inbox shows the reader's."""
    # Imported here: incident_presentation imports the water service (a cycle at import time).
    from jingjinji.water.incident_presentation import summary

    out = IncidentOut.model_validate(incident)
    texts: dict[str, str] = {}
    for suffix, lang in (("zh", "zh_CN"), ("en", "en")):

        def translate(text: str, lang: str = lang) -> str:
            return i18n.gettext_for(lang, text)

        texts[f"summary_{suffix}"] = summary(out, lang, translate)
    return texts


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
            **_summaries(incident),
            "due_at": min(n.due_at for n in notices).isoformat() if notices else None,
        },
        link=f"/water/incidents/{incident.id}",
        actor=actor,
    )
