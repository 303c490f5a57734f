"""API: jurisdictions and organisations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.inputs import Cursor
from jingjinji.pagination import Page
from jingjinji.regions import service
from jingjinji.regions.schemas import JurisdictionOut, OrganisationIn, OrganisationOut

router = APIRouter(tags=["regions"])


@router.get("/jurisdictions", response_model=list[JurisdictionOut])
def list_jurisdictions(
    session: DbSession,
    level: Annotated[
        str | None, Query(description="region, province, prefecture, district, new_area")
    ] = None,
    parent: Annotated[str | None, Query(description="parent code")] = None,
) -> list[JurisdictionOut]:
    rows = service.list_jurisdictions(session, level=level, parent_code=parent)
    return [JurisdictionOut.model_validate(r) for r in rows]


@router.get("/jurisdictions/{code}", response_model=JurisdictionOut)
def get_jurisdiction(session: DbSession, code: str) -> JurisdictionOut:
    return JurisdictionOut.model_validate(service.get_jurisdiction(session, code=code))


@router.get("/organisations", response_model=Page[OrganisationOut])
def list_organisations(
    session: DbSession,
    jurisdiction: Annotated[
        str | None,
        Query(description="GB/T 2260 code; a provincial code includes its cities and districts"),
    ] = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query()] = 100,
) -> Page[OrganisationOut]:
    page = service.organisations_page(
        session, jurisdiction_code=jurisdiction, cursor=cursor, limit=limit
    )
    return Page(
        items=[OrganisationOut.model_validate(r) for r in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def get_organisation(session: DbSession, organisation_id: DbId) -> OrganisationOut:
    return OrganisationOut.model_validate(
        service.get_organisation(session, organisation_id=organisation_id)
    )


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(
    session: DbSession, actor: OptionalActor, body: OrganisationIn
) -> OrganisationOut:
    org = service.create_organisation(session, actor=actor, data=body)
    return OrganisationOut.model_validate(org)
