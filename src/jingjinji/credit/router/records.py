"""API of the credit registry and records: /api/v1/credit/subjects, /records, /publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from jingjinji.credit.schemas.records import (
    AgencyTimelinessOut,
    BatchIn,
    BatchOut,
    LiftIn,
    QueueItemOut,
    RecordFilter,
    RecordIn,
    RecordOut,
)
from jingjinji.credit.schemas.subjects import SubjectFilter, SubjectIn, SubjectOut
from jingjinji.credit.service import batch, publication, records, subjects
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.pagination import Page

router = APIRouter()


@router.post("/subjects", response_model=SubjectOut, status_code=201)
def register_subject(session: DbSession, actor: RequiredActor, body: SubjectIn) -> SubjectOut:
    """Register a subject by USCC (idempotent; a new name is a rename)."""
    subject = subjects.register_subject(session, actor=actor, data=body)
    return subjects.subject_out(session, actor=actor, subject=subject)


@router.get("/subjects", response_model=Page[SubjectOut])
def search_subjects(
    session: DbSession, actor: OptionalActor, params: Annotated[SubjectFilter, Query()]
) -> Page[SubjectOut]:
    """Subjects by name, former name or USCC prefix."""
    page = subjects.search_subjects(session, q=params.q, cursor=params.cursor, limit=params.limit)
    return Page[SubjectOut](
        items=subjects.subject_outs(session, actor=actor, subjects=page.items),
        next_cursor=page.next_cursor,
    )


@router.get("/subjects/{uscc}", response_model=SubjectOut)
def get_subject(session: DbSession, actor: OptionalActor, uscc: str) -> SubjectOut:
    subject = subjects.get_subject(session, uscc=uscc[:40])
    return subjects.subject_out(session, actor=actor, subject=subject)


@router.post("/records", response_model=RecordOut, status_code=201)
def create_record(session: DbSession, actor: RequiredActor, body: RecordIn) -> RecordOut:
    """One record from its source agency (idempotent by agency, kind and document number)."""
    record = records.create_record(session, actor=actor, data=body)
    return records.records_out(session, actor=actor, records=[record])[0]


@router.post("/records/batch", response_model=BatchOut, status_code=201)
def create_batch(session: DbSession, actor: RequiredActor, body: BatchIn) -> BatchOut:
    """All records or none: 422 listing every problem by entry (1-based) and field."""
    return batch.store_batch(session, actor=actor, body=body)


@router.post("/records/upload", response_model=BatchOut, status_code=201)
def upload_records(
    session: DbSession,
    actor: RequiredActor,
    file: Annotated[UploadFile, File(description=".csv or .xlsx with the upload's columns")],
) -> BatchOut:
    """A CSV or Excel file of records: 422 listing every problem by file line / sheet row,
    column and reason; nothing stored."""
    content = batch.read_upload(file.file)
    return batch.store_upload(
        session, actor=actor, filename=file.filename or "upload", content=content
    )


@router.get(
    "/records/template.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def upload_template() -> Response:
    return Response(
        batch.template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="credit-records-template.csv"'},
    )


@router.get("/records", response_model=Page[RecordOut])
def list_records(
    session: DbSession, actor: OptionalActor, params: Annotated[RecordFilter, Query()]
) -> Page[RecordOut]:
    page = records.list_records(
        session,
        actor=actor,
        kind=params.kind.value if params.kind else None,
        status=params.status.value if params.status else None,
        source_organisation_id=params.source_organisation_id,
        jurisdiction=params.jurisdiction,
        uscc=params.uscc,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[RecordOut](
        items=records.records_out(session, actor=actor, records=page.items),
        next_cursor=page.next_cursor,
    )


@router.get("/records/{record_id}", response_model=RecordOut)
def get_record(session: DbSession, actor: OptionalActor, record_id: DbId) -> RecordOut:
    record = records.get_record(session, actor=actor, record_id=record_id)
    return records.records_out(session, actor=actor, records=[record])[0]


@router.post("/records/{record_id}/publish", response_model=RecordOut)
def publish_record(session: DbSession, actor: RequiredActor, record_id: DbId) -> RecordOut:
    record = publication.publish_record(session, actor=actor, record_id=record_id)
    return records.records_out(session, actor=actor, records=[record])[0]


@router.post("/records/{record_id}/lift", response_model=RecordOut)
def lift_entry(
    session: DbSession, actor: RequiredActor, record_id: DbId, body: LiftIn
) -> RecordOut:
    """Lift a red- or black-list entry."""
    record = records.lift_entry(session, actor=actor, record_id=record_id, reason=body.reason)
    return records.records_out(session, actor=actor, records=[record])[0]


@router.get("/publication/queue", response_model=list[QueueItemOut])
def publication_queue(session: DbSession, actor: RequiredActor) -> list[QueueItemOut]:
    """Pending records the reader may publish, with working days left."""
    return publication.publication_queue(session, actor=actor)


@router.get("/publication/timeliness", response_model=list[AgencyTimelinessOut])
def timeliness(session: DbSession, actor: RequiredActor) -> list[AgencyTimelinessOut]:
    """Per agency: share of licences and penalties published within 7 working days."""
    return publication.timeliness(session, actor=actor)
