"""Recording a lifecycle step: the warning's event log, the audit chain and the webhooks.

Every step of every warning goes through :func:`record_event`, in the caller's transaction:
one :class:`WarningEvent` (the live feed and the page's history), one audit entry
``warning.<step>`` and one queued webhook delivery per subscription to the step."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.security import Actor
from jingjinji.warnings import webhooks
from jingjinji.warnings.models import PollutionWarning, WarningEvent


def record_event(
    session: Session,
    warning: PollutionWarning,
    *,
    event_type: str,
    from_status: str | None,
    actor: Actor,
    detail: dict[str, Any],
) -> WarningEvent:
    event = WarningEvent(
        warning_id=warning.id,
        event_type=event_type,
        from_status=from_status,
        to_status=warning.status,
        level=warning.level,
        actor_username=actor.username,
        occurred_at=utcnow(),
        detail=detail,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"warning.{event_type}",
        object_type="warning",
        object_id=warning.id,
        jurisdiction_code=None,
        detail={"from": from_status, "to": warning.status, "level": warning.level, **detail},
    )
    webhooks.dispatch(
        session,
        event_type=f"warning.{event_type}",
        payload={
            "warning": warning_payload(warning),
            "event": {
                "id": event.id,
                "type": f"warning.{event_type}",
                "from_status": from_status,
                "to_status": warning.status,
                "level": warning.level,
                "actor": actor.username,
                "occurred_at": event.occurred_at.isoformat(),
                "detail": detail,
            },
        },
    )
    return event


def warning_payload(w: PollutionWarning) -> dict[str, Any]:
    """The warning as webhook receivers get it."""
    return {
        "id": w.id,
        "status": w.status,
        "level": w.level,
        "proposed_level": w.proposed_level,
        "criteria": f"{w.criteria_code}@{w.criteria_version}",
        "cities": list(w.cities),
        "jurisdictions": list(w.jurisdictions),
        "start_date": w.start_date.isoformat(),
        "end_date": w.end_date.isoformat(),
        "max_aqi": w.max_aqi,
        "basis": w.basis,
        "deadline": w.deadline.isoformat() if w.deadline else None,
        "measures": w.measures,
    }
