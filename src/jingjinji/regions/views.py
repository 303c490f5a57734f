"""Pages: the region overview (jurisdictions, organisations, datasets)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jingjinji import domains
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service
from jingjinji.regions.models import Organisation
from jingjinji.security import province_of
from jingjinji.web import render

router = APIRouter(include_in_schema=False)


def _dataset_counts(session: Any) -> dict[str, dict[str, int]]:
    """Datasets per province and sharing class, when the catalog domain is present."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    catalog = next(
        (m for m in domains.modules("service") if m.__name__.endswith(".catalog.service")), None
    )
    if catalog is None or not hasattr(catalog, "dataset_counts_by_province"):
        return counts
    result: dict[str, dict[str, int]] = catalog.dataset_counts_by_province(session)
    return result


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
            "datasets": _dataset_counts(session),
            "name": service.name,
        },
    )
