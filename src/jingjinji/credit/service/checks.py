"""The joint check (``GET /api/v1/credit/check``): what other systems ask before a decision
(procurement, licensing, subsidies, inspections...).

Agencies of any jurisdiction may ask (``policy.may_run_joint_check``); the public is refused on
the record. The answer is the subject's red/black list entries in force from all three
jurisdictions (read at the moment of the check, so an entry written a moment ago by another
province's agency is in it), the measures of those entries that apply to the purpose, and the
subject's risk class with its supervision frequency. Every check is on the audit record
(``credit.check``: who, which organisation, why, which code, the answer's summary).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import CreditRecord, CreditSubject, RecordKind, RecordStatus
from jingjinji.credit.schemas.services import CheckOut, ListEntryOut, MeasureOut
from jingjinji.credit.service import measures as measures_service
from jingjinji.credit.service.scoring import supervision_frequency
from jingjinji.credit.service.subjects import find_subject, normalise_uscc
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, deny
from jingjinji.timezone import china_today

ACTION = "credit.check"
LIST_KINDS = (RecordKind.RED_LIST, RecordKind.BLACK_LIST, RecordKind.COURT_ENFORCEMENT)
BLACK_KINDS = (RecordKind.BLACK_LIST, RecordKind.COURT_ENFORCEMENT)


def entries_in_force(session: Session, *, subject_id: int) -> list[CreditRecord]:
    """The subject's published list entries (and court enforcement records) in force today."""
    today = china_today()
    rows = session.scalars(
        select(CreditRecord)
        .where(
            CreditRecord.subject_id == subject_id,
            CreditRecord.kind.in_([k.value for k in LIST_KINDS]),
            CreditRecord.status == RecordStatus.PUBLISHED,
        )
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    ).all()
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


def _refuse_input(
    session: Session, actor: Actor | None, *, loc: str, reason: str, uscc: str, purpose: str
) -> InvalidInput:
    return audit.audited_refusal(
        session,
        InvalidInput(reason, errors=[field_error(["query", loc], reason)]),
        actor=actor,
        action=ACTION,
        object_type="credit_subject",
        object_id=uscc[:40],
        detail={"purpose": purpose[:40]},
    )


def joint_check(session: Session, *, actor: Actor | None, uscc: str, purpose: str) -> CheckOut:
    """Answer and record one joint check."""
    code = normalise_uscc(uscc)
    if not policy.may_run_joint_check(actor):
        raise deny(
            session,
            actor,
            action=ACTION,
            object_type="credit_subject",
            object_id=code[:40],
            jurisdiction_code=None,
            reason=msg("the joint check is for agencies of Beijing, Tianjin and Hebei"),
            detail={"purpose": purpose[:40]},
        )
    purposes = measures_service.purposes()
    if purpose not in purposes:
        known = ", ".join(sorted(purposes))
        raise _refuse_input(
            session,
            actor,
            loc="purpose",
            reason=msg(
                "unknown purpose {purpose}; one of: {known}", purpose=repr(purpose), known=known
            ),
            uscc=code,
            purpose=purpose,
        )
    subject = find_subject(session, uscc=code)
    if subject is None:
        raise audit.audited_refusal(
            session,
            NotFound(msg("no credit subject with code {code}", code=repr(code))),
            actor=actor,
            action=ACTION,
            object_type="credit_subject",
            object_id=code[:40],
            outcome="not_found",
            detail={"purpose": purpose},
        )
    return _answer(session, actor=actor, subject=subject, purpose=purpose)


def _answer(
    session: Session, *, actor: Actor | None, subject: CreditSubject, purpose: str
) -> CheckOut:
    entries = entries_in_force(session, subject_id=subject.id)
    orgs = regions.organisations_by_id(session, ids={e.source_organisation_id for e in entries})
    applicable: dict[str, measures_service.Measure] = {}
    entry_out: list[ListEntryOut] = []
    for entry in entries:
        carried = measures_service.measures_of_record(entry.kind, entry.measures or [])
        for m in carried:
            if m.applies_to(purpose):
                applicable.setdefault(m.code, m)
        org = orgs.get(entry.source_organisation_id)
        entry_out.append(
            ListEntryOut(
                record_id=entry.id,
                kind=entry.kind,
                title=entry.title,
                document_number=entry.document_number,
                decision_date=entry.decision_date,
                source_organisation_id=entry.source_organisation_id,
                source_organisation=org.name_en if org else "",
                source_organisation_zh=org.name_zh if org else "",
                jurisdiction_code=entry.jurisdiction_code,
                under_objection=entry.under_objection,
                measures=[m.code for m in carried],
            )
        )
    ordered = [m for m in measures_service.all_measures() if m.code in applicable]
    info = measures_service.purposes()[purpose]
    answer = CheckOut(
        uscc=subject.uscc,
        name=subject.name,
        jurisdiction_code=subject.jurisdiction_code,
        purpose=purpose,
        purpose_name_en=info.name_en,
        purpose_name_zh=info.name_zh,
        black_listed=any(e.kind in BLACK_KINDS for e in entries),
        red_listed=any(e.kind == RecordKind.RED_LIST for e in entries),
        entries=entry_out,
        measures=[
            MeasureOut(
                code=m.code,
                kind=m.kind,
                name_zh=m.name_zh,
                name_en=m.name_en,
                purposes=list(m.purposes),
            )
            for m in ordered
        ],
        restricted=any(m.kind == "black" for m in ordered),
        risk_class=subject.risk_class,
        risk_score=subject.risk_score,
        supervision_frequency=supervision_frequency(subject.risk_class),
        checked_at=utcnow(),
    )
    audit.record(
        session,
        actor=actor,
        action=ACTION,
        object_type="credit_subject",
        object_id=subject.uscc,
        jurisdiction_code=subject.jurisdiction_code,
        detail={
            "purpose": purpose,
            "organisation_id": actor.organisation_id if actor else None,
            "black_listed": answer.black_listed,
            "red_listed": answer.red_listed,
            "entries": [e.record_id for e in entry_out],
            "measures": [m.code for m in answer.measures],
            "risk_class": answer.risk_class,
        },
    )
    return answer
