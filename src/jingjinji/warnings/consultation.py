"""The regional consultation: each consulted jurisdiction's environment agency answers once,
before the deadline: agree, or propose another level with a reason.

The agency is a steward of the province's organisation of kind ``environment``. Silence counts
as no objection once the deadline has passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, deny, require_actor
from jingjinji.warnings.criteria import check_level, get_criteria
from jingjinji.warnings.events import record_event
from jingjinji.warnings.models import ConsultationAnswer, PollutionWarning
from jingjinji.warnings.queries import get_warning


@dataclass(frozen=True)
class ConsultationState:
    """Where a warning's consultation stands: the answers by jurisdiction, who is silent, and
    whether the office may issue (every jurisdiction answered, or the deadline passed)."""

    answers: dict[str, ConsultationAnswer]
    missing: list[str]
    deadline_passed: bool
    can_issue: bool


def consulted_jurisdictions(session: Session) -> list[str]:
    """The regional consultation asks every provincial-level jurisdiction of the region."""
    return [j.code for j in regions.provinces(session)]


def agency_jurisdiction(session: Session, actor: Actor, warning: PollutionWarning) -> str | None:
    """The consulted jurisdiction whose environment agency ``actor`` answers for, if any."""
    if actor.role is not Role.STEWARD or actor.organisation_id is None:
        return None
    for code in warning.jurisdictions:
        org = regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        if org is not None and org.id == actor.organisation_id:
            return code
    return None


def answers_of(session: Session, *, warning_id: int) -> list[ConsultationAnswer]:
    return list(
        session.scalars(
            select(ConsultationAnswer)
            .where(ConsultationAnswer.warning_id == warning_id)
            .order_by(ConsultationAnswer.id)
        )
    )


def consultation_state(
    session: Session, warning: PollutionWarning, *, now: dt.datetime | None = None
) -> ConsultationState:
    now = now or utcnow()
    answered = {a.jurisdiction_code: a for a in answers_of(session, warning_id=warning.id)}
    missing = [j for j in warning.jurisdictions if j not in answered]
    deadline_passed = warning.deadline is not None and now > warning.deadline
    return ConsultationState(
        answers=answered,
        missing=missing,
        deadline_passed=deadline_passed,
        can_issue=warning.status == "consultation" and (not missing or deadline_passed),
    )


def answer(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    agree: bool,
    proposed_level: str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ConsultationAnswer:
    """A jurisdiction's environment agency answers the consultation (once, before the
    deadline)."""
    actor = require_actor(actor)
    warning = get_warning(session, warning_id=warning_id)
    jurisdiction = agency_jurisdiction(session, actor, warning)
    if jurisdiction is None:
        raise deny(
            session,
            actor,
            action="warning.answer",
            object_type="warning",
            object_id=str(warning_id),
            jurisdiction_code=actor.jurisdiction_code,
            reason=msg(
                "{username} is not a steward of the environment agency of a consulted "
                "jurisdiction ({jurisdictions})",
                username=repr(actor.username),
                jurisdictions=", ".join(warning.jurisdictions),
            ),
        )
    now = now or utcnow()
    refusal = _why_no_answer(session, warning, jurisdiction, now)
    if refusal is not None:
        raise audit.audited_refusal(
            session,
            Conflict(refusal),
            actor=actor,
            action="warning.answer",
            object_type="warning",
            object_id=warning.id,
        )
    if agree:
        proposed_level = None
    else:
        _check_counter_proposal(session, warning, proposed_level, reason)
    org = regions.find_organisation(session, jurisdiction_code=jurisdiction, kind="environment")
    assert org is not None
    row = ConsultationAnswer(
        warning_id=warning.id,
        jurisdiction_code=jurisdiction,
        organisation_id=org.id,
        answered_by=actor.username,
        answer="agree" if agree else "propose",
        proposed_level=proposed_level,
        reason=reason.strip(),
        answered_at=now,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        warning,
        event_type="answered",
        from_status=warning.status,
        actor=actor,
        detail={
            "jurisdiction": jurisdiction,
            "answer": row.answer,
            "proposed_level": proposed_level,
            "reason": row.reason,
        },
    )
    return row


def _why_no_answer(
    session: Session, warning: PollutionWarning, jurisdiction: str, now: dt.datetime
) -> str | None:
    """Why the agency of ``jurisdiction`` may not answer now (None: it may)."""
    if warning.status != "consultation":
        return f"warning {warning.id} is {warning.status}, not in consultation"
    if warning.deadline is not None and now > warning.deadline:
        return f"the consultation closed at {warning.deadline.isoformat()}"
    answered = session.scalar(
        select(ConsultationAnswer.id).where(
            ConsultationAnswer.warning_id == warning.id,
            ConsultationAnswer.jurisdiction_code == jurisdiction,
        )
    )
    if answered is not None:
        return f"jurisdiction {jurisdiction} has answered already"
    return None


def _check_counter_proposal(
    session: Session, warning: PollutionWarning, proposed_level: str | None, reason: str
) -> None:
    """A counter-proposal names another level of the warning's criteria, and a reason."""
    criteria = get_criteria(session, code=warning.criteria_code, version=warning.criteria_version)
    if not proposed_level:
        raise InvalidInput(
            msg("proposing another level needs the level"),
            errors=[field_error(["body", "proposed_level"], msg("required"))],
        )
    check_level(criteria, proposed_level, ["body", "proposed_level"])
    if proposed_level == warning.level:
        raise InvalidInput(
            msg("that is the proposed level: answer agree instead"),
            errors=[field_error(["body", "proposed_level"], msg("same as the proposed level"))],
        )
    if not reason.strip():
        raise InvalidInput(
            msg("proposing another level needs a reason"),
            errors=[field_error(["body", "reason"], msg("required"))],
        )
