"""Air-quality pages: regional overview, station, city, compliance and CSV upload.

Charts are drawn by ECharts in the browser from the JSON API (/api/v1/air/...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from jingjinji import labels, refusals
from jingjinji.air import kernels, policy, service, uploads
from jingjinji.air.formats import level_info
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, NotAuthenticated, PermissionDenied
from jingjinji.i18n import msg
from jingjinji.labels import N_
from jingjinji.regions import service as regions
from jingjinji.web import check_csrf, language_of, render

router = APIRouter(include_in_schema=False)

BEIJING = "110000"
CHART_POLLUTANTS = ("pm2_5", "pm10", "so2", "no2", "co", "o3_8h")
MAX_UPLOAD_MB = uploads.MAX_UPLOAD_BYTES // (1024 * 1024)


def levels(lang: str) -> list[dict[str, Any]]:
    """AQI levels with their HJ 633 colours, for legends and chart colour maps."""
    out = []
    for number, level in kernels.LEVELS.items():
        out.append(
            {
                "level": number,
                "roman": level.roman,
                "min": level.aqi_min,
                "max": level.aqi_max if level.aqi_max is not None else 500,
                "label": level.category_zh if lang == "zh_CN" else level.category_en,
                "colour": level.colour_hex,
            }
        )
    return out


def _common(request: Request) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "levels": levels(lang),
        "attribution": service.ATTRIBUTION,
        "pollutants": CHART_POLLUTANTS,
    }


def _category(level: int, lang: str) -> str:
    return kernels.category_zh(level) if lang == "zh_CN" else kernels.category_en(level)


@router.get("/air", response_class=HTMLResponse)
def overview(
    request: Request, session: DbSession, actor: OptionalActor, date: dt.date | None = None
) -> Response:
    lang = language_of(request)
    day = date or service.latest_day(session)
    counts = service.station_counts_by_city(session)
    rows = list(service.ranking(session, day=day).iter_rows(named=True)) if day is not None else []
    # A day the request names may have no data: the page then links to the default day.
    latest_day = service.latest_day(session) if date is not None and not rows else day
    places = regions.jurisdictions_by_code(
        session, codes=[*counts, *(row["city_code"] for row in rows)]
    )
    ranking_rows = [
        {
            **row,
            "name": regions.name(places[row["city_code"]], lang),
            "category": _category(int(row["level"]), lang),
            **level_info(int(row["level"])),
        }
        for row in rows
    ]
    cities = [
        {"code": code, "name": regions.name(places[code], lang), "stations": n}
        for code, n in counts.items()
    ]
    return render(
        request,
        "air/overview.html",
        {
            **_common(request),
            "day": day,
            "latest_day": latest_day,
            "ranking": ranking_rows,
            "cities": cities,
            "station_count": sum(counts.values()),
        },
    )


@router.get("/air/stations/{code}", response_class=HTMLResponse)
def station_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    year: int | None = None,
) -> Response:
    lang = language_of(request)
    station = service.get_station(session, code=code)
    city = regions.get_jurisdiction(session, code=station.city_code)
    latest = service.latest(session, stations=[station])[0]
    return render(
        request,
        "air/station.html",
        {
            **_common(request),
            **asdict(service.page_period(session, codes=[code], start=start, end=end, year=year)),
            "station": station,
            "city_name": regions.name(city, lang),
            "station_name": station.name_zh if lang == "zh_CN" else station.name_en,
            "latest": latest,
            "latest_category": _category(latest.level, lang),
            "latest_colour": level_info(latest.level)["colour"],
            "api_base": f"/api/v1/air/stations/{code}",
            "show_attribution": station.province_code == BEIJING,
        },
    )


@router.get("/air/cities/{code}", response_class=HTMLResponse)
def city_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    year: int | None = None,
) -> Response:
    lang = language_of(request)
    service.check_city(session, city_code=code)
    city = regions.get_jurisdiction(session, code=code)
    stations = service.list_stations(session, city=code)
    return render(
        request,
        "air/city.html",
        {
            **_common(request),
            **asdict(
                service.page_period(
                    session, codes=[s.code for s in stations], start=start, end=end, year=year
                )
            ),
            "city": city,
            "city_name": regions.name(city, lang),
            "stations": stations,
            "api_base": f"/api/v1/air/cities/{code}",
            "show_attribution": code == BEIJING,
        },
    )


STANDARD_LABELS = labels.register(
    "air.standard",
    {
        "gb3095-2012": "GB 3095-2012",
        "gb3095-2026": N_("GB 3095-2026 (until 2030)"),
        "gb3095-2026-2031": N_("GB 3095-2026 (from 2031)"),
    },
)


@router.get("/air/cities/{code}/compliance", response_class=HTMLResponse)
def compliance_page(
    request: Request, session: DbSession, actor: OptionalActor, code: str, year: int | None = None
) -> Response:
    lang = language_of(request)
    years, chosen = service.compliance_years(session, city_code=code, year=year)
    city = regions.get_jurisdiction(session, code=code)
    report = service.compliance_report(session, city_code=code, year=chosen)
    tables = []
    for standard, rows in report.standards.items():
        tables.append(
            {
                "standard": standard,
                "label": labels.label(language_of(request), "air.standard", standard),
                "assessed": [r for r in rows if r.statistic != "exceedance_days"],
                "exceedance": [r for r in rows if r.statistic == "exceedance_days"],
            }
        )
    level_days = [
        {
            "level": int(k),
            "days": v,
            "category": _category(int(k), lang) or "-",
            **level_info(int(k)),
        }
        for k, v in report.level_days.items()
    ]
    return render(
        request,
        "air/compliance.html",
        {
            **_common(request),
            "city": city,
            "city_name": regions.name(city, lang),
            "year": chosen,
            "years": years,
            "report": report,
            "tables": tables,
            "level_days": level_days,
            "show_attribution": code == BEIJING,
        },
    )


@router.get("/air/upload", response_class=HTMLResponse)
def upload_form(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        raise NotAuthenticated(msg("log in to upload observations"))
    return render(
        request,
        "air/upload.html",
        {
            "may_upload": policy.may_upload(actor),
            "stations": service.stations_for_upload(session, actor=actor),
            "result": None,
            "errors": None,
            "max_mb": MAX_UPLOAD_MB,
        },
    )


@router.post("/air/upload", response_class=HTMLResponse)
def upload_submit(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
    units: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    partial: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        raise NotAuthenticated(msg("log in to upload observations"))
    template = (
        "air/_upload_result.html" if request.headers.get("hx-request") else ("air/upload.html")
    )
    context: dict[str, Any] = {
        "may_upload": policy.may_upload(actor),
        "stations": [],
        "max_mb": MAX_UPLOAD_MB,
        "filename": file.filename,
        "result": None,
        "errors": None,
    }
    try:
        result = uploads.ingest_upload(
            session,
            actor=actor,
            file=file.file,
            filename=file.filename or "upload.csv",
            units=units or None,
            timezone=timezone or None,
            partial=partial in {"1", "on", "true"},
            channel="web",
        )
    except InvalidInput as exc:
        context["errors"] = {
            "detail": exc.detail,
            "items": exc.errors[:500],
            "count": len(exc.errors),
        }
        return render(request, template, context, status_code=422)
    except PermissionDenied as exc:
        # shown in the form like any other refusal (an htmx form swaps the fragment); one the
        # service did not put on the record goes there as the app-wide 403 handler would
        if not exc.audited:
            refusals.record(
                request, action="request.refused", actor=actor, detail={"reason": exc.detail[:500]}
            )
        context["errors"] = {
            "detail": exc.detail,
            "items": exc.errors[:500],
            "count": len(exc.errors),
        }
        return render(request, template, context, status_code=403)
    context["result"] = result
    return render(request, template, context)
