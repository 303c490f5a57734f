"""API of the stored monitoring data: paged values, CSV/Parquet exports and the chart series
of an outlet. Readers only: the office, the enterprise's province and the jurisdictions
involved in a case about it (401 without an actor, audited 403 for others)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
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
    response_class=Response,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def export_values(
    session: DbSession, actor: RequiredActor, params: Annotated[ExportFilter, Query()]
) -> Response:
    """The values of a period as CSV (streamed) or Parquet; times in UTC. A period longer than
    the command allows (31 days of real-time data, 92 of minute, 366 of hourly, 3660 of daily;
    31 without ``cn``) is a 422 naming ``end``."""
    frame = service.export_frame(
        session,
        actor=actor,
        start=params.start,
        end=params.end,
        enterprise_id=params.enterprise,
        outlet_id=params.outlet,
        mn=params.logger,
        cn=params.cn,
        factor=params.factor,
    )
    name = f"sources-values.{params.format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if params.format is ExportFormat.CSV:
        return StreamingResponse(
            service.csv_chunks(frame), media_type=MEDIA_TYPES[params.format], headers=headers
        )
    return Response(
        service.parquet_bytes(frame), media_type=MEDIA_TYPES[params.format], headers=headers
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
