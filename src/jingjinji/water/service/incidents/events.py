"""The incident's webhook events (signed and delivered by the warnings' subscriptions) and its
timeline steps, written together so that every step a subscriber cares about is sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.labels import N_, register
from jingjinji.warnings import service as warnings
from jingjinji.water.models import Incident, IncidentStep

OPENED = "water.incident.opened"
ACKNOWLEDGED = "water.incident.acknowledged"
CONSULTATION_OPENED = "water.incident.consultation_opened"
ANSWERED = "water.incident.answered"
CONSULTATION_CONCLUDED = "water.incident.consultation_concluded"
SAMPLED = "water.incident.sampled"
MEASURE = "water.incident.measure"
ESCALATED = "water.incident.escalated"
CLOSED = "water.incident.closed"

EVENT_TYPES: tuple[str, ...] = (
    OPENED,
    ACKNOWLEDGED,
    CONSULTATION_OPENED,
    ANSWERED,
    CONSULTATION_CONCLUDED,
    SAMPLED,
    MEASURE,
    ESCALATED,
    CLOSED,
)

# Subscribers choose these by name like the warnings' own (known at import, before any
# subscription is checked).
warnings.register_webhook_event_types(EVENT_TYPES)
register(
    "event",
    {
        "water.incident.opened": N_("water incident opened"),
        "water.incident.acknowledged": N_("water incident acknowledged"),
        "water.incident.consultation_opened": N_("water incident consultation opened"),
        "water.incident.answered": N_("water incident consultation answered"),
        "water.incident.consultation_concluded": N_("water incident consultation concluded"),
        "water.incident.sampled": N_("water incident sampled"),
        "water.incident.measure": N_("water incident measure taken"),
        "water.incident.escalated": N_("water incident escalated"),
        "water.incident.closed": N_("water incident closed"),
    },
)


def incident_payload(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "section_code": incident.section_code,
        "trigger": incident.trigger,
        "severity": incident.severity,
        "status": incident.status,
        "observed_at": incident.observed_at.isoformat(),
        "opened_at": incident.opened_at.isoformat(),
    }


def emit(session: Session, incident: Incident, event_type: str, **extra: Any) -> list[int]:
    """Queue one signed delivery per subscription to ``event_type``."""
    return warnings.dispatch_webhook(
        session, event_type=event_type, payload={"incident": incident_payload(incident), **extra}
    )


def add_step(
    session: Session,
    incident: Incident,
    *,
    kind: str,
    actor_username: str,
    jurisdiction_code: str | None = None,
    organisation_id: int | None = None,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> IncidentStep:
    step = IncidentStep(
        incident_id=incident.id,
        kind=kind,
        jurisdiction_code=jurisdiction_code,
        organisation_id=organisation_id,
        actor_username=actor_username,
        at=utcnow(),
        text=text,
        detail=detail or {},
    )
    session.add(step)
    return step
