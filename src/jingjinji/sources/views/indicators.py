"""/sources/indicators: online rate, transmission effectiveness and exceedance counts for a
China-time day or month, for the region, each province and its cities. Public (aggregates
name no enterprise). Without a period, the latest one with stored data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.deps import DbSession
from jingjinji.labels import N_
from jingjinji.regions import service as regions
from jingjinji.sources import presentation as show
from jingjinji.sources.service import indicators
from jingjinji.web import language_of, render

router = APIRouter(include_in_schema=False)


def _row(r: indicators.IndicatorRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "level": r.level,
        "code": r.code,
        "name": names.get(r.code, r.code),
        "loggers": r.loggers,
        "online": r.online,
        "online_rate": show.percent(r.online_rate),
        "effectiveness": show.percent(r.effectiveness),
        "exceedances": r.exceedances,
        "total": r.exceedance_total,
    }


@router.get("/sources/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    session: DbSession,
    kind: Annotated[str, Query(max_length=10)] = "month",
    period: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    chosen = (
        indicators.parse_period(kind, period) if period else indicators.latest_period(session, kind)
    )
    rows = indicators.compute(session, period=chosen)
    places = regions.jurisdictions_by_code(session, codes={r.code for r in rows})
    names = {code: regions.name(j, lang) for code, j in places.items()}
    return render(
        request,
        "sources/indicators.html",
        {
            "period": chosen.text,
            "kind": chosen.kind,
            "kinds": [("day", tr(N_("Day"))), ("month", tr(N_("Month")))],
            "rows": [_row(r, names) for r in rows],
            "exceedance_kinds": [(k, tr(label)) for k, label in show.EXCEEDANCE_LABELS.items()],
        },
    )
