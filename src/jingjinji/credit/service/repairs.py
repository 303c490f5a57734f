"""Credit repair (信用修复): ending a record's public display early.

A subject applies with evidence of what it did (fine paid, rectification...) once the record's
minimum publicity period is over (``publicity_min_end``, the first day it may stop being shown;
an application before is refused with that date, on the record). The source agency approves
(the record is withdrawn from public view at once: status ``withdrawn``, reason ``repaired``)
or rejects with a note. Every step is audited; the subject's risk class is recomputed.
Licences and red-list entries are not repaired (they are no blemish).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import labels
from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.credit import policy
from jingjinji.credit.models import (
    CreditRecord,
    CreditRepair,
    CreditSubject,
    RecordKind,
    RecordStatus,
    RepairStatus,
)
from jingjinji.credit.schemas.services import RepairDecisionIn, RepairIn, RepairOut, TimelineEvent
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

APPLY = "credit.repair.apply"
DECIDE = "credit.repair.decide"
REPAIRABLE = frozenset(
    {
        RecordKind.PENALTY.value,
        RecordKind.BLACK_LIST.value,
        RecordKind.COURT_ENFORCEMENT.value,
        RecordKind.BROKEN_COMMITMENT.value,
    }
)


def apply_for_repair(
    session: Session,
    *,
    actor: Actor | None,
    data: RepairIn,
    address: str = "unknown",
    limiter: FormLimiter | None = None,
) -> CreditRepair:
    """Apply to end a record's public display early (refused before the minimum period)."""
    admit_public_form(
        session,
        actor=actor,
        limiter=limiter,
        address=address,
        action=APPLY,
        object_type="credit_repair",
    )
    record, _subject = visible_record(
        session, actor=actor, record_id=data.record_id, action=APPLY, object_type="credit_repair"
    )
    on = china_today()
    refusal = _refusal(session, record, on)
    if refusal is not None:
        record_id, jurisdiction = record.id, record.jurisdiction_code
        raise audit.audited_refusal(
            session,
            refusal,
            actor=actor,
            action=APPLY,
            object_type="credit_repair",
            jurisdiction_code=jurisdiction,
            detail={"record_id": record_id},
        )
    settings = get_settings()
    now = utcnow()
    repair = CreditRepair(
        record_id=record.id,
        applicant_name=data.applicant_name.strip(),
        evidence=data.evidence.strip(),
        submitted_by_user_id=actor.user_id if actor else None,
        submitted_at=now,
        due_date=calendar_from_settings(settings).add_working_days(
            china_date(now), settings.credit_objection_working_days
        ),
        status=RepairStatus.PENDING,
    )
    session.add(repair)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=APPLY,
        object_type="credit_repair",
        object_id=repair.id,
        jurisdiction_code=record.jurisdiction_code,
        detail={"record_id": record.id, "applicant_name": repair.applicant_name},
    )
    return repair


def _refusal(session: Session, record: CreditRecord, on: dt.date) -> Conflict | None:
    if record.kind not in REPAIRABLE:
        return Conflict(
            msg(
                "a {record_kind} record is not repaired (only blemishes are)",
                record_kind=record.kind,
                record_kind_label=labels.msg_label("credit.record_kind", record.kind),
            )
        )
    if record.status != RecordStatus.PUBLISHED:
        return Conflict(
            msg(
                "record {record_id} is {record_status}, not on public display",
                record_id=record.id,
                record_status=record.status,
            )
        )
    if record.publicity_min_end is not None and on < record.publicity_min_end:
        return Conflict(
            msg(
                "credit repair of record {record_id} is possible from {publicity_min_end}, after "
                "its minimum publicity period",
                record_id=record.id,
                publicity_min_end=record.publicity_min_end.isoformat(),
            )
        )
    pending = session.scalar(
        select(CreditRepair.id).where(
            CreditRepair.record_id == record.id, CreditRepair.status == RepairStatus.PENDING
        )
    )
    if pending is not None:
        return Conflict(
            msg(
                "record {record_id} already has a pending repair application ({pending})",
                record_id=record.id,
                pending=pending,
            )
        )
    return None


def get_repair(session: Session, *, actor: Actor | None, repair_id: int) -> CreditRepair:
    repair = session.get(CreditRepair, repair_id)
    record_id = repair.record_id if repair is not None else None
    if repair is None or not sees_desk_item(session, actor=actor, record_id=record_id):
        raise NotFound(
            msg("no repair application {repair_id} that you can see", repair_id=repair_id)
        )
    return repair


