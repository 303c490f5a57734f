"""/sources/outlets/{id}: an outlet, its enterprise, loggers and factors with their permit
limits; for those who read the enterprise's data, the real-time series of the latest day with
data and the hourly series of the latest week with data, each factor against its limit lines,
and the open exceedance events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import i18n
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.regions import service as regions
from jingjinji.sources import presentation as show
from jingjinji.sources.models import Exceedance
from jingjinji.sources.service import overview
from jingjinji.timezone import CHINA_TZ
from jingjinji.web import language_of, render

router = APIRouter(include_in_schema=False)

HOURLY_COLOUR = "#d7301f"
DAILY_COLOUR = "#f28c28"


def _limits(f: overview.FactorSeries, tr: show.Translate) -> list[dict[str, Any]]:
    limits = []
    if f.hourly_limit is not None:
        limits.append(
            {"value": f.hourly_limit, "label": tr("Hourly limit"), "colour": HOURLY_COLOUR}
        )
    if f.daily_limit is not None:
        limits.append({"value": f.daily_limit, "label": tr("Daily limit"), "colour": DAILY_COLOUR})
    return limits


def _days(window: overview.SeriesWindow) -> str:
    """The window's China-time days, ``2026-03-01`` or ``2026-02-23 – 2026-03-01``."""
    assert window.start is not None and window.end is not None
    first = window.start.astimezone(CHINA_TZ).date()
    last = window.end.astimezone(CHINA_TZ).date() - dt.timedelta(days=1)
    return first.isoformat() if first == last else f"{first} – {last}"


def _charts(window: overview.SeriesWindow | None, lang: str, tr: show.Translate) -> dict[str, Any]:
    if window is None or window.start is None:
        return {"days": "", "charts": []}
    return {
        "days": _days(window),
        "charts": [
            {
                "factor": f.factor,
                "name": show.factor_name(f.factor, lang),
                "unit": f.unit,
                "limits": _limits(f, tr),
                "points": [[at, value] for at, value in f.points],
            }
            for f in window.factors
        ],
    }


def _exceedance(e: Exceedance, lang: str, tr: show.Translate) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": tr(show.EXCEEDANCE_LABELS.get(e.kind, e.kind)),
        "factor": show.factor_name(e.factor, lang) if e.factor else "–",
        "started": show.china_time(e.started_at),
        "value": show.number(e.value),
        "limit": show.number(e.limit),
        "in_case": e.case_id is not None,
    }


@router.get("/sources/outlets/{outlet_id}", response_class=HTMLResponse)
def outlet_page(
    request: Request, session: DbSession, actor: OptionalActor, outlet_id: DbId
) -> Response:
    lang = language_of(request)
    tr = i18n.translations(lang).gettext
    page = overview.outlet_page(session, actor=actor, outlet_id=outlet_id)
    places = regions.jurisdictions_by_code(session, codes={page.enterprise.jurisdiction_code})
    o, e = page.outlet, page.enterprise
    realtime = _charts(page.realtime, lang, tr)
    hourly = _charts(page.hourly, lang, tr)
    return render(
        request,
        "sources/outlet.html",
        {
            "outlet": {
                "id": o.id,
                "code": o.code,
                "name": show.pick(lang, o.name_zh, o.name_en),
                "kind": tr(show.KIND_LABELS.get(o.kind, o.kind)),
                "position": f"{o.longitude:.4f}°E, {o.latitude:.4f}°N",
                "border_km": show.number(o.border_distance_km, 1)
                if o.border_distance_km is not None
                else None,
            },
            "enterprise": {
                "name": show.pick(lang, e.name_zh, e.name_en),
                "uscc": e.uscc,
                "jurisdiction": regions.name(places[e.jurisdiction_code], lang)
                if e.jurisdiction_code in places
                else e.jurisdiction_code,
                "synthetic": e.synthetic,
            },
            "state": page.row.state.value,
            "state_label": tr(show.STATE_LABELS[page.row.state.value]),
            "loggers": [
                {
                    "mn": lg.mn,
                    "version": lg.protocol_version,
                    "interval": lg.realtime_interval_seconds,
                    "active": lg.active,
                    "last_seen": show.china_time(lg.last_seen_at),
                }
                for lg in page.loggers
            ],
            "factors": [
                {
                    "code": f.code,
                    "name": show.factor_name(f.code, lang),
                    "unit": f.unit,
                    "hourly": show.number(f.hourly_limit),
                    "daily": show.number(f.daily_limit),
                }
                for f in page.factors
            ],
            "readable": page.readable,
            "realtime": realtime,
            "hourly": hourly,
            "series": {
                "realtime": realtime["charts"],
                "hourly": hourly["charts"],
                "labels": {"time": tr("China time")},
            },
            "exceedances": [_exceedance(x, lang, tr) for x in page.exceedances],
        },
    )
