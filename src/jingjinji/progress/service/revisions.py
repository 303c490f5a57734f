"""Corrections of stored values as readers see them: the history of each value."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.db import is_db_id
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.progress import policy
from jingjinji.progress.models import IndicatorValue, ValueRevision
from jingjinji.progress.schemas import ValueDetailOut, ValueRevisionOut
from jingjinji.progress.service.values import value_out
from jingjinji.security import Actor


def revision_out(
    rev: ValueRevision, *, actor: Actor | None, jurisdiction_code: str
) -> ValueRevisionOut:
    """One correction as ``actor`` reads it (usernames as in :func:`value_out`)."""
    named = policy.sees_usernames(
        actor,
        organisation_ids=[rev.previous_organisation_id, rev.revised_organisation_id],
        jurisdiction_code=jurisdiction_code,
    )
    return ValueRevisionOut(
        previous_value=rev.previous_value,
        previous_source=rev.previous_source,
        previous_note=rev.previous_note,
        previous_organisation_id=rev.previous_organisation_id,
        previous_submitted_by=rev.previous_submitted_by if named else None,
        previous_entered_at=rev.previous_entered_at,
        value=rev.new_value,
        reason=rev.reason,
        revised_organisation_id=rev.revised_organisation_id,
        revised_by=rev.revised_by if named else None,
        revised_at=rev.revised_at,
        channel=rev.channel,
    )


def value_detail(session: Session, *, actor: Actor | None, value_id: int) -> ValueDetailOut:
    """A value with its corrections, oldest first: each the value before, who entered it and
    when, and who corrected it, when and why."""
    row = session.get(IndicatorValue, value_id) if is_db_id(value_id) else None
    if row is None:
        raise NotFound(msg("no value {value_id}", value_id=value_id))
    return ValueDetailOut(
        **value_out(row, actor=actor).model_dump(),
        history=[
            revision_out(r, actor=actor, jurisdiction_code=row.jurisdiction_code)
            for r in row.revisions
        ],
    )


def revisions_of(
    session: Session, *, actor: Actor | None, values: Sequence[IndicatorValue]
) -> dict[int, list[ValueRevisionOut]]:
    """The corrections of the revised ones among ``values`` (one query, none when no value was
    revised), by value id, oldest first."""
    revised = {v.id: v.jurisdiction_code for v in values if v.revision}
    if not revised:
        return {}
    out: dict[int, list[ValueRevisionOut]] = defaultdict(list)
    stmt = (
        select(ValueRevision)
        .where(ValueRevision.value_id.in_(list(revised)))
        .order_by(ValueRevision.id)
    )
    for rev in session.scalars(stmt):
        out[rev.value_id].append(
            revision_out(rev, actor=actor, jurisdiction_code=revised[rev.value_id])
        )
    return dict(out)
