"""Objections to credit records (异议申诉).

Anyone named in a record may object (signed in or anonymous, with a name and a contact; public
forms are rate-limited per client address). The source agency must answer within
``JJJ_CREDIT_OBJECTION_WORKING_DAYS`` working days (default 10) on the official calendar
(``jingjinji.workdays``); while an objection is pending its record is marked "under objection".
The agency answers *corrected* (the record is withdrawn from public view with status
``corrected``, reason ``objection_corrected``; or, when a correction is given, replaced by a new
revision whose old content stays in the audit trail) or *upheld* (the record stands). A pending
objection past its due date is overdue: listed for the coordination office, which chases the
source agency (escalation). Every step is audited; the subject's risk class is recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.credit import policy
from jingjinji.credit.models import (
    CreditObjection,
    CreditRecord,
    CreditSubject,
    ObjectionStatus,
    RecordStatus,
)
from jingjinji.credit.schemas.services import (
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    TimelineEvent,
)
from jingjinji.credit.service.forms import (
    FormLimiter,
    admit_public_form,
    desk_scope,
    is_overdue,
    record_context,
    sees_desk_item,
    visible_record,
)
from jingjinji.credit.service.scoring import recompute_subject
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.security import Actor, deny, require_actor
from jingjinji.timezone import china_date, china_today
from jingjinji.workdays import calendar_from_settings

# --- objections --------------------------------------------------------------------------------

SUBMIT = "credit.objection.submit"
ANSWER = "credit.objection.answer"


def objection_due_date(submitted_on: dt.date) -> dt.date:
    settings = get_settings()
    return calendar_from_settings(settings).add_working_days(
        submitted_on, settings.credit_objection_working_days
    )


def submit_objection(
    session: Session,
    *,
    actor: Actor | None,
    data: ObjectionIn,
    address: str = "unknown",
    limiter: FormLimiter | None = None,
) -> CreditObjection:
    """File an objection: due in N working days; the record is under objection meanwhile."""
    admit_public_form(
        session,
        actor=actor,
        limiter=limiter,
        address=address,
        action=SUBMIT,
        object_type="credit_objection",
    )
    record, _subject = visible_record(
        session,
        actor=actor,
        record_id=data.record_id,
        action=SUBMIT,
        object_type="credit_objection",
    )
    pending = session.scalar(
        select(CreditObjection.id).where(
            CreditObjection.record_id == record.id,
            CreditObjection.status == ObjectionStatus.PENDING,
        )
    )
    if pending is not None:
        record_id = record.id
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "record {record_id} already has a pending objection ({pending})",
                    record_id=record_id,
                    pending=pending,
                )
            ),
            actor=actor,
            action=SUBMIT,
            object_type="credit_objection",
            object_id=pending,
            detail={"record_id": record_id},
        )
    now = utcnow()
    objection = CreditObjection(
        record_id=record.id,
        objector_name=data.objector_name.strip(),
        objector_contact=data.objector_contact.strip(),
        reason=data.reason.strip(),
        submitted_by_user_id=actor.user_id if actor else None,
        submitted_at=now,
        due_date=objection_due_date(china_date(now)),
        status=ObjectionStatus.PENDING,
    )
    session.add(objection)
    record.under_objection = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=SUBMIT,
        object_type="credit_objection",
        object_id=objection.id,
        jurisdiction_code=record.jurisdiction_code,
        detail={
            "record_id": record.id,
            "objector_name": objection.objector_name,
            "due_date": objection.due_date.isoformat(),
        },
    )
    return objection


def get_objection(session: Session, *, actor: Actor | None, objection_id: int) -> CreditObjection:
    """One objection, for those who see its record's restricted data (the source agency, the
    province administrators of the agency and of the subject, the office)."""
    objection = session.get(CreditObjection, objection_id)
    record_id = objection.record_id if objection is not None else None
    if objection is None or not sees_desk_item(session, actor=actor, record_id=record_id):
        raise NotFound(
            msg("no objection {objection_id} that you can see", objection_id=objection_id)
        )
    return objection


def answer_objection(
    session: Session, *, actor: Actor | None, objection_id: int, data: ObjectionAnswerIn
) -> CreditObjection:
    """The source agency's answer (corrected or upheld); the subject's class is recomputed."""
    try:
        objection = get_objection(session, actor=actor, objection_id=objection_id)
    except NotFound as exc:  # an answer to an objection the actor cannot see: on the record
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action=ANSWER,
            object_type="credit_objection",
            object_id=str(objection_id),
        ) from exc
    record = session.get(CreditRecord, objection.record_id)
    assert record is not None  # get_objection checked it
    record_id, source_org, source_jur = (
        record.id,
        record.source_organisation_id,
        record.jurisdiction_code,
    )
    if not policy.may_decide_objection(
        actor, source_organisation_id=source_org, source_jurisdiction_code=source_jur
    ):
        raise deny(
            session,
            actor,
            action=ANSWER,
            object_type="credit_objection",
            object_id=str(objection_id),
            jurisdiction_code=source_jur,
            reason=msg("objections are answered by the record's source agency"),
        )
    if objection.status != ObjectionStatus.PENDING:
        status = objection.status
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "objection {objection_id} is already answered ({status})",
                    objection_id=objection_id,
                    status=status,
                )
            ),
            actor=actor,
            action=ANSWER,
            object_type="credit_objection",
            object_id=objection_id,
            jurisdiction_code=source_jur,
        )
    if not data.answer.strip():
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("an answer to an objection says why"),
                errors=[field_error(["body", "answer"], msg("must not be blank"))],
            ),
            actor=actor,
            action=ANSWER,
            object_type="credit_objection",
            object_id=objection_id,
            jurisdiction_code=source_jur,
            detail={"outcome": data.outcome},
        )
    now = utcnow()
    changes = _apply_outcome(record, data, now)
    objection.status = data.outcome
    objection.answer = data.answer.strip()
    objection.decided_at = now
    objection.decided_by_user_id = actor.user_id if actor else None
    record.under_objection = False
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=ANSWER,
        object_type="credit_objection",
        object_id=objection.id,
        jurisdiction_code=source_jur,
        detail={
            "record_id": record_id,
            "outcome": data.outcome,
            "late": china_date(now) > objection.due_date,
            **changes,
        },
    )
    recompute_subject(session, subject_id=record.subject_id)
    return objection


def _apply_outcome(
    record: CreditRecord, data: ObjectionAnswerIn, now: dt.datetime
) -> dict[str, Any]:
    """Change the record as the outcome says; returns what changed (for the audit entry)."""
    if data.outcome == "upheld":
        return {}
    correction = data.correction.model_dump(exclude_none=True) if data.correction else {}
    if correction:
        before = {name: getattr(record, name) for name in correction}
        for name, value in correction.items():
            setattr(record, name, value)
        record.revision += 1
        record.updated_at = now
        return {"revision": record.revision, "before": before, "after": correction}
    record.status = RecordStatus.CORRECTED
    record.withdrawn_at = now
    record.withdrawn_reason = "objection_corrected"
    record.updated_at = now
    return {
        "record_status": RecordStatus.CORRECTED.value,
        "withdrawn_reason": "objection_corrected",
    }


def list_objections(
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    overdue: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[CreditObjection]:
    """The objection desk: objections the actor's agency (or province, or the office) answers
    or follows, oldest due first by id. ``overdue``: pending ones past their due date."""
    who = require_actor(actor)
    if not policy.is_agency_staff(who):
        raise deny(
            session,
            who,
            action="credit.objection.list",
            object_type="credit_objection",
            object_id=None,
            jurisdiction_code=None,
            reason=msg("the objection desk is for agencies"),
        )
    stmt = (
        select(CreditObjection)
        .join(CreditRecord, CreditRecord.id == CreditObjection.record_id)
        .join(CreditSubject, CreditSubject.id == CreditRecord.subject_id)
        .where(desk_scope(who))
    )
    if overdue:
        stmt = stmt.where(
            CreditObjection.status == ObjectionStatus.PENDING,
            CreditObjection.due_date < china_today(),
        )
    elif status:
        stmt = stmt.where(CreditObjection.status == status)
    return paginate(session, stmt, CreditObjection.id, cursor=cursor, limit=min(max(limit, 1), 200))


def objection_outs(
    session: Session, *, actor: Actor | None, objections: Sequence[CreditObjection]
) -> list[ObjectionOut]:
    """Output rows with their record, subject, agency, flags and timeline (three statements)."""
    context = record_context(session, (o.record_id for o in objections))
    records, subjects, orgs = context.records, context.subjects, context.organisations
    on = china_today()
    out: list[ObjectionOut] = []
    for o in objections:
        record = records[o.record_id]
        subject = subjects[record.subject_id]
        org = orgs.get(record.source_organisation_id)
        may_decide = o.status == ObjectionStatus.PENDING and policy.may_decide_objection(
            actor,
            source_organisation_id=record.source_organisation_id,
            source_jurisdiction_code=record.jurisdiction_code,
        )
        sees = policy.sees_restricted(
            actor,
            source_organisation_id=record.source_organisation_id,
            source_jurisdiction_code=record.jurisdiction_code,
            subject_jurisdiction_code=subject.jurisdiction_code,
        )
        out.append(
            ObjectionOut(
                id=o.id,
                record_id=record.id,
                record_title=record.title,
                record_kind=record.kind,
                document_number=record.document_number,
                subject_uscc=subject.uscc,
                subject_name=subject.name,
                source_organisation_id=record.source_organisation_id,
                source_organisation=org.name_en if org else "",
                source_organisation_zh=org.name_zh if org else "",
                source_jurisdiction_code=record.jurisdiction_code,
                objector_name=o.objector_name,
                objector_contact=o.objector_contact if sees else None,
                reason=o.reason,
                submitted_at=o.submitted_at,
                due_date=o.due_date,
                status=o.status,
                answer=o.answer,
                decided_at=o.decided_at,
                overdue=is_overdue(status=o.status, due_date=o.due_date, on=on),
                may_decide=may_decide,
                timeline=objection_timeline(o, on=on),
            )
        )
    return out


def objection_timeline(o: CreditObjection, *, on: dt.date) -> list[TimelineEvent]:
    """Submitted, overdue (escalated to the office the day after the due date), answered."""
    events = [
        TimelineEvent(at=o.submitted_at, event="submitted", by=o.objector_name, note=o.reason)
    ]
    late_from = o.due_date + dt.timedelta(days=1)
    decided_on = china_date(o.decided_at) if o.decided_at else None
    if (decided_on is None and on > o.due_date) or (
        decided_on is not None and decided_on > o.due_date
    ):
        events.append(
            TimelineEvent(
                at=dt.datetime.combine(late_from, dt.time(0), tzinfo=dt.UTC)
                - dt.timedelta(hours=8),
                event="escalated",
                note=f"not answered by {o.due_date.isoformat()}; escalated to the office",
            )
        )
    if o.decided_at is not None:
        events.append(TimelineEvent(at=o.decided_at, event=o.status, note=o.answer))
    return events


def pending_objection_for(session: Session, *, record_ids: Sequence[int]) -> dict[int, int]:
    """Pending objection id by record id (for pages that mark records under objection)."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(CreditObjection.record_id, CreditObjection.id).where(
            CreditObjection.record_id.in_(record_ids),
            CreditObjection.status == ObjectionStatus.PENDING,
        )
    ).all()
    return {int(r): int(i) for r, i in rows}
