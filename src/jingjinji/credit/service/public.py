"""The public credit window: search by name or code, a subject's page, the search rate limit.

Anyone may search (a current or former name, a USCC or its beginning) and read a subject's page:
its basic data, the records public on the day (licences, penalties inside their publicity
period and not withdrawn, list entries with their measures, court records, broken commitments),
its self-declared facts (marked as such) and the "under objection" marks. Personal data never
appears (see ``schemas/reports.py``). Staff who see a record's restricted data
(``policy.sees_restricted``) also see the records no longer public, marked withdrawn; agency
staff see the risk class.

Searches are limited per client address (``credit_public_searches_per_minute``, default 30 in
any 60 seconds, sliding; the limiter of the public forms, ``forms.FormLimiter``): the next one
is refused with 429 and ``Retry-After``, and the refusal goes on the audit record like the
platform's other refusals before a service (``jingjinji.refusals``: one entry per address a
minute, counting the others).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from jingjinji import refusals
from jingjinji.config import Settings
from jingjinji.credit import policy
from jingjinji.credit.models import (
    CreditRecord,
    CreditSelfDeclaration,
    CreditSubject,
    CreditSubjectName,
    RecordKind,
)
from jingjinji.credit.schemas.reports import (
    ListStatusOut,
    MeasureOut,
    PublicRecordOut,
    PublicSearchHit,
    PublicSearchPage,
    PublicSubjectOut,
    SelfDeclarationOut,
)
from jingjinji.credit.service import records as records_service
from jingjinji.credit.service import subjects
from jingjinji.credit.service.forms import FormLimiter
from jingjinji.credit.service.forms import TooManyRequests as TooManyRequests
from jingjinji.credit.service.measures import measures_of_record
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.timezone import china_date, china_today

WINDOW_SECONDS = 60.0
SEARCH_REFUSED = "credit.public.search_refused"


_CREATE_LOCK = threading.Lock()


def search_limiter(connection: HTTPConnection) -> FormLimiter:
    """The application's search limiter (the per-address limiter of the public forms, with
    its own window and limit), made on first use from its settings."""
    state = connection.app.state
    existing: FormLimiter | None = getattr(state, "credit_search_limiter", None)
    if existing is not None:
        return existing
    with _CREATE_LOCK:
        existing = getattr(state, "credit_search_limiter", None)
        if existing is None:
            settings: Settings = state.settings
            existing = FormLimiter(
                limit=settings.credit_public_searches_per_minute, window_seconds=WINDOW_SECONDS
            )
            state.credit_search_limiter = existing
        return existing


def ensure_search_allowed(connection: HTTPConnection, *, actor: Actor | None) -> None:
    """Count a search of this client; refuse it (429, audited) over the limit."""
    limiter = search_limiter(connection)
    retry_after = limiter.admit(refusals.client_address(connection))
    if retry_after is None:
        return
    reason = msg(
        "more than {limit} searches a minute from this address; try again in {seconds} seconds",
        limit=limiter.limit,
        seconds=retry_after,
    )
    refusals.record(
        connection,
        action=SEARCH_REFUSED,
        actor=actor,
        detail={"reason": reason, "limit_per_minute": limiter.limit},
    )
    raise TooManyRequests(reason, retry_after_seconds=retry_after)


def checked_day(as_of: dt.date | None, *, loc: list[str | int]) -> dt.date:
    """``as_of`` (default today); a future date is refused naming ``loc``."""
    now = china_today()
    if as_of is None:
        return now
    if as_of > now:
        reason = msg(
            "{as_of} is in the future (today is {today})",
            as_of=as_of.isoformat(),
            today=now.isoformat(),
        )
        raise InvalidInput(reason, errors=[field_error(loc, reason)])
    return as_of


# --------------------------------------------------------------------------- search


def _names_by_subject(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Former names (no longer in use) of these subjects, most recent first, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(CreditSubjectName.subject_id, CreditSubjectName.name)
        .where(CreditSubjectName.subject_id.in_(wanted), CreditSubjectName.valid_to.is_not(None))
        .order_by(CreditSubjectName.valid_to.desc(), CreditSubjectName.id.desc())
    )
    found: dict[int, list[str]] = {}
    for subject_id, name in rows:
        found.setdefault(subject_id, []).append(name)
    return found


def search(
    session: Session, *, q: str, cursor: str | None = None, limit: int = 20
) -> PublicSearchPage:
    """Subjects by current or former name, or USCC (full or prefix); rate-limited by the
    caller's HTTP layer through :func:`ensure_search_allowed`."""
    text = q.strip()
    if not text:
        raise InvalidInput(
            msg("enter a name or a code"), errors=[field_error(["query", "q"], msg("empty query"))]
        )
    page = subjects.search_subjects(session, q=text, cursor=cursor, limit=limit)
    former = _names_by_subject(session, (s.id for s in page.items))
    needle = text.lower()
    hits = []
    for s in page.items:
        names = former.get(s.id, [])
        matched = None
        if needle not in s.name.lower() and not s.uscc.startswith(text.upper()):
            matched = next((n for n in names if needle in n.lower()), None)
        hits.append(
            PublicSearchHit(
                uscc=s.uscc,
                name=s.name,
                name_en=s.name_en,
                kind=s.kind,
                jurisdiction_code=s.jurisdiction_code,
                former_names=names,
                matched_former_name=matched,
            )
        )
    return PublicSearchPage(items=hits, next_cursor=page.next_cursor)


