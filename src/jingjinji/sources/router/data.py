"""API of the stored monitoring data: paged values, CSV/Parquet exports and the chart series
of an outlet. Readers only: the office, the enterprise's province and the jurisdictions
involved in a case about it (401 without an actor, audited 403 for others)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor, StreamingSession
from jingjinji.pagination import Page
from jingjinji.sources.schemas.data import (
    ExportFilter,
    ExportFormat,
    FactorSeriesOut,
    SeriesFilter,
    SeriesOut,
    ValueFilter,
    ValueOut,
)
from jingjinji.sources.service import data as service
from jingjinji.sources.service import values_export

router = APIRouter()

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
}


@router.get("/values", response_model=Page[ValueOut])
def list_values(
    session: DbSession, actor: RequiredActor, params: Annotated[ValueFilter, Query()]
) -> Page[ValueOut]:
    """Stored values of an enterprise, outlet or logger, oldest first (``end`` exclusive; a
    time without an offset is China Standard Time)."""
    page = service.list_values(
        session,
        actor=actor,
        enterprise_id=params.enterprise,
        outlet_id=params.outlet,
        mn=params.logger,
        cn=params.cn,
        factor=params.factor,
        start=params.start,
        end=params.end,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[ValueOut](
        items=[ValueOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/values/export",
    response_class=StreamingResponse,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def export_values(
    session: DbSession,
    reader: StreamingSession,
    actor: RequiredActor,
    params: Annotated[ExportFilter, Query()],
) -> StreamingResponse:
    """The values of a period (any length) as CSV or Parquet, streamed a window of values at a
    time; times in UTC. Refusals (a bad parameter, a reader who may not read) come before the
    first byte."""
    plan = values_export.plan_export(
        session,
        actor=actor,
        start=params.start,
        end=params.end,
        enterprise_id=params.enterprise,
        outlet_id=params.outlet,
        mn=params.logger,
        cn=params.cn,
        factor=params.factor,
        format=params.format.value,
    )
    name = f"sources-values.{params.format.value}"
    return StreamingResponse(
        values_export.export_chunks(reader, plan),
        media_type=MEDIA_TYPES[params.format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/outlets/{outlet_id}/series", response_model=SeriesOut)
def outlet_series(
    session: DbSession,
    actor: RequiredActor,
    outlet_id: DbId,
    params: Annotated[SeriesFilter, Query()],
) -> SeriesOut:
    """One command's values of the outlet for a chart, one series per factor with its unit and
    permit limits; without a period, the last day (real-time, minute), week (hourly) or 92
    days (daily) up to the latest stored value."""
    found = service.outlet_series(
        session,
        actor=actor,
        outlet_id=outlet_id,
        cn=params.cn,
        factor=params.factor,
        start=params.start,
        end=params.end,
    )
    return SeriesOut(
        outlet_id=found.outlet_id,
        cn=found.cn,
        start=found.start,
        end=found.end,
        series=[FactorSeriesOut.model_validate(s, from_attributes=True) for s in found.series],
    )
