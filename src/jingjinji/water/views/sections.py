"""/water/sections/{code}: a section's facts and neighbours, the year's assessment, its class
calendar and one item's series against the class limits."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service as regions
from jingjinji.timezone import CHINA_TZ
from jingjinji.water import presentation as show
from jingjinji.water.kernels import ITEM_NAMES, ITEMS
from jingjinji.water.models import Section
from jingjinji.water.schemas.assessment import (
    YEAR_MAX,
    YEAR_MIN,
    ItemSeries,
    SectionAssessment,
)
from jingjinji.water.service import assessment, samples, sections
from jingjinji.web import N_, language_of, render

router = APIRouter(include_in_schema=False)

MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def _values(a: SectionAssessment, lang: str, tr: show.Translate) -> list[dict[str, Any]]:
    """Period values in the table order of GB 3838, then the measured-only items."""
    order = [*ITEMS, *(i for i in ITEM_NAMES if i not in ITEMS)]
    rows = []
    for item in (i for i in order if i in a.values):
        klass = a.classes.get(item)
        rows.append(
            {
                "item": item,
                "name": show.item_name(item, lang),
                "unit": show.item_unit(item, lang),
                "value": show.fmt_value(item, a.values[item]),
                "badge": show.class_badge(klass, tr) if klass is not None else None,
                "multiple": show.fmt_multiple(a.target_multiples.get(item)),
            }
        )
    return rows


def _chosen_item(item: str | None, a: SectionAssessment | None) -> str | None:
    """The item to chart: the one asked for, else the first main pollutant, else ammonia
    nitrogen or the first item measured."""
    present = [i for i in ITEM_NAMES if a is not None and i in a.values]
    if item in present:
        return item
    if a is not None and a.main_pollutants:
        return a.main_pollutants[0]
    if "nh3n" in present:
        return "nh3n"
    return present[0] if present else None


def _limit_lines(s: ItemSeries, tr: show.Translate) -> list[dict[str, Any]]:
    """One dashed line per distinct limit; a limit shared by classes is labelled by all of them
    (COD 15 is the limit of I and II)."""
    if s.ph_range:
        return [
            {"value": v, "label": f"pH {v:g}", "colour": show.CLASS_COLOURS[6]} for v in s.ph_range
        ]
    merged: dict[float, list[int]] = {}
    for klass, value in enumerate(s.limits, start=1):
        merged.setdefault(value, []).append(klass)
    return [
        {
            "value": value,
            "label": "/".join(show.class_label(k, tr) for k in classes),
            "colour": show.CLASS_COLOURS[classes[-1]],
        }
        for value, classes in merged.items()
    ]


def _series(
    s: ItemSeries | None, items: list[str], lang: str, tr: show.Translate
) -> dict[str, Any]:
    if s is None:
        return {"charts": []}
    points = [
        [p.sampled_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"), p.value] for p in s.points
    ]
    return {
        "charts": [
            {
                "item": s.item,
                "name": show.item_name(s.item, lang),
                "unit": s.unit,
                "points": points,
                "limits": _limit_lines(s, tr),
            }
        ],
        "choices": [{"item": i, "name": show.item_name(i, lang)} for i in items],
    }


def _neighbours(session: DbSession, section: Section, lang: str) -> dict[str, Any]:
    below = sections.downstream_path(session, code=section.code)
    above = [
        u
        for u in sections.upstream_sections(session, code=section.code)
        if u.downstream_section_code == section.code
    ]
    return {
        "downstream": {"code": below[0].code, "name": show.section_name(below[0], lang)}
        if below
        else None,
        "upstream": [{"code": u.code, "name": show.section_name(u, lang)} for u in above],
    }


def _facts(session: DbSession, section: Section, lang: str, tr: show.Translate) -> dict[str, Any]:
    codes = [
        c
        for c in (
            section.jurisdiction_code,
            section.upstream_jurisdiction_code,
            section.downstream_jurisdiction_code,
        )
        if c
    ]
    places = regions.jurisdictions_by_code(session, codes=codes)
    org = (
        regions.get_organisation_or_none(session, organisation_id=section.organisation_id)
        if section.organisation_id is not None
        else None
    )
    border = ""
    if section.upstream_jurisdiction_code and section.downstream_jurisdiction_code:
        border = (
            f"{regions.name(places[section.upstream_jurisdiction_code], lang)} → "
            f"{regions.name(places[section.downstream_jurisdiction_code], lang)}"
        )
    return {
        "name": show.section_name(section, lang),
        "river": show.river_name(section, lang),
        "kind": show.kind_label(section.kind, tr),
        "jurisdiction": regions.name(places[section.jurisdiction_code], lang),
        "organisation": regions.name(org, lang) if org is not None else "",
        "border": border,
    }


@router.get("/water/sections/{code}", response_class=HTMLResponse)
def section_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    year: Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)] = None,
    item: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    section = sections.get_section(session, code=code)
    newest = show.latest_year(samples.latest_samples(session, codes=[code]))
    chosen = year or newest or show.china_year_now()
    found = assessment.assess_sections(session, year=chosen, codes=[code])
    a = found[0] if found and found[0].section_class else None
    charted = _chosen_item(item, a)
    series = (
        assessment.item_series(
            session,
            section_code=code,
            item=charted,
            start=dt.date(chosen, 1, 1),
            end=dt.date(chosen, 12, 31),
        )
        if charted is not None
        else None
    )
    calendar = [
        {
            "month": m.month,
            "name": tr(MONTHS[m.month - 1]),
            "badge": show.class_badge(m.section_class, tr),
        }
        for m in assessment.class_history(session, section_code=code, year=chosen)
    ]
    assessed = None
    if a is not None:
        assessed = {
            "badge": show.class_badge(a.section_class, tr),
            "grade": show.grade_label(a.grade, tr),
            "target": show.class_label(a.target_class, tr) if a.target_class else "",
            "meets": a.meets_target,
            "main": show.item_names(a.main_pollutants, lang),
        }
    return render(
        request,
        "water/section.html",
        {
            **_facts(session, section, lang, tr),
            **_neighbours(session, section, lang),
            "section": section,
            "year": chosen,
            "years": show.year_choices(chosen, newest),
            "assessed": assessed,
            "values": _values(a, lang, tr) if a is not None else [],
            "series": _series(series, [i for i in ITEM_NAMES if a and i in a.values], lang, tr),
            "charted": charted,
            "calendar": calendar,
            "legend": show.legend(tr),
            "origins": show.origin_labels(found[0].samples.origins if found else [], tr),
        },
    )
