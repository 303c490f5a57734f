"""Credit records: licences, penalties, red/black-list entries and court enforcement records.

- Written by the source agency (a steward of the organisation), its province's administrator
  or the office (``policy.may_write_record``), who name the agency. Every write and every
  refusal is audited.
- Idempotent by (source agency, kind, document number): the same content changes nothing (no
  audit entry); changed content is a revision (``revision`` + 1, the changed fields in the
  audit entry).
- Licences and penalties are due for publication within 7 working days of the decision on the
  official calendar (``publication_deadline``); list entries and court records are published
  when they are written, so that the agencies of all three jurisdictions see them at once.
- Who reads what: the public a published record inside its publicity period without personal
  data; every agency member the list entries of all three jurisdictions; pending and withdrawn
  records and personal data those who administer the source agency or the subject's province.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import labels
from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.credit.kernels.identity import ID_TYPES
from jingjinji.credit.kernels.publicity import is_late, publication_deadline, publicity_period
from jingjinji.credit.models import CreditRecord, RecordKind, RecordStatus
from jingjinji.credit.schemas.records import (
    DOUBLE_PUBLICITY,
    LIST_KINDS,
    RecordIn,
)
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import measures as measures_service
from jingjinji.credit.service import subjects
from jingjinji.credit.service.reading import get_record as get_record
from jingjinji.credit.service.reading import list_records as list_records
from jingjinji.credit.service.reading import province_clause as province_clause
from jingjinji.credit.service.reading import public_records as public_records
from jingjinji.credit.service.reading import records_out as records_out
from jingjinji.credit.service.reading import sees_restricted as sees_restricted
from jingjinji.credit.service.reading import visible_clause as visible_clause
from jingjinji.credit.service.record_checks import check_record as check_record
from jingjinji.credit.service.record_checks import ensure_writer as ensure_writer
from jingjinji.credit.service.record_checks import problems_error as problems_error
from jingjinji.credit.service.record_checks import record_to_write as record_to_write
from jingjinji.credit.service.record_checks import resolve_source as resolve_source
from jingjinji.db import utcnow
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, require_actor
from jingjinji.timezone import china_date, china_today
from jingjinji.workdays import WorkCalendar, calendar_from_settings

#: Working days within which a licence or penalty must be public.
PUBLICATION_WORKING_DAYS = 7


def calendar() -> WorkCalendar:
    return calendar_from_settings(get_settings())


@dataclass(frozen=True)
class Stored:
    record: CreditRecord
    outcome: str  # created | revised | unchanged


# --- storing ------------------------------------------------------------------------------


def _values(data: RecordIn, *, subject_id: int) -> dict[str, Any]:
    measures = list(data.measures)
    if not measures and data.kind.value in LIST_KINDS:
        measures = measures_service.default_codes(data.kind.value)
    return {
        "subject_id": subject_id,
        "title": data.title,
        "category": data.category,
        "severity": data.severity,
        "penalty_types": sorted(set(data.penalty_types)),
        "facts": data.facts,
        "legal_basis": data.legal_basis,
        "content": data.content,
        "fine_10k_cny": data.fine_10k_cny,
        "confiscated_10k_cny": data.confiscated_10k_cny,
        "licence_suspended_or_revoked": data.licence_suspended_or_revoked,
        "licence_number": data.licence_number,
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "measures": measures,
        "decision_date": data.decision_date,
        "details": dict(sorted(data.details.items())),
    }


def _same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return bool(old == new)


def set_publicity(record: CreditRecord) -> None:
    """The publicity dates of a record being published: a penalty's period under the rules in
    force on its decision date; other records from their decision date, without an end."""
    if record.kind == RecordKind.PENALTY.value:
        period = publicity_period(
            record.decision_date, severity=record.severity, penalty_types=record.penalty_types
        )
        record.publicity_start = period.start
        record.publicity_min_end = period.min_end
        record.publicity_end = period.max_end
        record.publicity_rules = period.rules
    else:
        record.publicity_start = record.decision_date
        record.publicity_min_end = None
        record.publicity_end = None
        record.publicity_rules = None


def mark_published(record: CreditRecord, *, now: dt.datetime) -> None:
    """Set a pending record published now: ``published_late`` against its deadline in China
    dates, its publicity dates."""
    record.status = RecordStatus.PUBLISHED.value
    record.published_at = now
    record.published_late = (
        is_late(record.publication_deadline, china_date(now))
        if record.publication_deadline is not None
        else None
    )
    set_publicity(record)
    record.updated_at = now


def _deadline(kind: str, decided: dt.date, cal: WorkCalendar) -> dt.date | None:
    if kind not in DOUBLE_PUBLICITY:
        return None
    return publication_deadline(decided, calendar=cal, working_days=PUBLICATION_WORKING_DAYS)


def store_record(
    session: Session,
    *,
    actor: Actor,
    data: RecordIn,
    org: Organisation,
    cal: WorkCalendar,
    channel: str,
) -> Stored:
    """Create, revise or leave a checked and authorised record (flushes; audited)."""
    subject = subjects.find_subject(session, uscc=data.uscc)
    if subject is None:
        assert data.subject_name
        subject = subjects.register_subject(
            session,
            actor=actor,
            data=SubjectIn(uscc=data.uscc, name=data.subject_name, synthetic=data.synthetic),
        )
    values = _values(data, subject_id=subject.id)
    existing = session.scalar(
        select(CreditRecord).where(
            CreditRecord.source_organisation_id == org.id,
            CreditRecord.kind == data.kind.value,
            CreditRecord.document_number == data.document_number,
        )
    )
    now = utcnow()
    if existing is None:
        record = CreditRecord(
            kind=data.kind.value,
            source_organisation_id=org.id,
            jurisdiction_code=org.jurisdiction_code,
            document_number=data.document_number,
            status=RecordStatus.PENDING.value,
            synthetic=data.synthetic,
            created_by_user_id=actor.user_id or None,
            publication_deadline=_deadline(data.kind.value, data.decision_date, cal),
            **values,
        )
        session.add(record)
        if data.publish or data.kind.value not in DOUBLE_PUBLICITY:
            mark_published(record, now=now)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="credit.record.create",
            object_type="credit_record",
            object_id=record.id,
            jurisdiction_code=org.jurisdiction_code,
            detail={
                "kind": record.kind,
                "document_number": record.document_number,
                "uscc": subject.uscc,
                "status": record.status,
                "channel": channel,
            },
        )
        return Stored(record, "created")
    changed = {k: v for k, v in values.items() if not _same(getattr(existing, k), v)}
    if not changed:
        return Stored(existing, "unchanged")
    before = {k: _plain(getattr(existing, k)) for k in changed}
    for k, v in changed.items():
        setattr(existing, k, v)
    existing.revision += 1
    existing.updated_at = now
    if "decision_date" in changed:
        existing.publication_deadline = _deadline(existing.kind, existing.decision_date, cal)
    if existing.status == RecordStatus.PUBLISHED.value and (
        {"decision_date", "severity", "penalty_types"} & changed.keys()
    ):
        set_publicity(existing)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="credit.record.revise",
        object_type="credit_record",
        object_id=existing.id,
        jurisdiction_code=existing.jurisdiction_code,
        detail={
            "revision": existing.revision,
            "channel": channel,
            "changed": {k: [before[k], _plain(v)] for k, v in changed.items()},
        },
    )
    return Stored(existing, "revised")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict, str, int, bool)) or value is None:
        return value
    return str(value)


def recompute(session: Session, subject_ids: Iterable[int]) -> None:
    """Recompute the risk class of every subject whose records changed."""
    from jingjinji.credit.service import scoring

    for subject_id in sorted(set(subject_ids)):
        scoring.recompute_subject(session, subject_id=subject_id)


def stored_id_type(session: Session, *, org: Organisation | None, data: RecordIn) -> str | None:
    """The ID type stored in the record ``data`` revises, looked up only when ``data`` names an
    unlisted type (None for a new record, or none stored): a kept legacy value is named as
    such (``record_checks.legacy_id_type_problem``)."""
    given = data.details.get("id_type", "")
    if org is None or not given.strip() or given in ID_TYPES:
        return None
    details = session.scalar(
        select(CreditRecord.details).where(
            CreditRecord.source_organisation_id == org.id,
            CreditRecord.kind == data.kind.value,
            CreditRecord.document_number == data.document_number,
        )
    )
    stored = (details or {}).get("id_type")
    return stored if isinstance(stored, str) else None


def create_record(session: Session, *, actor: Actor | None, data: RecordIn) -> CreditRecord:
    """Check, authorise and store one record (see the module docstring); 422 listing every
    problem, 403 for a writer outside the source agency; both audited."""
    writer = require_actor(actor)
    day = china_today()
    org, source_problem = resolve_source(session, actor=writer, data=data)
    legacy = stored_id_type(session, org=org, data=data)
    problems = check_record(session, data=data, today=day, stored_id_type=legacy)
    if source_problem is not None:
        problems.insert(0, source_problem)
    if problems:
        raise audit.audited_refusal(
            session,
            problems_error(problems, where="body"),
            actor=writer,
            action="credit.record.create",
            object_type="credit_record",
            object_id=data.document_number,
            outcome="invalid",
            detail={"problems": [p.model_dump(exclude_none=True) for p in problems]},
        )
    assert org is not None
    ensure_writer(
        session,
        actor=writer,
        org=org,
        action="credit.record.create",
        object_id=data.document_number,
    )
    stored = store_record(session, actor=writer, data=data, org=org, cal=calendar(), channel="api")
    if stored.outcome != "unchanged":
        recompute(session, [stored.record.subject_id])
    return stored.record


def lift_entry(
    session: Session, *, actor: Actor | None, record_id: int, reason: str
) -> CreditRecord:
    """Lift a red- or black-list entry: withdrawn (reason ``lifted``), kept for staff. 404 if
    there is no such record, 403 for one the actor may not write, 409 for one that is not a
    published list entry: each refusal audited."""
    writer = require_actor(actor)
    record = record_to_write(
        session, actor=writer, record_id=record_id, action="credit.record.lift"
    )
    org = regions.get_organisation(session, organisation_id=record.source_organisation_id)
    ensure_writer(
        session, actor=writer, org=org, action="credit.record.lift", object_id=str(record_id)
    )
    if record.kind not in LIST_KINDS or record.status != RecordStatus.PUBLISHED.value:
        from jingjinji.errors import Conflict

        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "record {record_id} is a {record_status} {record_kind}; only a published list "
                    "entry can be lifted",
                    record_id=record_id,
                    record_status=record.status,
                    record_kind=record.kind,
                    record_kind_label=labels.msg_label("credit.record_kind", record.kind),
                )
            ),
            actor=writer,
            action="credit.record.lift",
            object_type="credit_record",
            object_id=record_id,
        )
    now = utcnow()
    record.status = RecordStatus.WITHDRAWN.value
    record.withdrawn_at = now
    record.withdrawn_reason = "lifted"
    record.publicity_end = china_date(now)
    record.updated_at = now
    audit.record(
        session,
        actor=writer,
        action="credit.record.lift",
        object_type="credit_record",
        object_id=record_id,
        jurisdiction_code=record.jurisdiction_code,
        detail={"reason": reason, "kind": record.kind},
    )
    session.flush()
    recompute(session, [record.subject_id])
    return record