def decide_repair(
    session: Session, *, actor: Actor | None, repair_id: int, data: RepairDecisionIn
) -> CreditRepair:
    """Approve (the record leaves public view, reason ``repaired``) or reject with a note."""
    try:
        repair = get_repair(session, actor=actor, repair_id=repair_id)
    except NotFound as exc:  # a decision on an application the actor cannot see: on the record
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action=DECIDE,
            object_type="credit_repair",
            object_id=str(repair_id),
        ) from exc
    record = session.get(CreditRecord, repair.record_id)
    assert record is not None  # get_repair checked it
    source_org, source_jur = record.source_organisation_id, record.jurisdiction_code
    if not policy.may_decide_objection(
        actor, source_organisation_id=source_org, source_jurisdiction_code=source_jur
    ):
        raise deny(
            session,
            actor,
            action=DECIDE,
            object_type="credit_repair",
            object_id=str(repair_id),
            jurisdiction_code=source_jur,
            reason=msg("credit repair is decided by the record's source agency"),
        )
    error: Conflict | InvalidInput | None = None
    if repair.status != RepairStatus.PENDING:
        error = Conflict(
            msg(
                "repair application {repair_id} is already decided ({repair_status})",
                repair_id=repair_id,
                repair_status=repair.status,
            )
        )
    elif data.outcome == "rejected" and not data.note.strip():
        error = InvalidInput(
            msg("a rejection needs a note"),
            errors=[field_error(["body", "note"], msg("say why the application is rejected"))],
        )
    elif data.outcome == "approved" and record.status != RecordStatus.PUBLISHED:
        error = Conflict(
            msg(
                "record {record_id} is {record_status}, not on public display",
                record_id=record.id,
                record_status=record.status,
            )
        )
    if error is not None:
        raise audit.audited_refusal(
            session,
            error,
            actor=actor,
            action=DECIDE,
            object_type="credit_repair",
            object_id=repair_id,
            jurisdiction_code=source_jur,
        )
    now = utcnow()
    repair.status = data.outcome
    repair.decision_note = data.note.strip() or None
    repair.decided_at = now
    repair.decided_by_user_id = actor.user_id if actor else None
    if data.outcome == "approved":
        record.status = RecordStatus.WITHDRAWN
        record.withdrawn_at = now
        record.withdrawn_reason = "repaired"
        record.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=DECIDE,
        object_type="credit_repair",
        object_id=repair.id,
        jurisdiction_code=source_jur,
        detail={"record_id": record.id, "outcome": data.outcome, "note": repair.decision_note},
    )
    recompute_subject(session, subject_id=record.subject_id)
    return repair


def list_repairs(
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[CreditRepair]:
    """The repair desk: applications the actor's agency (or province, or the office) decides
    or follows."""
    who = require_actor(actor)
    if not policy.is_agency_staff(who):
        raise deny(
            session,
            who,
            action="credit.repair.list",
            object_type="credit_repair",
            object_id=None,
            jurisdiction_code=None,
            reason=msg("the repair desk is for agencies"),
        )
    stmt = (
        select(CreditRepair)
        .join(CreditRecord, CreditRecord.id == CreditRepair.record_id)
        .join(CreditSubject, CreditSubject.id == CreditRecord.subject_id)
        .where(desk_scope(who))
    )
    if status:
        stmt = stmt.where(CreditRepair.status == status)
    return paginate(session, stmt, CreditRepair.id, cursor=cursor, limit=min(max(limit, 1), 200))


def repair_outs(
    session: Session, *, actor: Actor | None, repairs: Sequence[CreditRepair]
) -> list[RepairOut]:
    """Output rows with record, subject, agency and flags (three statements)."""
    context = record_context(session, (x.record_id for x in repairs))
    records, subjects, orgs = context.records, context.subjects, context.organisations
    on = china_today()
    out: list[RepairOut] = []
    for x in repairs:
        record = records[x.record_id]
        subject = subjects[record.subject_id]
        org = orgs.get(record.source_organisation_id)
        timeline = [TimelineEvent(at=x.submitted_at, event="applied", by=x.applicant_name)]
        if x.decided_at is not None:
            timeline.append(TimelineEvent(at=x.decided_at, event=x.status, note=x.decision_note))
        out.append(
            RepairOut(
                id=x.id,
                record_id=record.id,
                record_title=record.title,
                document_number=record.document_number,
                subject_uscc=subject.uscc,
                subject_name=subject.name,
                source_organisation_id=record.source_organisation_id,
                source_organisation=org.name_en if org else "",
                source_organisation_zh=org.name_zh if org else "",
                applicant_name=x.applicant_name,
                evidence=x.evidence,
                submitted_at=x.submitted_at,
                due_date=x.due_date,
                status=x.status,
                decision_note=x.decision_note,
                decided_at=x.decided_at,
                overdue=is_overdue(status=x.status, due_date=x.due_date, on=on),
                may_decide=x.status == RepairStatus.PENDING
                and policy.may_decide_objection(
                    actor,
                    source_organisation_id=record.source_organisation_id,
                    source_jurisdiction_code=record.jurisdiction_code,
                ),
                timeline=timeline,
            )
        )
    return out
