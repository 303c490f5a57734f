"""Access events: the append-only history (submitted, granted, rejected, escalated, revoked)
from which current access is derived."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import Session, aliased

from jingjinji.catalog.models import AccessEvent
from jingjinji.db import utcnow
from jingjinji.security import Actor


def append_event(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    dataset_id: int,
    organisation_id: int,
    request_id: int | None = None,
    fields: Sequence[str] = (),
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    reason: str | None = None,
    revokes_event_id: int | None = None,
    row_scope: dict[str, list[str]] | None = None,
    now: dt.datetime | None = None,
) -> AccessEvent:
    event = AccessEvent(
        kind=kind,
        dataset_id=dataset_id,
        organisation_id=organisation_id,
        request_id=request_id,
        fields=list(fields),
        period_start=period_start,
        period_end=period_end,
        reason=reason,
        revokes_event_id=revokes_event_id,
        row_scope=row_scope,
        actor_username=actor.username,
        actor_role=actor.role.value,
        occurred_at=now or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def not_revoked() -> ColumnElement[bool]:
    """Events (grants) that no revocation names."""
    revocation = aliased(AccessEvent)
    return ~exists().where(
        revocation.kind == "revoked", revocation.revokes_event_id == AccessEvent.id
    )
