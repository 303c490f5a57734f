"""API of monitoring sections: the registry (open data), targets and the river network."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.pagination import Page
from jingjinji.water.schemas.sections import (
    SectionFilter,
    SectionIn,
    SectionNetworkOut,
    SectionOut,
    TargetIn,
    TargetOut,
)
from jingjinji.water.service import sections as service

router = APIRouter()

SectionCode = Annotated[str, Path(max_length=20)]
Year = Annotated[int, Path(ge=1900, le=2200)]


@router.get("/sections", response_model=Page[SectionOut])
def list_sections(
    session: DbSession, params: Annotated[SectionFilter, Query()]
) -> Page[SectionOut]:
    """Active sections by code; ``jurisdiction`` (a province code such as 130000) matches the
    monitoring province or either side of a cross-border section."""
    page = service.list_sections(
        session,
        jurisdiction=params.jurisdiction,
        kind=params.kind.value if params.kind else None,
        river_system=params.river_system,
        basin=params.basin,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[SectionOut](
        items=[SectionOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor
    )


@router.get("/sections/{code}", response_model=SectionOut)
def get_section(session: DbSession, code: SectionCode) -> SectionOut:
    return SectionOut.model_validate(service.get_section(session, code=code))


@router.post("/sections", response_model=SectionOut)
def save_section(session: DbSession, actor: RequiredActor, body: SectionIn) -> SectionOut:
    """Register a section, or replace the description of one (by code). The monitoring
    agency's stewards, its province's administrator and the office may; others: audited 403."""
    return SectionOut.model_validate(service.save_section(session, actor=actor, data=body))


@router.put("/sections/{code}/targets/{year}", response_model=TargetOut)
def set_target(
    session: DbSession, actor: RequiredActor, code: SectionCode, year: Year, body: TargetIn
) -> TargetOut:
    """Set the section's target class (1-5, for I-V) for a year."""
    row = service.set_target(
        session, actor=actor, code=code, year=year, target_class=body.target_class
    )
    return TargetOut.model_validate(row)


@router.get("/sections/{code}/network", response_model=SectionNetworkOut)
def section_network(session: DbSession, code: SectionCode) -> SectionNetworkOut:
    """The sections upstream (nearest first) and downstream (in flow order) of a section."""
    service.get_section(session, code=code)
    return SectionNetworkOut(
        upstream=[
            SectionOut.model_validate(s) for s in service.upstream_sections(session, code=code)
        ],
        downstream=[
            SectionOut.model_validate(s) for s in service.downstream_path(session, code=code)
        ],
    )
