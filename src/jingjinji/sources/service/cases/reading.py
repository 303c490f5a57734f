"""Reading cases: the list (the office's all, others' those their province is involved in;
filters by status, involved jurisdiction and overdue tasks) and one case in detail with what
the reader may do now."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, province_of, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import (
    Case,
    CaseJurisdiction,
    CaseStep,
    CaseTask,
    Enterprise,
    Exceedance,
    TaskStatus,
)
from jingjinji.sources.schemas import enforcement as schemas
from jingjinji.sources.service.cases.access import acts_for_lead, visible_case
from jingjinji.sources.service.cases.states import is_open
from jingjinji.sources.service.cases.tasks import is_overdue


def list_cases(
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    jurisdiction: str | None = None,
    overdue: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> Paged[Case]:
    """Cases newest first. ``jurisdiction``: involved (a province or one of its cities);
    ``overdue``: with (True) or without (False) an open task past its deadline."""
    actor = require_actor(actor)
    stmt = select(Case)
    if not actor.is_office_admin:
        mine = select(CaseJurisdiction.case_id).where(
            CaseJurisdiction.jurisdiction_code == (actor.province_code or "-")
        )
        stmt = stmt.where(Case.id.in_(mine))
    if status:
        stmt = stmt.where(Case.status == status)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        involved = select(CaseJurisdiction.case_id).where(
            CaseJurisdiction.jurisdiction_code == province_of(jurisdiction)
        )
        stmt = stmt.where(Case.id.in_(involved))
    if overdue is not None:
        late = select(CaseTask.case_id).where(
            CaseTask.status == TaskStatus.OPEN.value, CaseTask.due_at < (now or utcnow())
        )
        stmt = stmt.where(Case.id.in_(late) if overdue else Case.id.not_in(late))
    return paginate(
        session, stmt, Case.id, cursor=cursor, limit=check_limit(limit), descending=True
    )


def overdue_case_ids(
    session: Session, *, case_ids: list[int], now: dt.datetime | None = None
) -> set[int]:
    """Which of these cases have an open task past its deadline (one query)."""
    return set(
        session.scalars(
            select(CaseTask.case_id).where(
                CaseTask.case_id.in_(case_ids),
                CaseTask.status == TaskStatus.OPEN.value,
                CaseTask.due_at < (now or utcnow()),
            )
        )
    )


def case_detail(
    session: Session, *, actor: Actor | None, case_id: int, now: dt.datetime | None = None
) -> schemas.CaseDetailOut:
    """The case with its enterprise, jurisdictions, events, tasks (overdue, completable by the
    reader) and timeline; a 404 for who may not read it."""
    actor, case, involved = visible_case(
        session, actor=actor, case_id=case_id, action="sources.case.read"
    )
    now = now or utcnow()
    enterprise = session.get(Enterprise, case.enterprise_id)
    assert enterprise is not None  # the foreign key holds
    events = session.scalars(
        select(Exceedance).where(Exceedance.case_id == case.id).order_by(Exceedance.id)
    )
    tasks = list(
        session.scalars(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id))
    )
    steps = session.scalars(
        select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.at, CaseStep.id)
    )
    open_case = is_open(case)
    lead = open_case and acts_for_lead(session, actor, case)
    provinces = {i.jurisdiction_code for i in involved}
    agencies = (
        [
            o
            for o in regions.list_organisations(session)
            if province_of(o.jurisdiction_code) in provinces
        ]
        if lead
        else []
    )
    names = regions.organisations_by_id(session, ids=[t.organisation_id for t in tasks])
    return schemas.CaseDetailOut(
        **schemas.CaseOut.model_validate(case).model_dump(),
        enterprise_name_zh=enterprise.name_zh,
        enterprise_name_en=enterprise.name_en,
        jurisdictions=[schemas.CaseJurisdictionOut.model_validate(i) for i in involved],
        exceedances=[schemas.ExceedanceOut.model_validate(e) for e in events],
        tasks=[
            schemas.TaskOut.model_validate(t).model_copy(
                update={
                    "organisation_name_zh": names[t.organisation_id].name_zh,
                    "organisation_name_en": names[t.organisation_id].name_en,
                    "overdue": is_overdue(t, now),
                    "may_complete": open_case
                    and t.status == TaskStatus.OPEN.value
                    and policy.may_act_on_task(
                        actor,
                        task_jurisdiction=t.jurisdiction_code,
                        task_organisation_id=t.organisation_id,
                    ),
                }
            )
            for t in tasks
        ],
        steps=[schemas.StepOut.model_validate(s) for s in steps],
        actions=schemas.CaseActions(
            involve=open_case and actor.is_office_admin, add_task=lead, close=lead
        ),
        agencies=[schemas.AgencyOut.model_validate(o) for o in agencies],
    )
