"""/water: the river network, sections placed on the region's province map (templates/maps.html)
and coloured by class, arrows downstream, and the table of sections below it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service as regions
from jingjinji.water import presentation as show
from jingjinji.water.models import Section
from jingjinji.water.schemas.assessment import YEAR_MAX, YEAR_MIN, SectionAssessment
from jingjinji.water.service import assessment, samples, sections
from jingjinji.web import language_of, render

router = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]


def _border(s: Section, names: dict[str, str]) -> str:
    if not (s.upstream_jurisdiction_code and s.downstream_jurisdiction_code):
        return ""
    return f"{names[s.upstream_jurisdiction_code]} → {names[s.downstream_jurisdiction_code]}"


def _row(
    s: Section, a: SectionAssessment | None, names: dict[str, str], lang: str, tr: show.Translate
) -> dict[str, Any]:
    klass = a.section_class if a is not None else 0
    target = a.target_class if a is not None else None
    return {
        "code": s.code,
        "name": show.section_name(s, lang),
        "river": show.river_name(s, lang),
        "kind": show.kind_label(s.kind, tr),
        "jurisdiction": names[s.jurisdiction_code],
        "border": _border(s, names),
        "approximate": s.approximate_position,
        "badge": show.class_badge(klass, tr),
        "target": show.class_label(target, tr) if target else "",
        "meets": a.meets_target if a is not None else None,
        "main": show.item_names(a.main_pollutants, lang) if a is not None else "",
    }


def _network(
    shown: list[Section], rows: list[dict[str, Any]], year: int, tr: show.Translate
) -> dict[str, Any]:
    """The chart's data: points, downstream edges between shown sections, legend, labels."""
    position = {s.code: (s.longitude, s.latitude) for s in shown}
    points = [
        {
            "code": r["code"],
            "name": r["name"],
            "river": r["river"],
            "lon": s.longitude,
            "lat": s.latitude,
            "class": r["badge"]["class"],
            "label": r["badge"]["label"],
            "target": r["target"],
            "main": r["main"],
            "approx": s.approximate_position,
            "url": f"/water/sections/{s.code}?year={year}",
        }
        for s, r in zip(shown, rows, strict=True)
    ]
    edges = [
        [*position[s.code], *position[s.downstream_section_code]]
        for s in shown
        if s.downstream_section_code in position
    ]
    labels = {
        "river": tr("River"),
        "class": tr("Class"),
        "target": tr("Target"),
        "main": tr("Main pollutants"),
        "downstream": tr("Flows into"),
        "approximate": tr("Approximate position"),
    }
    return {"points": points, "edges": edges, "legend": show.legend(tr), "labels": labels}


@router.get("/water", response_class=HTMLResponse)
def network_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    year: Year = None,
    river_system: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    network = sections.all_sections(session)
    newest = show.latest_year(samples.latest_samples(session, codes=[s.code for s in network]))
    chosen = year or newest or show.china_year_now()
    shown = [
        s
        for s in network
        if (not river_system or s.river_system == river_system) and (not kind or s.kind == kind)
    ]
    assessed = {
        a.section_code: a
        for a in assessment.assess_sections(session, year=chosen, codes=[s.code for s in shown])
    }
    places = regions.jurisdictions_by_code(
        session,
        codes={
            c
            for s in shown
            for c in (
                s.jurisdiction_code,
                s.upstream_jurisdiction_code,
                s.downstream_jurisdiction_code,
            )
            if c
        },
    )
    names = {code: regions.name(j, lang) for code, j in places.items()}
    rows = [_row(s, assessed.get(s.code), names, lang, tr) for s in shown]
    origins = {o for a in assessed.values() for o in a.samples.origins}
    return render(
        request,
        "water/network.html",
        {
            "year": chosen,
            "years": show.year_choices(chosen, newest),
            "period": str(chosen),
            "rows": rows,
            "network": _network(shown, rows, chosen, tr),
            "legend": show.legend(tr),
            "approximate": any(s.approximate_position for s in shown),
            "origins": show.origin_labels(origins, tr),
            "river_systems": sorted(
                {(s.river_system, show.river_system_label(s.river_system, tr)) for s in network},
                key=lambda pair: pair[1],
            ),
            "kinds": [(k, tr(label)) for k, label in show.KIND_LABELS.items()],
            "chosen_system": river_system,
            "chosen_kind": kind,
        },
    )
