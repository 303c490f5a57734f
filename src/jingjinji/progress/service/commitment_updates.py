"""A commitment's dated status history (append-only) and its evidence.

Written by the administrators of the lead jurisdiction, or a steward of a responsible agency."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.progress import policy
from jingjinji.progress.models import Commitment, Evidence, StatusChange
from jingjinji.progress.schemas import EvidenceIn, StatusChangeIn
from jingjinji.progress.service.commitments import commitment_history, get_commitment
from jingjinji.progress.service.inputs import invalid
from jingjinji.security import Actor, ensure_can_write
from jingjinji.timezone import china_today


def _ensure_commitment_writer(
    session: Session, actor: Actor | None, row: Commitment, action: str
) -> Actor:
    """Administrators of the lead jurisdiction, or a steward of a responsible agency."""
    return ensure_can_write(
        session,
        actor,
        action=action,
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        organisation_id=policy.commitment_agency(
            actor, agency_ids={a.organisation_id for a in row.agencies}
        ),
    )


def change_status(
    session: Session, *, actor: Actor | None, code: str, data: StatusChangeIn
) -> StatusChange:
    """Append a dated status change (the history is never edited) and update the commitment.

    The commitment's current status is that of its latest change by date (ties: latest
    recorded), so a back-dated entry is kept in the history without overwriting a newer
    status. No change may be dated before the first entry or in the future."""
    row = get_commitment(session, code=code)
    actor = _ensure_commitment_writer(session, actor, row, "progress.commitment.status")
    if data.changed_on > china_today():
        raise invalid(["body", "changed_on"], "a status change cannot be dated in the future")
    first = commitment_history(session, commitment=row)
    if first and data.changed_on < first[0].changed_on:
        raise invalid(
            ["body", "changed_on"],
            f"the status of {row.code} is recorded from {first[0].changed_on} on; a change "
            "cannot be dated before that (give status_since when creating a commitment with "
            "an older history)",
        )
    change = StatusChange(
        commitment_id=row.id,
        status=data.status,
        changed_on=data.changed_on,
        note=data.note,
        recorded_by=actor.username,
    )
    session.add(change)
    session.flush()
    latest = commitment_history(session, commitment=row)[-1]
    old = row.status
    row.status = latest.status
    row.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="progress.commitment.status",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        detail={
            "from": old,
            "to": data.status,
            "changed_on": str(data.changed_on),
            "current": row.status,
        },
    )
    return change


def add_evidence(session: Session, *, actor: Actor | None, code: str, data: EvidenceIn) -> Evidence:
    row = get_commitment(session, code=code)
    actor = _ensure_commitment_writer(session, actor, row, "progress.commitment.evidence")
    evidence = Evidence(
        commitment_id=row.id,
        url=data.url,
        title=data.title,
        published_on=data.published_on,
        added_by=actor.username,
    )
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.commitment.evidence",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        detail={"url": data.url, "title": data.title},
    )
    return evidence
