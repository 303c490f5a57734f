"""The office's steps of a warning's lifecycle: propose, open the consultation, issue, change
the level, lift, withdraw (see :mod:`jingjinji.warnings.states` for the diagram).

Each step checks the actor's role (an audited 403), then the warning's status: a step that
skips or repeats one is an audited 409 and changes nothing. The office issues when every
consulted jurisdiction has answered or the deadline has passed; the response measures of the
issued level are copied into the warning (snapshot) at issue time and at each level change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_role
from jingjinji.warnings import notices, policy
from jingjinji.warnings.consultation import consultation_state, consulted_jurisdictions
from jingjinji.warnings.criteria import check_level, criteria_code_for, get_criteria
from jingjinji.warnings.events import record_event
from jingjinji.warnings.measures import measures_snapshot
from jingjinji.warnings.models import PollutionWarning
from jingjinji.warnings.queries import get_warning
from jingjinji.warnings.states import TRANSITIONS

DEFAULT_CONSULTATION_HOURS = 24


def _refuse_transition(
    session: Session, actor: Actor, warning: PollutionWarning, step: str
) -> Conflict:
    allowed_from, _ = TRANSITIONS[step]
    reason = msg(
        "warning {warning_id} is {status}: {step} needs it to be {allowed}",
        warning_id=warning.id,
        status=warning.status,
        step=step.replace("_", " "),
        allowed=" or ".join(allowed_from),
    )
    return audit.audited_refusal(
        session,
        Conflict(reason),
        actor=actor,
        action=f"warning.{step}",
        object_type="warning",
        object_id=warning.id,
        detail={"status": warning.status},
    )


def _office_step(
    session: Session, actor: Actor | None, warning_id: int, step: str
) -> tuple[Actor, PollutionWarning]:
    actor = ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action=f"warning.{step}",
        object_type="warning",
        object_id=str(warning_id),
    )
    warning = get_warning(session, warning_id=warning_id)
    if warning.status not in TRANSITIONS[step][0]:
        raise _refuse_transition(session, actor, warning, step)
    return actor, warning


def propose(
    session: Session,
    *,
    actor: Actor | None,
    cities: Sequence[str],
    level: str,
    start: dt.date,
    end: dt.date,
    max_aqi: float,
    criteria_code: str | None = None,
    basis: str = "forecast",
    evidence: dict[str, Any] | None = None,
) -> PollutionWarning:
    """Propose a regional warning (the system's daily job or the office)."""
    actor = ensure_role(
        session, actor, policy.OFFICE_ROLE, action="warning.propose", object_type="warning"
    )
    if not cities:
        raise InvalidInput(
            msg("a warning names at least one city"),
            errors=[field_error(["body", "cities"], msg("empty"))],
        )
    for city in cities:
        regions.jurisdiction_or_invalid(session, code=city, loc=["body", "cities"])
    code = criteria_code or criteria_code_for(session, jurisdiction_code=cities[0], on=start)
    criteria = get_criteria(session, code=code)
    check_level(criteria, level, ["body", "level"])
    if end < start:
        raise InvalidInput(
            msg("the warning ends before it starts"),
            errors=[field_error(["body", "end_date"], msg("before start_date"))],
        )
    warning = PollutionWarning(
        status="proposed",
        level=level,
        proposed_level=level,
        criteria_code=criteria.code,
        criteria_version=criteria.version,
        cities=sorted(set(cities)),
        jurisdictions=consulted_jurisdictions(session),
        start_date=start,
        end_date=end,
        max_aqi=float(max_aqi),
        basis=basis,
        evidence=evidence or {},
        proposed_by=actor.username,
        created_at=utcnow(),
    )
    session.add(warning)
    session.flush()
    record_event(
        session,
        warning,
        event_type="proposed",
        from_status=None,
        actor=actor,
        detail={"basis": basis},
    )
    return warning


def _consultation_deadline(deadline: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The deadline in UTC, or a 422: it needs a time zone and must lie in the future."""
    if deadline.tzinfo is None:
        raise InvalidInput(
            msg("the deadline needs a time zone"),
            errors=[field_error(["body", "deadline"], msg("naive datetime"))],
        )
    try:
        deadline = deadline.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:00-12:00 is no instant in UTC
        raise InvalidInput(
            msg("the deadline is out of range"),
            errors=[field_error(["body", "deadline"], msg("not a representable time"))],
        ) from None
    if deadline <= now:
        raise InvalidInput(
            msg("the deadline must lie in the future"),
            errors=[field_error(["body", "deadline"], msg("not in the future"))],
        )
    return deadline


def open_consultation(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    deadline: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "open_consultation")
    now = now or utcnow()
    deadline = _consultation_deadline(
        deadline or now + dt.timedelta(hours=DEFAULT_CONSULTATION_HOURS), now
    )
    warning.status = "consultation"
    warning.deadline = deadline
    record_event(
        session,
        warning,
        event_type="consultation_opened",
        from_status="proposed",
        actor=actor,
        detail={"deadline": deadline.isoformat()},
    )
    notices.consultation_opened(session, actor=actor, warning=warning)
    return warning


def issue(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    level: str | None = None,
    now: dt.datetime | None = None,
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "issue")
    state = consultation_state(session, warning, now=now)
    if not state.can_issue:
        reason = (
            f"waiting for {', '.join(state.missing)} until "
            f"{warning.deadline.isoformat() if warning.deadline else '-'}"
        )
        raise audit.audited_refusal(
            session,
            Conflict(msg("the consultation is still open: {reason}", reason=reason)),
            actor=actor,
            action="warning.issue",
            object_type="warning",
            object_id=warning.id,
            detail={"reason": reason},
        )
    criteria = get_criteria(session, code=warning.criteria_code, version=warning.criteria_version)
    if level is not None:
        check_level(criteria, level, ["body", "level"])
        warning.level = level
    warning.status = "issued"
    warning.issued_at = now or utcnow()
    warning.measures = measures_snapshot(
        session, jurisdictions=warning.jurisdictions, level=warning.level
    )
    record_event(
        session,
        warning,
        event_type="issued",
        from_status="consultation",
        actor=actor,
        detail={"silent": state.missing, "proposed_level": warning.proposed_level},
    )
    return warning


def change_level(
    session: Session, *, actor: Actor | None, warning_id: int, level: str, reason: str = ""
) -> PollutionWarning:
    """Upgrade or downgrade an issued warning (office); the measures snapshot follows."""
    actor = ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="warning.change_level",
        object_type="warning",
        object_id=str(warning_id),
    )
    warning = get_warning(session, warning_id=warning_id)
    criteria = get_criteria(session, code=warning.criteria_code, version=warning.criteria_version)
    check_level(criteria, level, ["body", "level"])
    if criteria.rank_of(level) == criteria.rank_of(warning.level):
        raise InvalidInput(
            msg("the warning is {level} already", level=level),
            errors=[field_error(["body", "level"], msg("unchanged"))],
        )
    step = "upgrade" if criteria.rank_of(level) > criteria.rank_of(warning.level) else "downgrade"
    if warning.status not in TRANSITIONS[step][0]:
        raise _refuse_transition(session, actor, warning, step)
    previous = warning.level
    warning.level = level
    warning.measures = measures_snapshot(session, jurisdictions=warning.jurisdictions, level=level)
    record_event(
        session,
        warning,
        event_type=f"{step}d",
        from_status="issued",
        actor=actor,
        detail={"from_level": previous, "reason": reason},
    )
    return warning


def lift(
    session: Session, *, actor: Actor | None, warning_id: int, reason: str = ""
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "lift")
    warning.status = "lifted"
    warning.lifted_at = utcnow()
    record_event(
        session,
        warning,
        event_type="lifted",
        from_status="issued",
        actor=actor,
        detail={"reason": reason},
    )
    return warning


def withdraw(
    session: Session, *, actor: Actor | None, warning_id: int, reason: str = ""
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "withdraw")
    previous = warning.status
    warning.status = "withdrawn"
    record_event(
        session,
        warning,
        event_type="withdrawn",
        from_status=previous,
        actor=actor,
        detail={"reason": reason},
    )
    return warning
