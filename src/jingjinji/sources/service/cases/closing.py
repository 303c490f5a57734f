"""Closing a case with a conclusion (the lead jurisdiction or the office): its events close
with it. Open tasks are completed (or their result recorded by the office) first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import Conflict
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.sources.models import (
    Case,
    CaseStatus,
    CaseTask,
    Exceedance,
    ExceedanceStatus,
    TaskStatus,
)
from jingjinji.sources.schemas.enforcement import CaseCloseIn
from jingjinji.sources.service.cases.access import (
    acts_for_lead,
    add_step,
    refuse,
    refuse_as,
    visible_case,
)
from jingjinji.sources.service.cases.states import ensure_open


def close_case(session: Session, *, actor: Actor | None, case_id: int, data: CaseCloseIn) -> Case:
    """Close the case with its conclusion; its events become ``closed``."""
    action = "sources.case.close"
    actor, case, _ = visible_case(session, actor=actor, case_id=case_id, action=action)
    if not acts_for_lead(session, actor, case):
        raise refuse(
            session,
            actor,
            case,
            action,
            msg(
                "a case is closed by its lead jurisdiction ({lead_jurisdiction_code}) or the "
                "office",
                lead_jurisdiction_code=case.lead_jurisdiction_code,
            ),
        )
    ensure_open(session, actor, case, action)
    open_tasks = list(
        session.scalars(
            select(CaseTask.id).where(
                CaseTask.case_id == case.id, CaseTask.status == TaskStatus.OPEN.value
            )
        )
    )
    if open_tasks:
        raise refuse_as(
            session,
            actor,
            case,
            action,
            Conflict(
                msg(
                    "case {case_id} still has open tasks {open_tasks}; complete them first",
                    case_id=case.id,
                    open_tasks=open_tasks,
                )
            ),
        )
    case.status = CaseStatus.CLOSED.value
    case.closed_at = utcnow()
    case.conclusion = data.conclusion
    closed = []
    for event in session.scalars(select(Exceedance).where(Exceedance.case_id == case.id)):
        event.status = ExceedanceStatus.CLOSED.value
        closed.append(event.id)
    add_step(
        session,
        case,
        actor=actor,
        action="closed",
        jurisdiction_code=case.lead_jurisdiction_code,
        text=data.conclusion,
        detail={"exceedance_ids": sorted(closed)},
    )
    session.flush()
    return case
