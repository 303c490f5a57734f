"""What the one-stop public forms share (objections, repairs, commitments, declarations):
the per-address rate limit, which records a form may name, and what an agency desk lists."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import CreditRecord, CreditSubject
from jingjinji.credit.service import records as records_service
from jingjinji.credit.service import subjects
from jingjinji.errors import Busy, NotFound
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, Role
from jingjinji.timezone import china_today

# --- the public forms' rate limit ------------------------------------------------------------


class TooManyRequests(Busy):
    """Too many public form submissions from one client address: retry later."""

    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class FormLimiter:
    """At most ``limit`` public form submissions per client address in ``window_seconds``
    (objections, repairs, commitments, declarations together), in memory per process."""

    def __init__(
        self,
        *,
        limit: int = 20,
        window_seconds: float = 600.0,
        max_tracked: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_tracked = max_tracked
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def admit(self, address: str) -> int | None:
        """None if the submission may go ahead (and counts it); else seconds to wait."""
        now = self.clock()
        with self._lock:
            if address not in self._hits and len(self._hits) >= self.max_tracked:
                self._hits = {
                    a: q for a, q in self._hits.items() if now - q[-1] < self.window_seconds
                }
                if len(self._hits) >= self.max_tracked:
                    address = "*"
            hits = self._hits.setdefault(address, deque())
            while hits and now - hits[0] >= self.window_seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                oldest = hits[0] if hits else now  # a limit of 0 admits nobody
                return max(1, int(self.window_seconds - (now - oldest)) + 1)
            hits.append(now)
            return None


_LIMITER_LOCK = threading.Lock()


def form_limiter(state: Any) -> FormLimiter:
    """The application's limiter (``app.state``), made on first use."""
    existing: FormLimiter | None = getattr(state, "credit_form_limiter", None)
    if existing is not None:
        return existing
    with _LIMITER_LOCK:
        existing = getattr(state, "credit_form_limiter", None)
        if existing is None:
            existing = FormLimiter()
            state.credit_form_limiter = existing
        return existing


def admit_public_form(
    session: Session,
    *,
    actor: Actor | None,
    limiter: FormLimiter | None,
    address: str,
    action: str,
    object_type: str,
) -> None:
    """Refuse (429, audited) a submission over the client's limit."""
    if limiter is None:
        return
    wait = limiter.admit(address)
    if wait is not None:
        raise audit.audited_refusal(
            session,
            TooManyRequests(
                msg(
                    "too many submissions from this address; try again in {wait} seconds", wait=wait
                ),
                retry_after_seconds=wait,
            ),
            actor=actor,
            action=action,
            object_type=object_type,
            outcome="throttled",
            detail={"address": address[:100]},
        )


# --- shared helpers --------------------------------------------------------------------------


def sees_desk_item(session: Session, *, actor: Actor | None, record_id: int | None) -> bool:
    """Whether ``actor`` sees an objection or repair on this record: those who see the record's
    restricted data (the source agency, the province administrators of the agency and of the
    subject, the office)."""
    record = session.get(CreditRecord, record_id) if record_id is not None else None
    subject = session.get(CreditSubject, record.subject_id) if record is not None else None
    return (
        record is not None
        and subject is not None
        and policy.sees_restricted(
            actor,
            source_organisation_id=record.source_organisation_id,
            source_jurisdiction_code=record.jurisdiction_code,
            subject_jurisdiction_code=subject.jurisdiction_code,
        )
    )


@dataclass(frozen=True)
class RecordContext:
    """The records a desk's rows name, their subjects and source agencies, by id."""

    records: dict[int, CreditRecord]
    subjects: dict[int, CreditSubject]
    organisations: dict[int, Organisation]


def record_context(session: Session, record_ids: Iterable[int]) -> RecordContext:
    """Three statements whatever the number of rows (no query per row)."""
    records = {
        r.id: r
        for r in session.scalars(select(CreditRecord).where(CreditRecord.id.in_(set(record_ids))))
    }
    subject_ids = {r.subject_id for r in records.values()}
    subjects_by_id = {
        s.id: s
        for s in session.scalars(select(CreditSubject).where(CreditSubject.id.in_(subject_ids)))
    }
    orgs = regions.organisations_by_id(
        session, ids={r.source_organisation_id for r in records.values()}
    )
    return RecordContext(records, subjects_by_id, dict(orgs))


def visible_record(
    session: Session, *, actor: Actor | None, record_id: int, action: str, object_type: str
) -> tuple[CreditRecord, CreditSubject]:
    """The record (and its subject) if the actor sees it: public today, or restricted data the
    actor may read; else a 404 on the record (audited)."""
    record = session.get(CreditRecord, record_id)
    subject = session.get(CreditSubject, record.subject_id) if record is not None else None
    if record is None or subject is None or not _sees(actor, record, subject):
        raise audit.audited_refusal(
            session,
            NotFound(msg("no credit record {record_id} that you can see", record_id=record_id)),
            actor=actor,
            action=action,
            object_type=object_type,
            outcome="not_found",
            detail={"record_id": record_id},
        )
    return record, subject


def _sees(actor: Actor | None, record: CreditRecord, subject: CreditSubject) -> bool:
    public = policy.is_public_record(
        status=record.status,
        kind=record.kind,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        today=china_today(),
    )
    return public or policy.sees_restricted(
        actor,
        source_organisation_id=record.source_organisation_id,
        source_jurisdiction_code=record.jurisdiction_code,
        subject_jurisdiction_code=subject.jurisdiction_code,
    )


def desk_scope(actor: Actor) -> ColumnElement[bool]:
    """Rows (joined to their record and subject) an agency desk lists for this actor: the
    office all; a province administrator those of records from its province or about its
    subjects; other members of an agency those of their own agency's records."""
    if actor.is_office_admin:
        return and_(True)
    if actor.role is Role.JURISDICTION_ADMIN and actor.province_code:
        province = actor.province_code
        return or_(
            CreditRecord.jurisdiction_code.startswith(province[:2]),
            CreditSubject.jurisdiction_code.startswith(province[:2]),
        )
    if actor.organisation_id is not None:
        return CreditRecord.source_organisation_id == actor.organisation_id
    return false()


def is_overdue(*, status: str, due_date: dt.date | None, on: dt.date) -> bool:
    return status == "pending" and due_date is not None and on > due_date


@dataclass(frozen=True)
class FormChoice:
    """A record a public form may name, as the form lists it."""

    id: int
    kind: str
    title: str
    document_number: str
    decision_date: dt.date
    repairable_from: dt.date | None
    under_objection: bool


@dataclass(frozen=True)
class FormContext:
    """What a public form of one subject shows: the subject, its public records and the
    agencies a commitment may be made to."""

    uscc: str
    name: str
    records: list[FormChoice]
    agencies: list[tuple[int, str, str]]  # (id, name_zh, name_en)


def form_context(session: Session, *, uscc: str) -> FormContext:
    """The subject (404 naming the code) with its records public today (three statements)."""
    subject = subjects.get_subject(session, uscc=uscc)
    rows = records_service.public_records(session, subject_id=subject.id, today=china_today())
    agencies = [(o.id, o.name_zh, o.name_en) for o in regions.list_organisations(session)]
    return FormContext(
        uscc=subject.uscc,
        name=subject.name,
        records=[
            FormChoice(
                id=r.id,
                kind=r.kind,
                title=r.title,
                document_number=r.document_number,
                decision_date=r.decision_date,
                repairable_from=r.publicity_min_end,
                under_objection=r.under_objection,
            )
            for r in rows
        ],
        agencies=agencies,
    )
