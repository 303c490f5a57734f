"""Self-declarations (信用自我声明): facts a subject publishes about itself (qualifications,
honours), always marked *self-declared* (unverified by any agency) wherever they are shown.
A declaration is withdrawn by whoever declared it while signed in, or by the administrators of
the subject's jurisdiction (``policy.may_withdraw_declaration``); withdrawn ones leave public
view. Every step is audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import CreditSelfDeclaration, CreditSubject
from jingjinji.credit.schemas.services import DeclarationIn, DeclarationOut
from jingjinji.credit.service.forms import FormLimiter, admit_public_form
from jingjinji.credit.service.subjects import find_subject
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, deny

DECLARE = "credit.declaration.create"
WITHDRAW = "credit.declaration.withdraw"


def declare(
    session: Session,
    *,
    actor: Actor | None,
    data: DeclarationIn,
    address: str = "unknown",
    limiter: FormLimiter | None = None,
) -> CreditSelfDeclaration:
    """Publish a self-declaration of a registered subject."""
    admit_public_form(
        session,
        actor=actor,
        limiter=limiter,
        address=address,
        action=DECLARE,
        object_type="credit_declaration",
    )
    subject = find_subject(session, uscc=data.uscc)
    if subject is None:
        reason = msg("no credit subject with code {uscc}", uscc=repr(data.uscc))
        raise audit.audited_refusal(
            session,
            InvalidInput(reason, errors=[field_error(["body", "uscc"], reason)]),
            actor=actor,
            action=DECLARE,
            object_type="credit_declaration",
            outcome="invalid",
            detail={"uscc": data.uscc[:40]},
        )
    declaration = CreditSelfDeclaration(
        subject_id=subject.id,
        kind=data.kind,
        title=data.title.strip(),
        content=(data.content or "").strip() or None,
        declared_by_name=data.declared_by_name.strip(),
        declared_by_user_id=actor.user_id if actor else None,
        declared_at=utcnow(),
    )
    session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=DECLARE,
        object_type="credit_declaration",
        object_id=declaration.id,
        jurisdiction_code=subject.jurisdiction_code,
        detail={"uscc": subject.uscc, "kind": declaration.kind, "title": declaration.title},
    )
    return declaration


def withdraw_declaration(
    session: Session, *, actor: Actor | None, declaration_id: int
) -> CreditSelfDeclaration:
    declaration = session.get(CreditSelfDeclaration, declaration_id)
    subject = session.get(CreditSubject, declaration.subject_id) if declaration else None
    if declaration is None or subject is None:
        raise audit.audited_refusal(
            session,
            NotFound(msg("no self-declaration {declaration_id}", declaration_id=declaration_id)),
            actor=actor,
            action=WITHDRAW,
            object_type="credit_declaration",
            object_id=declaration_id,
            outcome="not_found",
        )
    jurisdiction = subject.jurisdiction_code
    if not policy.may_withdraw_declaration(
        actor,
        declared_by_user_id=declaration.declared_by_user_id,
        subject_jurisdiction_code=jurisdiction,
    ):
        raise deny(
            session,
            actor,
            action=WITHDRAW,
            object_type="credit_declaration",
            object_id=str(declaration_id),
            jurisdiction_code=jurisdiction,
            reason=msg(
                "a self-declaration is withdrawn by whoever declared it, signed in, or by the "
                "administrators of the subject's jurisdiction"
            ),
        )
    if declaration.withdrawn_at is not None:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "self-declaration {declaration_id} is already withdrawn",
                    declaration_id=declaration_id,
                )
            ),
            actor=actor,
            action=WITHDRAW,
            object_type="credit_declaration",
            object_id=declaration_id,
            jurisdiction_code=jurisdiction,
        )
    declaration.withdrawn_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=WITHDRAW,
        object_type="credit_declaration",
        object_id=declaration.id,
        jurisdiction_code=jurisdiction,
        detail={"uscc": subject.uscc},
    )
    return declaration


def declarations_of(
    session: Session, *, subject_id: int, include_withdrawn: bool = False
) -> list[CreditSelfDeclaration]:
    """A subject's self-declarations, newest first (public: those not withdrawn)."""
    stmt = select(CreditSelfDeclaration).where(CreditSelfDeclaration.subject_id == subject_id)
    if not include_withdrawn:
        stmt = stmt.where(CreditSelfDeclaration.withdrawn_at.is_(None))
    return list(session.scalars(stmt.order_by(CreditSelfDeclaration.id.desc())))


def declaration_outs(
    session: Session, *, declarations: Sequence[CreditSelfDeclaration]
) -> list[DeclarationOut]:
    subjects = {
        s.id: s
        for s in session.scalars(
            select(CreditSubject).where(CreditSubject.id.in_({d.subject_id for d in declarations}))
        )
    }
    return [
        DeclarationOut(
            id=d.id,
            subject_uscc=subjects[d.subject_id].uscc,
            subject_name=subjects[d.subject_id].name,
            kind=d.kind,
            title=d.title,
            content=d.content,
            declared_by_name=d.declared_by_name,
            declared_at=d.declared_at,
            withdrawn_at=d.withdrawn_at,
        )
        for d in declarations
    ]
