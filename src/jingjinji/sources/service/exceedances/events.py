"""The exceedance's webhook event (signed and delivered by the warnings' subscriptions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jingjinji.labels import N_, register
from jingjinji.sources.models import Exceedance
from jingjinji.warnings import service as warnings

OPENED = "sources.exceedance.opened"
EVENT_TYPES: tuple[str, ...] = (OPENED,)

# Subscribers choose it by name like the warnings' own (known at import).
warnings.register_webhook_event_types(EVENT_TYPES)
register(
    "event",
    {
        "sources.exceedance.opened": N_("emission exceedance opened"),
    },
)


def exceedance_payload(event: Exceedance) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "status": event.status,
        "jurisdiction_code": event.jurisdiction_code,
        "enterprise_id": event.enterprise_id,
        "outlet_id": event.outlet_id,
        "logger_id": event.logger_id,
        "factor": event.factor,
        "started_at": event.started_at.isoformat(),
        "ended_at": event.ended_at.isoformat() if event.ended_at else None,
        "value": event.value,
        "limit": event.limit,
    }


def opened_event(session: Session, event: Exceedance) -> list[int]:
    """Queue one signed delivery per subscription to ``sources.exceedance.opened``."""
    return warnings.dispatch_webhook(
        session, event_type=OPENED, payload={"exceedance": exceedance_payload(event)}
    )
