"""Tasks of a case: the lead jurisdiction or the office gives one to an agency of an involved
jurisdiction with a deadline; the agency's stewards or its jurisdiction's administrator (or the
office) complete it with a result. An open task past its deadline is overdue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, province_of
from jingjinji.sources import policy
from jingjinji.sources.models import Case, CaseTask, TaskStatus
from jingjinji.sources.schemas.enforcement import TaskDoneIn, TaskIn
from jingjinji.sources.service.cases.access import (
    acts_for_lead,
    add_step,
    refuse,
    refuse_as,
    visible_case,
)
from jingjinji.sources.service.cases.states import ensure_open


def is_overdue(task: CaseTask, now: dt.datetime) -> bool:
    return task.status == TaskStatus.OPEN.value and task.due_at < now


def add_task(session: Session, *, actor: Actor | None, case_id: int, data: TaskIn) -> CaseTask:
    """A task for an agency (organisation) of an involved jurisdiction, with its deadline."""
    action = "sources.case.add_task"
    actor, case, involved = visible_case(session, actor=actor, case_id=case_id, action=action)
    if not acts_for_lead(session, actor, case):
        raise refuse(
            session,
            actor,
            case,
            action,
            msg(
                "tasks are given by the lead jurisdiction ({lead_jurisdiction_code}) or the office",
                lead_jurisdiction_code=case.lead_jurisdiction_code,
            ),
        )
    ensure_open(session, actor, case, action)
    org = regions.get_organisation_or_none(session, organisation_id=data.organisation_id)
    provinces = {i.jurisdiction_code for i in involved}
    if org is None or province_of(org.jurisdiction_code) not in provinces:
        raise refuse_as(
            session,
            actor,
            case,
            action,
            InvalidInput(
                msg(
                    "organisation {organisation_id} is no agency of a "
                    "jurisdiction involved in case "
                    "{case_id} ({provinces})",
                    organisation_id=data.organisation_id,
                    case_id=case.id,
                    provinces=", ".join(sorted(provinces)),
                ),
                errors=[field_error(["body", "organisation_id"], msg("not an involved agency"))],
            ),
        )
    task = CaseTask(
        case_id=case.id,
        kind=data.kind.value,
        organisation_id=org.id,
        jurisdiction_code=province_of(org.jurisdiction_code),
        description=data.description,
        due_at=data.due_at,
    )
    session.add(task)
    session.flush()
    add_step(
        session,
        case,
        actor=actor,
        action="task_added",
        jurisdiction_code=task.jurisdiction_code,
        text=data.description,
        detail={
            "task_id": task.id,
            "kind": task.kind,
            "organisation_id": org.id,
            "due_at": task.due_at.isoformat(),
        },
    )
    return task


def _task_of(session: Session, actor: Actor, case: Case, task_id: int, action: str) -> CaseTask:
    task = session.get(CaseTask, task_id) if is_db_id(task_id) else None
    if task is None or task.case_id != case.id:
        raise refuse_as(
            session,
            actor,
            case,
            action,
            NotFound(msg("no task {task_id} in case {id}", task_id=task_id, id=case.id)),
        )
    return task


def complete_task(
    session: Session, *, actor: Actor | None, case_id: int, task_id: int, data: TaskDoneIn
) -> CaseTask:
    """Complete a task with its result: the office, the task's agency's stewards or its
    jurisdiction's administrator."""
    action = "sources.case.complete_task"
    actor, case, _ = visible_case(session, actor=actor, case_id=case_id, action=action)
    task = _task_of(session, actor, case, task_id, action)
    if not policy.may_act_on_task(
        actor, task_jurisdiction=task.jurisdiction_code, task_organisation_id=task.organisation_id
    ):
        raise refuse(
            session,
            actor,
            case,
            action,
            msg(
                "task {task_id} is completed by its agency's stewards, the administrator of "
                "{jurisdiction_code} or the office",
                task_id=task.id,
                jurisdiction_code=task.jurisdiction_code,
            ),
        )
    ensure_open(session, actor, case, action)
    if task.status != TaskStatus.OPEN.value:
        raise refuse_as(
            session,
            actor,
            case,
            action,
            Conflict(msg("task {task_id} is already done", task_id=task.id)),
        )
    now = utcnow()
    task.status = TaskStatus.DONE.value
    task.result = data.result
    task.done_at = now
    task.done_by = actor.username
    add_step(
        session,
        case,
        actor=actor,
        action="task_done",
        jurisdiction_code=task.jurisdiction_code,
        text=data.result,
        detail={"task_id": task.id, "kind": task.kind, "late": task.due_at < now},
    )
    session.flush()
    return task