# --------------------------------------------------------------------------- subject page


def _measures(record: CreditRecord) -> list[MeasureOut]:
    if record.kind not in (
        RecordKind.RED_LIST,
        RecordKind.BLACK_LIST,
        RecordKind.COURT_ENFORCEMENT,
    ):
        return []
    return [
        MeasureOut(code=m.code, kind=m.kind, name_zh=m.name_zh, name_en=m.name_en)
        for m in measures_of_record(record.kind, record.measures or [])
    ]


def _public_on(record: CreditRecord, day: dt.date) -> bool:
    return policy.was_public_on(
        status=record.status,
        published_on=china_date(record.published_at) if record.published_at else None,
        withdrawn_on=china_date(record.withdrawn_at) if record.withdrawn_at else None,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        day=day,
    )


def _record_out(record: CreditRecord, *, source: str, public: bool) -> PublicRecordOut:
    return PublicRecordOut(
        id=record.id,
        kind=record.kind,
        title=record.title,
        category=record.category,
        document_number=record.document_number,
        source_organisation=source,
        jurisdiction_code=record.jurisdiction_code,
        legal_basis=record.legal_basis,
        facts=record.facts,
        content=record.content,
        severity=record.severity,
        fine_10k_cny=record.fine_10k_cny,
        confiscated_10k_cny=record.confiscated_10k_cny,
        licence_suspended_or_revoked=record.licence_suspended_or_revoked,
        licence_number=record.licence_number,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        decision_date=record.decision_date,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        measures=_measures(record),
        under_objection=record.under_objection,
        withdrawn=not public,
        withdrawn_reason=None if public else (record.withdrawn_reason or "period_over"),
    )


def _sees_withdrawn(actor: Actor | None, record: CreditRecord, subject: CreditSubject) -> bool:
    return record.status in ("published", "withdrawn") and records_service.sees_restricted(
        actor, record, subject
    )


def visible_records(
    session: Session,
    *,
    actor: Actor | None,
    subject: CreditSubject,
    day: dt.date,
    lang: str,
) -> list[PublicRecordOut]:
    """The subject's records public on ``day``, newest decision first; for staff who see a
    record's restricted data, also the ones not (or no longer) public, marked withdrawn."""
    rows = session.scalars(
        select(CreditRecord)
        .where(CreditRecord.subject_id == subject.id)
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    ).all()
    shown = [(r, _public_on(r, day)) for r in rows]
    shown = [(r, public) for r, public in shown if public or _sees_withdrawn(actor, r, subject)]
    orgs = regions.organisations_by_id(session, ids={r.source_organisation_id for r, _ in shown})
    return [
        _record_out(
            r,
            source=regions.name(orgs[r.source_organisation_id], lang)
            if r.source_organisation_id in orgs
            else str(r.source_organisation_id),
            public=public,
        )
        for r, public in shown
    ]


def list_status(records: Sequence[PublicRecordOut]) -> ListStatusOut:
    """Black when a black-list entry is public, else red when a red-list one is; the measures
    of the public entries (and of court enforcement records), each once."""
    live = [r for r in records if not r.withdrawn]
    black = [r for r in live if r.kind == RecordKind.BLACK_LIST]
    red = [r for r in live if r.kind == RecordKind.RED_LIST]
    measures: dict[str, MeasureOut] = {}
    for r in live:
        for m in r.measures:
            measures.setdefault(m.code, m)
    status = "black" if black else "red" if red else "none"
    return ListStatusOut(
        status=status,
        black_entries=len(black),
        red_entries=len(red),
        measures=list(measures.values()),
    )


def self_declarations(
    session: Session, *, subject_id: int, day: dt.date
) -> list[SelfDeclarationOut]:
    """Facts the subject declared about itself, published by ``day`` and not withdrawn then."""
    rows = session.scalars(
        select(CreditSelfDeclaration)
        .where(CreditSelfDeclaration.subject_id == subject_id)
        .order_by(CreditSelfDeclaration.declared_at.desc(), CreditSelfDeclaration.id.desc())
    )
    return [
        SelfDeclarationOut(
            kind=d.kind, title=d.title, content=d.content, declared_on=china_date(d.declared_at)
        )
        for d in rows
        if china_date(d.declared_at) <= day
        and (d.withdrawn_at is None or china_date(d.withdrawn_at) > day)
    ]


def subject_page(
    session: Session,
    *,
    actor: Actor | None,
    uscc: str,
    as_of: dt.date | None = None,
    lang: str = "zh_CN",
) -> PublicSubjectOut:
    """A subject's page in the window (404 naming the code when unknown)."""
    day = checked_day(as_of, loc=["query", "as_of"])
    subject = subjects.get_subject(session, uscc=uscc)
    records = visible_records(session, actor=actor, subject=subject, day=day, lang=lang)
    staff = policy.is_agency_staff(actor)
    return PublicSubjectOut(
        uscc=subject.uscc,
        name=subject.name,
        name_en=subject.name_en,
        kind=subject.kind,
        registration_authority=subject.registration_authority,
        category=subject.category,
        region_code=subject.region_code,
        jurisdiction_code=subject.jurisdiction_code,
        registered_on=subject.registered_on,
        former_names=subjects.former_names(session, subject_id=subject.id),
        as_of=day,
        list_status=list_status(records),
        records=records,
        self_declarations=self_declarations(session, subject_id=subject.id, day=day),
        risk_class=subject.risk_class if staff else None,
        staff_view=staff,
    )
