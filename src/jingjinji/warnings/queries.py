"""Reading warnings and their event log, as far as the reader may see them.

Logged-in users of the platform see every warning and step; the public sees issued and lifted
warnings and their public steps only (see :mod:`jingjinji.warnings.policy`). A warning the
reader may not see is answered as if it did not exist (404)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import is_db_id
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor
from jingjinji.warnings import policy, schemas
from jingjinji.warnings.models import PollutionWarning, WarningEvent
from jingjinji.warnings.states import PUBLIC_EVENTS, STATUSES

EVENT_BATCH = 100


def get_warning(session: Session, *, warning_id: int) -> PollutionWarning:
    row = session.get(PollutionWarning, warning_id) if is_db_id(warning_id) else None
    if row is None:
        raise NotFound(msg("no warning {warning_id}", warning_id=warning_id))
    return row


def visible_warning(session: Session, *, actor: Actor | None, warning_id: int) -> PollutionWarning:
    """The warning, or 404 when it does not exist or is not public and nobody is logged in."""
    warning = get_warning(session, warning_id=warning_id)
    if not policy.may_see_warning(actor, status=warning.status):
        raise NotFound(msg("no warning {warning_id}", warning_id=warning_id))
    return warning


def list_warnings(
    session: Session, *, status: Sequence[str] | None = None, limit: int | None = None
) -> list[PollutionWarning]:
    """Warnings (of these statuses), newest first."""
    stmt = select(PollutionWarning)
    if status:
        stmt = stmt.where(PollutionWarning.status.in_(list(status)))
    stmt = stmt.order_by(PollutionWarning.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def list_warnings_page(
    session: Session,
    *,
    actor: Actor | None,
    status: Sequence[str] | None,
    cursor: str | None,
    limit: int,
) -> Paged[PollutionWarning]:
    """One page of the warnings ``actor`` may see (of these statuses), newest first."""
    check_limit(limit)
    unknown = sorted(set(status or []) - set(STATUSES))
    if unknown:
        raise InvalidInput(
            msg("unknown status {unknown}", unknown=", ".join(unknown)),
            errors=[
                field_error(
                    ["query", "status"],
                    msg("must be one of {statuses}", statuses=", ".join(STATUSES)),
                )
            ],
        )
    stmt = select(PollutionWarning)
    visible = policy.visible_statuses(actor, status)
    if visible:
        stmt = stmt.where(PollutionWarning.status.in_(visible))
    return paginate(session, stmt, PollutionWarning.id, cursor=cursor, limit=limit, descending=True)


def events_after(
    session: Session, *, after_id: int, limit: int = EVENT_BATCH, public_only: bool = False
) -> list[WarningEvent]:
    stmt = select(WarningEvent).where(WarningEvent.id > after_id)
    if public_only:
        stmt = stmt.where(WarningEvent.event_type.in_(PUBLIC_EVENTS))
    return list(session.scalars(stmt.order_by(WarningEvent.id).limit(limit)))


def events_of(session: Session, *, warning_id: int) -> list[WarningEvent]:
    return list(
        session.scalars(
            select(WarningEvent)
            .where(WarningEvent.warning_id == warning_id)
            .order_by(WarningEvent.id)
        )
    )


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(WarningEvent.id), 0))) or 0)


def poll_events(
    session_factory: sessionmaker[Session], *, actor: Actor | None, after: int | None
) -> tuple[int, list[dict[str, Any]]]:
    """The steps after event ``after`` that ``actor`` may see, as JSON, and the id to poll
    after next; without ``after``, none and the newest id. Each poll is a short transaction of
    its own: the live stream polls for minutes and must hold no session in between."""
    with session_factory() as session:
        if after is None:
            return last_event_id(session), []
        rows = events_after(session, after_id=after, public_only=not policy.sees_everything(actor))
        # The stream mixes every warning's steps: only the office sees who took them.
        named = policy.sees_usernames(actor, jurisdictions=[])
        return (rows[-1].id if rows else after), [
            event_out(r, named=named).model_dump(mode="json") for r in rows
        ]


def event_out(event: WarningEvent, *, named: bool) -> schemas.EventOut:
    """A step, with who took it only when ``named`` (``policy.sees_usernames``)."""
    out = schemas.EventOut.model_validate(event)
    return out if named else out.model_copy(update={"actor_username": None})
