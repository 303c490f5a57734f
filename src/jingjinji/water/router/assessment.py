"""API of the water assessment (open data): section classes over a month or a year, a
section's monthly calendar and item series, river and jurisdiction status, target compliance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jingjinji.deps import DbSession
from jingjinji.water.schemas import assessment as schemas
from jingjinji.water.service import assessment as service

router = APIRouter()

SectionCode = Annotated[str, Path(min_length=1, max_length=20)]


@router.get("/assessments", response_model=list[schemas.SectionAssessment])
def list_assessments(
    session: DbSession, params: Annotated[schemas.AssessmentFilter, Query()]
) -> list[schemas.SectionAssessment]:
    """Every active section (or the one named: unknown is a 404) over a year or a month."""
    if params.section:
        start, end = service.period_bounds(params.year, params.month)
        return [service.section_period(session, section_code=params.section, start=start, end=end)]
    return service.assess_sections(session, year=params.year, month=params.month)


@router.get("/sections/{code}/assessment", response_model=schemas.SectionAssessment)
def section_assessment(
    session: DbSession, code: SectionCode, params: Annotated[schemas.PeriodQuery, Query()]
) -> schemas.SectionAssessment:
    start, end = service.period_bounds(params.year, params.month)
    return service.section_period(session, section_code=code, start=start, end=end)


@router.get("/sections/{code}/history", response_model=list[schemas.MonthClass])
def section_history(
    session: DbSession, code: SectionCode, params: Annotated[schemas.YearQuery, Query()]
) -> list[schemas.MonthClass]:
    """The section's class in each month of the year (0: no sample that month)."""
    return service.class_history(session, section_code=code, year=params.year)


@router.get("/sections/{code}/series", response_model=schemas.ItemSeries)
def section_series(
    session: DbSession, code: SectionCode, params: Annotated[schemas.SeriesQuery, Query()]
) -> schemas.ItemSeries:
    """One item's stored values with its class limits (the chart of the section page)."""
    return service.item_series(
        session, section_code=code, item=params.item, start=params.start, end=params.end
    )


@router.get("/status", response_model=list[schemas.StatusRow])
def water_status(
    session: DbSession, params: Annotated[schemas.StatusQuery, Query()]
) -> list[schemas.StatusRow]:
    return service.status_table(session, year=params.year, month=params.month, by=params.by)


@router.get("/compliance", response_model=list[schemas.ComplianceRow])
def target_compliance(
    session: DbSession, params: Annotated[schemas.YearQuery, Query()]
) -> list[schemas.ComplianceRow]:
    """Sections meeting their targets this year and last, per province and for the region."""
    return service.compliance(session, year=params.year)
