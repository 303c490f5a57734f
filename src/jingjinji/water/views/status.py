"""/water/status (status of rivers, river systems, the basin and jurisdictions) and
/water/compliance (sections meeting their targets per province and the region, year on year)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service as regions
from jingjinji.water import presentation as show
from jingjinji.water.schemas.assessment import (
    STATUS_GROUPINGS,
    YEAR_MAX,
    YEAR_MIN,
    ComplianceFigures,
    StatusGrouping,
    StatusRow,
)
from jingjinji.water.service import assessment, samples, sections
from jingjinji.web import N_, language_of, render

router = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]
GROUPING_LABELS = {
    "river": N_("By river"),
    "river_system": N_("By river system"),
    "basin": N_("By basin"),
    "jurisdiction": N_("By jurisdiction"),
}
METHOD_LABELS = {
    "shares": N_("shares of sections"),
    "averaged": N_("item averages (fewer than 5 sections)"),
    "none": N_("no section assessed"),
}


def _year(session: DbSession, year: int | None) -> tuple[int, list[int]]:
    newest = show.latest_year(
        samples.latest_samples(session, codes=[s.code for s in sections.all_sections(session)])
    )
    chosen = year or newest or show.china_year_now()
    return chosen, show.year_choices(chosen, newest)


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f} %"


def _group_name(r: StatusRow, lang: str, tr: show.Translate) -> str:
    if r.by == "river_system":
        return show.river_system_label(r.key, tr)
    if r.by == "basin":
        return show.basin_label(r.key, tr)
    return r.name_zh if lang == "zh_CN" else r.name_en


def _status_row(r: StatusRow, lang: str, tr: show.Translate) -> dict[str, Any]:
    return {
        "key": r.key,
        "name": _group_name(r, lang, tr),
        "sections": r.n_sections,
        "share_i_iii": _percent(r.share_i_iii),
        "share_inferior_v": _percent(r.share_inferior_v),
        "status": show.grade_label(r.status, tr),
        "method": tr(METHOD_LABELS[r.method]),
        "averaged": show.class_badge(r.averaged_class, tr) if r.averaged_class else None,
        "main": show.item_names(r.main_pollutants, lang),
    }


@router.get("/water/status", response_class=HTMLResponse)
def status_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    year: Year = None,
    by: StatusGrouping = "river",
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    chosen, years = _year(session, year)
    rows = assessment.status_table(session, year=chosen, by=by)
    return render(
        request,
        "water/status.html",
        {
            "year": chosen,
            "years": years,
            "by": by,
            "groupings": [(g, tr(GROUPING_LABELS[g])) for g in STATUS_GROUPINGS],
            "rows": [_status_row(r, lang, tr) for r in rows],
        },
    )


def _figures(f: ComplianceFigures) -> dict[str, Any]:
    return {
        "assessed": f.sections_assessed,
        "meeting": f.sections_meeting,
        "share": _percent(f.share_meeting),
        "inferior_v": f.inferior_v,
    }


@router.get("/water/compliance", response_class=HTMLResponse)
def compliance_page(
    request: Request, session: DbSession, actor: OptionalActor, year: Year = None
) -> Response:
    lang = language_of(request)
    chosen, years = _year(session, year)
    rows = assessment.compliance(session, year=chosen)
    region = regions.region_code(session)
    places = regions.jurisdictions_by_code(session, codes={r.jurisdiction_code for r in rows})
    tables: dict[str, list[dict[str, Any]]] = {"all": [], "cross_border": []}
    for r in rows:
        place = places.get(r.jurisdiction_code)
        tables[r.scope].append(
            {
                "code": r.jurisdiction_code,
                "name": regions.name(place, lang) if place is not None else r.jurisdiction_code,
                "region": r.jurisdiction_code == region,
                "current": _figures(r.current),
                "previous": _figures(r.previous),
                "change": "–" if r.change_points is None else f"{r.change_points:+.1f}",
            }
        )
    return render(
        request,
        "water/compliance.html",
        {"year": chosen, "years": years, "tables": tables},
    )
