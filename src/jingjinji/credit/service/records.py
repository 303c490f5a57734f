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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.credit import policy
from jingjinji.credit.kernels.publicity import is_late, publication_deadline, publicity_period
from jingjinji.credit.kernels.uscc import check_uscc
from jingjinji.credit.models import CreditRecord, CreditSubject, RecordKind, RecordStatus
from jingjinji.credit.schemas.records import (
    DETAIL_FIELDS,
    DOUBLE_PUBLICITY,
    LIST_KINDS,
    PERSONAL_DETAILS,
    RecordIn,
    RecordOut,
    RowError,
)
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import measures as measures_service
from jingjinji.credit.service import subjects
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, deny, province_of, require_actor
from jingjinji.timezone import china_date
from jingjinji.workdays import WorkCalendar, calendar_from_settings

#: Working days within which a licence or penalty must be public.
PUBLICATION_WORKING_DAYS = 7
#: Columns compared to tell a re-sent record from a revision.
CONTENT_FIELDS = (
    "subject_id",
    "title",
    "category",
    "severity",
    "penalty_types",
    "facts",
    "legal_basis",
    "content",
    "fine_10k_cny",
    "confiscated_10k_cny",
    "licence_suspended_or_revoked",
    "licence_number",
    "valid_from",
    "valid_to",
    "measures",
    "decision_date",
    "details",
)
MEASURE_COLOUR = {RecordKind.RED_LIST.value: "red", RecordKind.BLACK_LIST.value: "black"}


def calendar() -> WorkCalendar:
    return calendar_from_settings(get_settings())


def today() -> dt.date:
    return china_date(utcnow())


@dataclass(frozen=True)
class Stored:
    record: CreditRecord
    outcome: str  # created | revised | unchanged


# --- checks -------------------------------------------------------------------------------


def _org_by_uscc(session: Session, code: str) -> Organisation | None:
    wanted = subjects.normalise_uscc(code)
    for org in regions.list_organisations(session):
        if org.uscc == wanted:
            return org
    return None


def resolve_source(
    session: Session, *, actor: Actor, data: RecordIn
) -> tuple[Organisation | None, RowError | None]:
    """The source agency the record names, or the writer's own organisation."""
    if data.source_organisation_id is not None:
        org = regions.get_organisation_or_none(session, organisation_id=data.source_organisation_id)
        if org is None:
            return None, RowError(
                row=0,
                column="source_organisation_id",
                reason=f"unknown agency: no organisation {data.source_organisation_id}",
            )
        return org, None
    if data.source_agency_uscc:
        org = _org_by_uscc(session, data.source_agency_uscc)
        if org is None:
            return None, RowError(
                row=0,
                column="source_agency_uscc",
                reason=f"unknown agency: no organisation with code {data.source_agency_uscc!r}",
            )
        return org, None
    if actor.organisation_id is not None:
        return regions.get_organisation(session, organisation_id=actor.organisation_id), None
    return None, RowError(
        row=0,
        column="source_agency_uscc",
        reason="name the source agency (source_agency_uscc or source_organisation_id)",
    )


def _uscc_problem(session: Session, data: RecordIn) -> RowError | None:
    code = subjects.normalise_uscc(data.uscc)
    check = check_uscc(code)
    if not check.valid:
        return RowError(
            row=0, column="uscc", reason=check.reason or "invalid code", expected=check.expected
        )
    if check.province_code not in subjects.PROVINCES:
        return RowError(
            row=0,
            column="uscc",
            reason=f"registered in region {check.region_code}, outside Beijing, Tianjin and Hebei",
        )
    if not data.subject_name and subjects.find_subject(session, uscc=code) is None:
        return RowError(
            row=0,
            column="subject_name",
            reason=f"subject {code} is not registered: give its name to register it",
        )
    return None


def _measure_problems(data: RecordIn) -> list[RowError]:
    if not data.measures:
        return []
    unknown = measures_service.unknown_codes(data.measures)
    if unknown:
        return [RowError(row=0, column="measures", reason=f"unknown measure(s): {unknown}")]
    colour = MEASURE_COLOUR.get(data.kind.value)
    if colour is None:
        if data.kind is not RecordKind.COURT_ENFORCEMENT:
            return [RowError(row=0, column="measures", reason="only list entries carry measures")]
        return []
    wrong = [m.code for m in measures_service.measures_for(data.measures) if m.kind != colour]
    if wrong:
        return [
            RowError(
                row=0,
                column="measures",
                reason=f"measure(s) {wrong} do not belong to a {data.kind.value} entry",
            )
        ]
    return []


