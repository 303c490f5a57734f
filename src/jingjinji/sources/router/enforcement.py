"""API of exceedance events and linked enforcement cases: ``/api/v1/sources/exceedances``
(list) and ``/api/v1/sources/cases`` (list, read, open, involve, add and complete tasks,
close). A case is read by the office and the jurisdictions involved; anyone else gets a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.pagination import Page
from jingjinji.sources.schemas import enforcement as schemas
from jingjinji.sources.service import cases as case_service
from jingjinji.sources.service import exceedances as exceedance_service

router = APIRouter()


@router.get("/exceedances", response_model=Page[schemas.ExceedanceOut])
def list_exceedances(
    session: DbSession, actor: RequiredActor, params: Annotated[schemas.ExceedanceFilter, Query()]
) -> Page[schemas.ExceedanceOut]:
    page = exceedance_service.list_exceedances(
        session,
        actor=actor,
        status=params.status.value if params.status else None,
        kind=params.kind.value if params.kind else None,
        jurisdiction=params.jurisdiction,
        enterprise_id=params.enterprise_id,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[schemas.ExceedanceOut](
        items=[schemas.ExceedanceOut.model_validate(e) for e in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/cases", response_model=Page[schemas.CaseOut])
def list_cases(
    session: DbSession, actor: RequiredActor, params: Annotated[schemas.CaseFilter, Query()]
) -> Page[schemas.CaseOut]:
    page = case_service.list_cases(
        session,
        actor=actor,
        status=params.status.value if params.status else None,
        jurisdiction=params.jurisdiction,
        overdue=params.overdue,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[schemas.CaseOut](
        items=[schemas.CaseOut.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("/cases", response_model=schemas.CaseDetailOut, status_code=status.HTTP_201_CREATED)
def open_case(
    session: DbSession, actor: RequiredActor, data: schemas.CaseOpenIn
) -> schemas.CaseDetailOut:
    made = case_service.open_case(session, actor=actor, data=data)
    return case_service.case_detail(session, actor=actor, case_id=made.id)


@router.get("/cases/{case_id}", response_model=schemas.CaseDetailOut)
def get_case(session: DbSession, actor: RequiredActor, case_id: DbId) -> schemas.CaseDetailOut:
    return case_service.case_detail(session, actor=actor, case_id=case_id)


@router.post(
    "/cases/{case_id}/jurisdictions",
    response_model=schemas.CaseJurisdictionOut,
    status_code=status.HTTP_201_CREATED,
)
def involve(
    session: DbSession, actor: RequiredActor, case_id: DbId, data: schemas.InvolveIn
) -> schemas.CaseJurisdictionOut:
    row = case_service.involve(session, actor=actor, case_id=case_id, data=data)
    return schemas.CaseJurisdictionOut.model_validate(row)


@router.post(
    "/cases/{case_id}/tasks", response_model=schemas.TaskOut, status_code=status.HTTP_201_CREATED
)
def add_task(
    session: DbSession, actor: RequiredActor, case_id: DbId, data: schemas.TaskIn
) -> schemas.TaskOut:
    task = case_service.add_task(session, actor=actor, case_id=case_id, data=data)
    return schemas.TaskOut.model_validate(task)


@router.post("/cases/{case_id}/tasks/{task_id}/complete", response_model=schemas.TaskOut)
def complete_task(
    session: DbSession,
    actor: RequiredActor,
    case_id: DbId,
    task_id: DbId,
    data: schemas.TaskDoneIn,
) -> schemas.TaskOut:
    task = case_service.complete_task(
        session, actor=actor, case_id=case_id, task_id=task_id, data=data
    )
    return schemas.TaskOut.model_validate(task)


@router.post("/cases/{case_id}/close", response_model=schemas.CaseOut)
def close_case(
    session: DbSession, actor: RequiredActor, case_id: DbId, data: schemas.CaseCloseIn
) -> schemas.CaseOut:
    case = case_service.close_case(session, actor=actor, case_id=case_id, data=data)
    return schemas.CaseOut.model_validate(case)
