"""Pages: the region overview (jurisdictions, organisations, datasets)."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jingjinji.catalog import service as catalog
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service
from jingjinji.regions.models import Organisation
from jingjinji.security import province_of
from jingjinji.web import render

router = APIRouter(include_in_schema=False)


@router.get("/region", response_class=HTMLResponse)
def region_overview(request: Request, session: DbSession, actor: OptionalActor) -> HTMLResponse:
    provinces = service.provinces(session)
    children = {p.code: service.list_jurisdictions(session, parent_code=p.code) for p in provinces}
    orgs: dict[str, list[Organisation]] = defaultdict(list)
    for org in service.list_organisations(session):
        orgs[province_of(org.jurisdiction_code)].append(org)
    return render(
        request,
        "regions/overview.html",
        {
            "provinces": provinces,
            "children": children,
            "organisations": orgs,
            "datasets": catalog.dataset_counts_by_province(session),
            "name": service.name,
        },
    )
