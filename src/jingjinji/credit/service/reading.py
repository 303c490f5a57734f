"""Reading credit records: who sees which record and which of its fields.

- The public: a published record inside its publicity period (``policy.is_public_record``),
  without personal data (``PERSONAL_DETAILS``).
- Every agency member (``policy.is_agency_staff``): also the published red- and black-list
  entries of all three jurisdictions.
- Pending and withdrawn records and personal data: those who administer the source agency or
  the subject's province (``policy.sees_restricted``).

:func:`visible_clause` is the SQL form of these predicates for listings; single records are
checked with the predicates themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from jingjinji.credit import policy
from jingjinji.credit.models import CreditRecord, CreditSubject, RecordStatus
from jingjinji.credit.schemas.records import LIST_KINDS, PERSONAL_DETAILS, RecordOut
from jingjinji.credit.service import subjects
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, province_of
from jingjinji.timezone import china_today


def load_record(session: Session, record_id: int) -> CreditRecord:
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(msg("no credit record {record_id}", record_id=record_id))
    return record


def _public_clause(day: dt.date) -> ColumnElement[bool]:
    return and_(
        CreditRecord.status == RecordStatus.PUBLISHED.value,
        or_(CreditRecord.publicity_start.is_(None), CreditRecord.publicity_start <= day),
        or_(CreditRecord.publicity_end.is_(None), CreditRecord.publicity_end > day),
    )


def province_clause(column: Any, province: str) -> ColumnElement[bool]:
    return func.substr(column, 1, 2) == province[:2]


def visible_clause(actor: Actor | None, day: dt.date) -> ColumnElement[bool]:
    """The records ``actor`` reads (the SQL form of the policy predicates)."""
    clauses: list[ColumnElement[bool]] = [_public_clause(day)]
    if actor is None:
        return clauses[0]
    if actor.is_office_admin:
        return true()
    if policy.is_agency_staff(actor):
        clauses.append(
            and_(
                CreditRecord.kind.in_(LIST_KINDS),
                CreditRecord.status == RecordStatus.PUBLISHED.value,
            )
        )
    if actor.organisation_id is not None:
        clauses.append(CreditRecord.source_organisation_id == actor.organisation_id)
    if actor.role.value == "jurisdiction_admin" and actor.province_code:
        prov = actor.province_code
        in_province = select(CreditSubject.id).where(CreditSubject.jurisdiction_code == prov)
        clauses.append(
            or_(
                province_clause(CreditRecord.jurisdiction_code, prov),
                CreditRecord.subject_id.in_(in_province),
            )
        )
    return or_(*clauses) if clauses else false()


def sees_restricted(actor: Actor | None, record: CreditRecord, subject: CreditSubject) -> bool:
    return policy.sees_restricted(
        actor,
        source_organisation_id=record.source_organisation_id,
        source_jurisdiction_code=record.jurisdiction_code,
        subject_jurisdiction_code=subject.jurisdiction_code,
    )


def may_read(
    actor: Actor | None, record: CreditRecord, subject: CreditSubject, day: dt.date
) -> bool:
    if policy.is_public_record(
        status=record.status,
        kind=record.kind,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        today=day,
    ):
        return True
    if (
        record.kind in LIST_KINDS
        and record.status == RecordStatus.PUBLISHED.value
        and policy.is_agency_staff(actor)
    ):
        return True
    return sees_restricted(actor, record, subject)


def get_record(session: Session, *, actor: Actor | None, record_id: int) -> CreditRecord:
    """A record its reader may see (404 otherwise: a hidden record is not admitted to)."""
    record = load_record(session, record_id)
    subject = subjects.get_subject_by_id(session, subject_id=record.subject_id)
    if not may_read(actor, record, subject, china_today()):
        raise NotFound(msg("no credit record {record_id}", record_id=record_id))
    return record


def list_records(
    session: Session,
    *,
    actor: Actor | None,
    kind: str | None = None,
    status: str | None = None,
    source_organisation_id: int | None = None,
    jurisdiction: str | None = None,
    uscc: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[CreditRecord]:
    """Records the actor reads, newest first, filtered."""
    check_limit(limit)
    stmt = select(CreditRecord).where(visible_clause(actor, china_today()))
    if kind:
        stmt = stmt.where(CreditRecord.kind == kind)
    if status:
        stmt = stmt.where(CreditRecord.status == status)
    if source_organisation_id is not None:
        stmt = stmt.where(CreditRecord.source_organisation_id == source_organisation_id)
    if jurisdiction:
        stmt = stmt.where(
            province_clause(CreditRecord.jurisdiction_code, province_of(jurisdiction))
        )
    if uscc:
        subject = subjects.find_subject(session, uscc=uscc)
        stmt = stmt.where(CreditRecord.subject_id == (subject.id if subject else -1))
    return paginate(session, stmt, CreditRecord.id, cursor=cursor, limit=limit, descending=True)


def public_records(session: Session, *, subject_id: int, today: dt.date) -> list[CreditRecord]:
    """A subject's records the public sees today, newest decision first."""
    rows = session.scalars(
        select(CreditRecord)
        .where(CreditRecord.subject_id == subject_id, _public_clause(today))
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    )
    return [
        r
        for r in rows
        if policy.is_public_record(
            status=r.status,
            kind=r.kind,
            publicity_start=r.publicity_start,
            publicity_end=r.publicity_end,
            today=today,
        )
    ]


def records_out(
    session: Session, *, actor: Actor | None, records: Sequence[CreditRecord]
) -> list[RecordOut]:
    """Output rows: personal detail fields only for readers who see restricted data."""
    subject_rows = subjects.subjects_by_id(session, ids={r.subject_id for r in records})
    orgs = regions.organisations_by_id(session, ids={r.source_organisation_id for r in records})
    out = []
    for r in records:
        subject = subject_rows[r.subject_id]
        org = orgs[r.source_organisation_id]
        restricted = sees_restricted(actor, r, subject)
        details = {k: v for k, v in r.details.items() if restricted or k not in PERSONAL_DETAILS}
        out.append(
            RecordOut(
                id=r.id,
                kind=r.kind,
                status=r.status,
                subject_id=r.subject_id,
                uscc=subject.uscc,
                subject_name=subject.name,
                source_organisation_id=r.source_organisation_id,
                source_agency=org.name_zh,
                jurisdiction_code=r.jurisdiction_code,
                document_number=r.document_number,
                title=r.title,
                category=r.category,
                severity=r.severity,
                penalty_types=list(r.penalty_types),
                facts=r.facts,
                legal_basis=r.legal_basis,
                content=r.content,
                fine_10k_cny=r.fine_10k_cny,
                confiscated_10k_cny=r.confiscated_10k_cny,
                licence_suspended_or_revoked=r.licence_suspended_or_revoked,
                licence_number=r.licence_number,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                measures=list(r.measures),
                decision_date=r.decision_date,
                publication_deadline=r.publication_deadline,
                published_at=r.published_at,
                published_late=r.published_late,
                publicity_start=r.publicity_start,
                publicity_min_end=r.publicity_min_end,
                publicity_end=r.publicity_end,
                publicity_rules=r.publicity_rules,
                withdrawn_reason=r.withdrawn_reason,
                under_objection=r.under_objection,
                details=details,
                revision=r.revision,
                synthetic=r.synthetic,
                may_write=actor is not None
                and policy.may_write_record(
                    actor,
                    source_organisation_id=r.source_organisation_id,
                    jurisdiction_code=org.jurisdiction_code,
                ),
            )
        )
    return out
