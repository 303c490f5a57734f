"""Credit commitments (信用承诺).

A subject's representative signs a commitment online (a public form: the subject's code, the
representative's name, the purpose, what is promised, the agency it is made to and by when). The
agency marks it kept or broken; a broken commitment becomes a ``broken_commitment`` record of
that agency (through the records service, so it is published like any record: pending until the
agency publishes it), and the subject's risk class is recomputed. Every step is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import (
    CommitmentStatus,
    CreditCommitment,
    CreditSubject,
    RecordKind,
)
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.schemas.services import CommitmentIn, CommitmentOut, CommitmentOutcomeIn
from jingjinji.credit.service.forms import FormLimiter, admit_public_form
from jingjinji.credit.service.records import create_record
from jingjinji.credit.service.scoring import recompute_subject
from jingjinji.credit.service.subjects import find_subject
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, deny, require_actor
from jingjinji.timezone import china_today

SIGN = "credit.commitment.sign"
DECIDE = "credit.commitment.decide"
#: The legal basis written on the record of a broken commitment.
BROKEN_BASIS = (
    "Guiding opinions on credit commitments (NDRC); the commitment signed on the platform"
)


def sign_commitment(
    session: Session,
    *,
    actor: Actor | None,
    data: CommitmentIn,
    address: str = "unknown",
    limiter: FormLimiter | None = None,
) -> CreditCommitment:
    """Store a signed commitment (the subject must be registered, the agency known, the due
    date not past)."""
    admit_public_form(
        session,
        actor=actor,
        limiter=limiter,
        address=address,
        action=SIGN,
        object_type="credit_commitment",
    )
    subject = find_subject(session, uscc=data.uscc)
    org = regions.get_organisation_or_none(session, organisation_id=data.organisation_id)
    errors = []
    if subject is None:
        errors.append(
            field_error(
                ["body", "uscc"], msg("no credit subject with code {uscc}", uscc=repr(data.uscc))
            )
        )
    if org is None:
        errors.append(
            field_error(
                ["body", "organisation_id"],
                msg("no agency with id {organisation_id}", organisation_id=data.organisation_id),
            )
        )
    if data.due_date is not None and data.due_date < china_today():
        errors.append(field_error(["body", "due_date"], msg("the due date is in the past")))
    if errors or subject is None or org is None:
        raise audit.audited_refusal(
            session,
            InvalidInput(msg("the commitment cannot be signed as given"), errors=errors),
            actor=actor,
            action=SIGN,
            object_type="credit_commitment",
            outcome="invalid",
            detail={"uscc": data.uscc[:40], "errors": [e["msg"] for e in errors]},
        )
    commitment = CreditCommitment(
        subject_id=subject.id,
        organisation_id=org.id,
        purpose=data.purpose.strip(),
        content=data.content.strip(),
        representative_name=data.representative_name.strip(),
        signed_at=utcnow(),
        due_date=data.due_date,
        status=CommitmentStatus.ACTIVE,
        signed_by_user_id=actor.user_id if actor else None,
    )
    session.add(commitment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=SIGN,
        object_type="credit_commitment",
        object_id=commitment.id,
        jurisdiction_code=org.jurisdiction_code,
        detail={
            "uscc": subject.uscc,
            "organisation_id": org.id,
            "purpose": commitment.purpose,
            "representative_name": commitment.representative_name,
        },
    )
    return commitment


def decide_commitment(
    session: Session, *, actor: Actor | None, commitment_id: int, data: CommitmentOutcomeIn
) -> CreditCommitment:
    """The agency marks an active commitment kept or broken (broken: a new record)."""
    commitment = session.get(CreditCommitment, commitment_id)
    org = (
        regions.get_organisation_or_none(session, organisation_id=commitment.organisation_id)
        if commitment
        else None
    )
    subject = session.get(CreditSubject, commitment.subject_id) if commitment else None
    if commitment is None or org is None or subject is None:
        raise audit.audited_refusal(
            session,
            NotFound(msg("no commitment {commitment_id}", commitment_id=commitment_id)),
            actor=actor,
            action=DECIDE,
            object_type="credit_commitment",
            object_id=commitment_id,
            outcome="not_found",
        )
    jurisdiction = org.jurisdiction_code
    if not policy.may_write_record(
        actor, source_organisation_id=org.id, jurisdiction_code=jurisdiction
    ):
        raise deny(
            session,
            actor,
            action=DECIDE,
            object_type="credit_commitment",
            object_id=str(commitment_id),
            jurisdiction_code=jurisdiction,
            reason=msg("a commitment is judged by the agency it was made to"),
        )
    if commitment.status != CommitmentStatus.ACTIVE:
        status = commitment.status
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "commitment {commitment_id} is already {status}",
                    commitment_id=commitment_id,
                    status=status,
                )
            ),
            actor=actor,
            action=DECIDE,
            object_type="credit_commitment",
            object_id=commitment_id,
            jurisdiction_code=jurisdiction,
        )
    record_id: int | None = None
    if data.outcome == "broken":
        record = create_record(
            session,
            actor=actor,
            data=RecordIn(
                kind=RecordKind.BROKEN_COMMITMENT,
                uscc=subject.uscc,
                source_organisation_id=org.id,
                document_number=f"COMMITMENT-{commitment.id}",
                title=f"未履行信用承诺：{commitment.purpose}"[:300],
                legal_basis=BROKEN_BASIS,
                facts=(data.note.strip() or None),
                content=commitment.content[:4000],
                decision_date=china_today(),
            ),
        )
        record_id = record.id
        commitment.broken_record_id = record.id
    commitment.status = data.outcome
    commitment.status_changed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=DECIDE,
        object_type="credit_commitment",
        object_id=commitment.id,
        jurisdiction_code=jurisdiction,
        detail={"outcome": data.outcome, "record_id": record_id, "note": data.note.strip()},
    )
    recompute_subject(session, subject_id=subject.id)
    return commitment


def list_commitments(
    session: Session,
    *,
    actor: Actor | None,
    subject_id: int | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[CreditCommitment]:
    """Commitments of a subject (anyone: commitments are public), or, without a subject, those
    made to the actor's agency (the office and province administrators: all of theirs)."""
    stmt = select(CreditCommitment)
    if subject_id is not None:
        stmt = stmt.where(CreditCommitment.subject_id == subject_id)
    else:
        who = require_actor(actor)
        if not policy.is_agency_staff(who):
            raise deny(
                session,
                who,
                action="credit.commitment.list",
                object_type="credit_commitment",
                object_id=None,
                jurisdiction_code=None,
                reason=msg("the commitment desk is for agencies"),
            )
        if not who.is_office_admin:
            if who.organisation_id is not None:
                stmt = stmt.where(CreditCommitment.organisation_id == who.organisation_id)
            else:
                orgs = regions.list_organisations(session, jurisdiction_code=who.province_code)
                stmt = stmt.where(CreditCommitment.organisation_id.in_([o.id for o in orgs]))
    if status:
        stmt = stmt.where(CreditCommitment.status == status)
    return paginate(
        session, stmt, CreditCommitment.id, cursor=cursor, limit=min(max(limit, 1), 200)
    )


def commitment_outs(
    session: Session, *, actor: Actor | None, commitments: Sequence[CreditCommitment]
) -> list[CommitmentOut]:
    subjects = {
        s.id: s
        for s in session.scalars(
            select(CreditSubject).where(CreditSubject.id.in_({c.subject_id for c in commitments}))
        )
    }
    orgs = regions.organisations_by_id(session, ids={c.organisation_id for c in commitments})
    out: list[CommitmentOut] = []
    for c in commitments:
        org = orgs.get(c.organisation_id)
        subject = subjects[c.subject_id]
        out.append(
            CommitmentOut(
                id=c.id,
                subject_uscc=subject.uscc,
                subject_name=subject.name,
                organisation_id=c.organisation_id,
                organisation=org.name_en if org else "",
                purpose=c.purpose,
                content=c.content,
                representative_name=c.representative_name,
                signed_at=c.signed_at,
                due_date=c.due_date,
                status=c.status,
                status_changed_at=c.status_changed_at,
                broken_record_id=c.broken_record_id,
                may_decide=c.status == CommitmentStatus.ACTIVE
                and org is not None
                and policy.may_write_record(
                    actor, source_organisation_id=org.id, jurisdiction_code=org.jurisdiction_code
                ),
            )
        )
    return out
