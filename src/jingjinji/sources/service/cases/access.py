"""Finding a case the actor may see (outsiders get the same audited 404 as for a missing one),
the refusals of writes (audited 403) and the timeline steps."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import DomainError, NotFound
from jingjinji.i18n import msg
from jingjinji.security import Actor, deny, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import Case, CaseJurisdiction, CaseStep
from jingjinji.sources.service.registry import is_environment_agency

OBJECT_TYPE = "source_case"
ErrorT = TypeVar("ErrorT", bound=DomainError)


def involvements(session: Session, case_id: int) -> list[CaseJurisdiction]:
    return list(
        session.scalars(
            select(CaseJurisdiction)
            .where(CaseJurisdiction.case_id == case_id)
            .order_by(CaseJurisdiction.jurisdiction_code)
        )
    )


def visible_case(
    session: Session, *, actor: Actor | None, case_id: int, action: str
) -> tuple[Actor, Case, list[CaseJurisdiction]]:
    """The case, its involved jurisdictions and the (signed-in) actor; a 404 for anyone who
    may not read it."""
    actor = require_actor(actor)
    case = session.get(Case, case_id) if is_db_id(case_id) else None
    if case is None:
        raise NotFound(msg("no enforcement case {case_id}", case_id=case_id))
    involved = involvements(session, case.id)
    if not policy.may_read_case(actor, involved=[i.jurisdiction_code for i in involved]):
        raise audit.audited_refusal(
            session,
            NotFound(msg("no enforcement case {case_id}", case_id=case_id)),
            actor=actor,
            action=action,
            object_type=OBJECT_TYPE,
            object_id=case_id,
            outcome="denied",
        )
    return actor, case, involved


def refuse(session: Session, actor: Actor, case: Case, action: str, reason: str) -> DomainError:
    """The audited 403 of a write the actor may not do on this case."""
    return deny(
        session,
        actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(case.id),
        jurisdiction_code=case.lead_jurisdiction_code,
        reason=reason,
    )


def refuse_as(session: Session, actor: Actor, case: Case, action: str, error: ErrorT) -> ErrorT:
    """Any other audited refusal (409, 422) of a write on this case."""
    return audit.audited_refusal(
        session,
        error,
        actor=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=case.id,
        jurisdiction_code=case.lead_jurisdiction_code,
    )


def add_step(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    action: str,
    jurisdiction_code: str | None = None,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseStep:
    """One timeline step, audited in the same transaction."""
    step = CaseStep(
        case_id=case.id,
        at=utcnow(),
        actor_username=actor.username,
        jurisdiction_code=jurisdiction_code,
        action=action,
        text=text,
        detail=detail or {},
    )
    session.add(step)
    audit.record(
        session,
        actor=actor,
        action=f"sources.case.{action}",
        object_type=OBJECT_TYPE,
        object_id=case.id,
        jurisdiction_code=jurisdiction_code or case.lead_jurisdiction_code,
        detail={"text": text, **(detail or {})} if text else detail,
    )
    return step


def acts_for_lead(session: Session, actor: Actor, case: Case) -> bool:
    """The office, or who acts for the lead jurisdiction (its administrator, its environment
    agency's stewards)."""
    return policy.acts_for_jurisdiction(
        actor,
        jurisdiction_code=case.lead_jurisdiction_code,
        environment_agency=is_environment_agency(session, actor),
    )
