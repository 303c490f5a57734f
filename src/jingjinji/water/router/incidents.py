"""API of water-pollution incidents: ``/api/v1/water/incidents`` (list, report, read) and the
steps on one incident (acknowledge, consultation, answers, samplings, measures, close).

Incidents are read by the office and the provinces they concern; anyone else gets a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.pagination import Page
from jingjinji.water.schemas import incidents as schemas
from jingjinji.water.service import incidents as service

router = APIRouter(prefix="/incidents")


@router.get("", response_model=Page[schemas.IncidentOut])
def list_incidents(
    session: DbSession, actor: RequiredActor, params: Annotated[schemas.IncidentFilter, Query()]
) -> Page[schemas.IncidentOut]:
    page = service.list_incidents(
        session,
        actor=actor,
        status=params.status.value if params.status else None,
        section=params.section,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[schemas.IncidentOut](
        items=[schemas.IncidentOut.model_validate(i) for i in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", response_model=schemas.IncidentDetailOut, status_code=status.HTTP_201_CREATED)
def report_incident(
    session: DbSession, actor: RequiredActor, data: schemas.IncidentIn
) -> schemas.IncidentDetailOut:
    made = service.report_incident(session, actor=actor, data=data)
    return service.incident_detail(session, actor=actor, incident_id=made.id)


@router.get("/{incident_id}", response_model=schemas.IncidentDetailOut)
def get_incident(
    session: DbSession, actor: RequiredActor, incident_id: DbId
) -> schemas.IncidentDetailOut:
    return service.incident_detail(session, actor=actor, incident_id=incident_id)


@router.post("/{incident_id}/acknowledge", response_model=schemas.NoticeOut)
def acknowledge(session: DbSession, actor: RequiredActor, incident_id: DbId) -> schemas.NoticeOut:
    notice = service.acknowledge(session, actor=actor, incident_id=incident_id)
    return schemas.NoticeOut.model_validate(notice)


@router.post("/{incident_id}/consultation", response_model=schemas.IncidentOut)
def open_consultation(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.ConsultationIn
) -> schemas.IncidentOut:
    made = service.open_consultation(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.IncidentOut.model_validate(made)


@router.post("/{incident_id}/consultation/conclude", response_model=schemas.IncidentOut)
def conclude_consultation(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.ConsultationIn
) -> schemas.IncidentOut:
    made = service.conclude_consultation(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.IncidentOut.model_validate(made)


@router.post(
    "/{incident_id}/answers", response_model=schemas.StepOut, status_code=status.HTTP_201_CREATED
)
def answer(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.AnswerIn
) -> schemas.StepOut:
    step = service.answer(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.StepOut.model_validate(step)


@router.post(
    "/{incident_id}/samplings",
    response_model=schemas.SamplingOut,
    status_code=status.HTTP_201_CREATED,
)
def record_sampling(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.SamplingIn
) -> schemas.SamplingOut:
    row = service.record_sampling(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.SamplingOut.model_validate(row)


@router.post(
    "/{incident_id}/measures", response_model=schemas.StepOut, status_code=status.HTTP_201_CREATED
)
def record_measure(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.MeasureIn
) -> schemas.StepOut:
    step = service.record_measure(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.StepOut.model_validate(step)


@router.post("/{incident_id}/close", response_model=schemas.IncidentOut)
def close_incident(
    session: DbSession, actor: RequiredActor, incident_id: DbId, data: schemas.CloseIn
) -> schemas.IncidentOut:
    made = service.close_incident(session, actor=actor, incident_id=incident_id, data=data)
    return schemas.IncidentOut.model_validate(made)