def check_record(session: Session, *, data: RecordIn, today: dt.date) -> list[RowError]:
    """Every problem of one record beyond its schema (row 0: the caller numbers rows)."""
    problems: list[RowError] = []
    uscc_problem = _uscc_problem(session, data)
    if uscc_problem is not None:
        problems.append(uscc_problem)
    if data.decision_date > today:
        problems.append(
            RowError(
                row=0,
                column="decision_date",
                reason=f"decision date {data.decision_date} is in the future (today is {today})",
            )
        )
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        problems.append(RowError(row=0, column="valid_to", reason="valid_to is before valid_from"))
    unknown = sorted(set(data.details) - set(DETAIL_FIELDS))
    if unknown:
        problems.append(
            RowError(
                row=0,
                column="details",
                reason=f"unknown detail field(s) {unknown}; known: {', '.join(DETAIL_FIELDS)}",
            )
        )
    if data.kind is RecordKind.PENALTY and not data.content:
        problems.append(RowError(row=0, column="content", reason="a penalty needs its content"))
    problems.extend(_measure_problems(data))
    return problems


def problems_error(problems: Sequence[RowError], *, where: str) -> InvalidInput:
    """The 422 listing every problem (loc: where, row, column)."""
    rows = len({p.row for p in problems})
    detail = (
        f"{len(problems)} problem(s) in {rows} row(s); nothing was stored"
        if where != "body"
        else "; ".join(f"{p.column}: {p.reason}" for p in problems)
    )
    errors = []
    for p in problems:
        loc: list[str | int] = [where, p.column] if where == "body" else [where, p.row, p.column]
        extra: dict[str, Any] = {"row": p.row, "column": p.column}
        if p.expected is not None:
            extra["expected"] = p.expected
        errors.append(field_error(loc, p.reason, **extra))
    return InvalidInput(detail, errors=errors)


def ensure_writer(
    session: Session, *, actor: Actor, org: Organisation, action: str, object_id: str | None
) -> None:
    if not policy.may_write_record(
        actor, source_organisation_id=org.id, jurisdiction_code=org.jurisdiction_code
    ):
        raise deny(
            session,
            actor,
            action=action,
            object_type="credit_record",
            object_id=object_id,
            jurisdiction_code=org.jurisdiction_code,
            reason=f"{actor.username!r} may not write records of {org.name_en} "
            f"(organisation {org.id}): only its stewards, its province's administrator "
            "or the office",
        )


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


def create_record(session: Session, *, actor: Actor | None, data: RecordIn) -> CreditRecord:
    """Check, authorise and store one record (see the module docstring); 422 listing every
    problem, 403 for a writer outside the source agency; both audited."""
    writer = require_actor(actor)
    day = today()
    org, source_problem = resolve_source(session, actor=writer, data=data)
    problems = check_record(session, data=data, today=day)
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
    """Lift a red- or black-list entry: withdrawn (reason ``lifted``), kept for staff."""
    writer = require_actor(actor)
    record = _get(session, record_id)
    org = regions.get_organisation(session, organisation_id=record.source_organisation_id)
    ensure_writer(
        session, actor=writer, org=org, action="credit.record.lift", object_id=str(record_id)
    )
    if record.kind not in LIST_KINDS or record.status != RecordStatus.PUBLISHED.value:
        from jingjinji.errors import Conflict

        raise audit.audited_refusal(
            session,
            Conflict(
                f"record {record_id} is a {record.status} {record.kind}; only a published "
                "list entry can be lifted"
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


# --- reading ------------------------------------------------------------------------------


def _get(session: Session, record_id: int) -> CreditRecord:
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"no credit record {record_id}")
    return record


def _public_clause(day: dt.date) -> ColumnElement[bool]:
    return and_(
        CreditRecord.status == RecordStatus.PUBLISHED.value,
        or_(CreditRecord.publicity_start.is_(None), CreditRecord.publicity_start <= day),
        or_(CreditRecord.publicity_end.is_(None), CreditRecord.publicity_end > day),
    )


def _province_like(column: Any, province: str) -> ColumnElement[bool]:
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
                _province_like(CreditRecord.jurisdiction_code, prov),
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
    record = _get(session, record_id)
    subject = subjects.get_subject_by_id(session, subject_id=record.subject_id)
    if not may_read(actor, record, subject, today()):
        raise NotFound(f"no credit record {record_id}")
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
    stmt = select(CreditRecord).where(visible_clause(actor, today()))
    if kind:
        stmt = stmt.where(CreditRecord.kind == kind)
    if status:
        stmt = stmt.where(CreditRecord.status == status)
    if source_organisation_id is not None:
        stmt = stmt.where(CreditRecord.source_organisation_id == source_organisation_id)
    if jurisdiction:
        stmt = stmt.where(_province_like(CreditRecord.jurisdiction_code, province_of(jurisdiction)))
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
