"""Agreements: the signed cooperation agreements that commitments come from (written by the
coordination office)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, NotFound
from jingjinji.i18n import msg
from jingjinji.progress.models import Agreement
from jingjinji.progress.schemas import AgreementIn
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_role


def create_agreement(session: Session, *, actor: Actor | None, data: AgreementIn) -> Agreement:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="progress.agreement.create",
        object_type="agreement",
        object_id=data.code,
    )
    for i, code in enumerate(data.parties):
        regions.jurisdiction_or_invalid(session, code=code, loc=["body", "parties", i])
    if session.scalar(select(Agreement.id).where(Agreement.code == data.code)):
        raise Conflict(msg("an agreement with code {code} exists already", code=repr(data.code)))
    row = Agreement(
        code=data.code,
        title_zh=data.title_zh,
        title_en=data.title_en,
        parties=list(data.parties),
        signed_on=data.signed_on,
        source_document=data.source_document,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.agreement.create",
        object_type="agreement",
        object_id=row.code,
        detail={"parties": row.parties, "title_en": row.title_en},
    )
    return row


def list_agreements(session: Session) -> list[Agreement]:
    return list(session.scalars(select(Agreement).order_by(Agreement.id)))


def get_agreement(session: Session, *, code: str) -> Agreement:
    row = session.scalar(select(Agreement).where(Agreement.code == code))
    if row is None:
        raise NotFound(msg("no agreement {code}", code=repr(code)))
    return row
