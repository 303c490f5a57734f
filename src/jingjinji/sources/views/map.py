"""/sources: the map of monitored outlets coloured by state (on the region's province map,
templates/maps.html), the counts per state and per province, and the table below with
its filters. Public: names, kinds, positions and states only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.deps import DbSession
from jingjinji.regions import service as regions
from jingjinji.sources import presentation as show
from jingjinji.sources.service import overview
from jingjinji.web import language_of, render

router = APIRouter(include_in_schema=False)

Choice = Annotated[str, Query(max_length=20)]


def _row(
    r: overview.OutletRow, names: dict[str, str], lang: str, tr: show.Translate
) -> dict[str, Any]:
    return {
        "id": r.outlet_id,
        "enterprise": show.pick(lang, r.enterprise_name_zh, r.enterprise_name_en),
        "outlet": f"{r.outlet_code} {show.pick(lang, r.outlet_name_zh, r.outlet_name_en)}",
        "kind": tr(show.KIND_LABELS.get(r.kind, r.kind)),
        "jurisdiction": names.get(r.province_code, r.province_code),
        "state": r.state.value,
        "state_label": tr(show.STATE_LABELS[r.state.value]),
        "last_seen": show.china_time(r.last_seen_at),
        "lon": r.longitude,
        "lat": r.latitude,
        "url": f"/sources/outlets/{r.outlet_id}",
    }


@router.get("/sources", response_class=HTMLResponse)
def map_page(
    request: Request,
    session: DbSession,
    jurisdiction: Choice = "",
    state: Choice = "",
    kind: Choice = "",
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    found = overview.source_map(
        session, province=jurisdiction or None, state=state or None, kind=kind or None
    )
    places = regions.jurisdictions_by_code(session, codes=overview.PROVINCES)
    names = {code: regions.name(j, lang) for code, j in places.items()}
    rows = [_row(r, names, lang, tr) for r in found.rows]
    legend = show.state_legend(tr, found.by_state)
    return render(
        request,
        "sources/map.html",
        {
            "rows": rows,
            "legend": legend,
            "chart": {
                "points": rows,
                "legend": legend,
                "labels": {
                    "enterprise": tr("Enterprise"),
                    "state": tr("State"),
                    "last_seen": tr("Last seen (China time)"),
                },
            },
            "provinces": [
                {"code": code, "name": names.get(code, code), "counts": found.by_province[code]}
                for code in overview.PROVINCES
                if code in found.by_province
            ],
            "jurisdictions": [(code, names.get(code, code)) for code in overview.PROVINCES],
            "states": [(s, tr(label)) for s, label in show.STATE_LABELS.items()],
            "kinds": [(k, tr(label)) for k, label in show.KIND_LABELS.items()],
            "chosen": {"jurisdiction": jurisdiction, "state": state, "kind": kind},
        },
    )
