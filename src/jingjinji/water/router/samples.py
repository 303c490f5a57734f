"""API of samples: JSON batches and CSV files in, listings and exports out (open data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor, StreamingSession
from jingjinji.pagination import Page
from jingjinji.water.schemas.samples import (
    BatchIn,
    ExportFilter,
    ExportFormat,
    IngestionOut,
    SampleFilter,
    SampleOut,
)
from jingjinji.water.service import samples as service
from jingjinji.water.service import samples_csv

router = APIRouter()

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
}


async def csv_body(request: Request) -> bytes:
    """The raw request body (the server's body limit has bounded it already)."""
    return await request.body()


@router.post("/samples", response_model=IngestionOut)
def post_samples(session: DbSession, actor: RequiredActor, body: BatchIn) -> IngestionOut:
    """Store a batch of samples whole or not at all: a row is one item of one sample, a time
    without an offset is China Standard Time. Every bad row is listed (422, position in
    ``rows``); a section the actor does not monitor is an audited 403; the same batch again
    stores nothing new, a changed value is replaced and the old one kept as a revision."""
    ingestion = service.record_samples(
        session, actor=actor, rows=body.rows, channel="api", source=body.source
    )
    return IngestionOut.model_validate(ingestion)


@router.post(
    "/samples.csv",
    response_model=IngestionOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def post_samples_csv(
    session: DbSession,
    actor: RequiredActor,
    content: Annotated[bytes, Depends(csv_body)],
    source: Annotated[str, Query(max_length=300)] = "",
) -> IngestionOut:
    """Store a CSV file (the body, ``text/csv``): ``section_code, sampled_at, kind`` and one
    column per item; ``<0.01`` is below the detection limit 0.01. Problems are listed by row
    (the file's line, header = 1) and column; the file is stored whole or not at all."""
    ingestion = samples_csv.load_samples_csv(
        session, actor=actor, data=content, channel="csv", source=source or "api upload"
    )
    return IngestionOut.model_validate(ingestion)


@router.get("/samples", response_model=Page[SampleOut])
def list_samples(session: DbSession, params: Annotated[SampleFilter, Query()]) -> Page[SampleOut]:
    """Stored samples oldest first (``end`` exclusive)."""
    page = service.list_samples(
        session,
        section_code=params.section,
        item=params.item,
        kind=params.kind.value if params.kind else None,
        start=params.start,
        end=params.end,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[SampleOut](
        items=[SampleOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/samples/export",
    response_class=StreamingResponse,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def export_samples(
    reader: StreamingSession, params: Annotated[ExportFilter, Query()]
) -> StreamingResponse:
    """The samples of a period (any length) as CSV or Parquet, streamed a window of samples at
    a time, with their provenance (origin, version, recorded by and when, ingestion). A bad
    parameter is refused before the first byte."""
    plan = service.plan_export(
        start=params.start,
        end=params.end,
        section_code=params.section,
        kind=params.kind.value if params.kind else None,
        format=params.format.value,
    )
    name = f"water-samples.{params.format.value}"
    return StreamingResponse(
        service.export_chunks(reader, plan),
        media_type=MEDIA_TYPES[params.format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/ingestions/{ingestion_id}", response_model=IngestionOut)
def get_ingestion(session: DbSession, actor: RequiredActor, ingestion_id: DbId) -> IngestionOut:
    """A batch's counts and report: its sender and the office."""
    return IngestionOut.model_validate(
        service.get_ingestion(session, actor=actor, ingestion_id=ingestion_id)
    )
