"""Pages: /progress (dashboard), indicators, commitments, upload, report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError, field_validator

from jingjinji import problems
from jingjinji.db import MAX_DB_INT
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput
from jingjinji.i18n import msg
from jingjinji.progress import kernels, labels, service, upload
from jingjinji.progress import report as report_mod
from jingjinji.progress.schemas import AREAS, COMMITMENT_STATUSES, Group, StatusChangeIn
from jingjinji.regions import service as regions
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)


def _opt(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _int(value: str | None) -> int | None:
    value = _opt(value)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    # Like text, a number no Integer column can hold filters nothing (it would overflow the
    # database parameter).
    return number if abs(number) <= MAX_DB_INT else None


class PageFilters(BaseModel):
    """The filters of the indicator and commitment list pages as their forms send them: an
    empty field is no filter, and a number no column can hold filters nothing."""

    year: str | None = None
    area: str | None = None
    jurisdiction: str | None = None
    status: str | None = None
    agency: str | None = None
    group_by: str | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return _opt(value)

    @property
    def year_number(self) -> int | None:
        return _int(self.year)

    @property
    def agency_id(self) -> int | None:
        return _int(self.agency)

    def form_values(self, *names: str) -> dict[str, str]:
        """What the form shows again: each named filter, "" when not given."""
        return {name: getattr(self, name) or "" for name in names}


def _common(request: Request, session: DbSession) -> dict[str, Any]:
    lang = language_of(request)
    jurisdictions = regions.list_jurisdictions(session)
    names = {j.code: regions.name(j, lang) for j in jurisdictions}
    orgs = {o.id: regions.name(o, lang) for o in regions.list_organisations(session)}
    return {
        "areas": AREAS,
        "commitment_statuses": COMMITMENT_STATUSES,
        "progress_statuses": service.PROGRESS_STATUSES,
        "area_label": lambda a: labels.area_label(lang, a),
        "status_label": lambda s: labels.status_label(lang, s),
        "label": lambda kind, key: labels.label(lang, kind, key),
        "jname": lambda code: names.get(code, code),
        "oname": lambda oid: orgs.get(int(oid), str(oid)) if str(oid).isdigit() else oid,
        "fmt": labels.fmt,
        "fmt_pct": labels.fmt_pct,
        "fmt_signed": labels.fmt_signed,
        "when": labels.fmt_time,
        "status_colors": labels.STATUS_COLORS,
        "jurisdiction_choices": [j for j in jurisdictions if j.level in ("province", "region")]
        + [j for j in jurisdictions if j.code == "120116"],
        "organisations": orgs,
        "iname": (lambda row: row.name_zh) if lang == "zh_CN" else (lambda row: row.name_en),
        "ctext": (lambda c: c.text_zh) if lang == "zh_CN" else (lambda c: c.text_en),
    }


def _group_label(ctx: dict[str, Any], group_by: str, key: str) -> str:
    if group_by == "area":
        return str(ctx["area_label"](key))
    if group_by == "status":
        return str(ctx["status_label"](key))
    if group_by in ("jurisdiction", "lead_jurisdiction"):
        return str(ctx["jname"](key))
    if group_by == "agency":
        return str(ctx["oname"](key))
    if group_by == "direction":
        return str(ctx["label"]("direction", key))
    return key


def _labelled(
    ctx: dict[str, Any], group_by: str, groups: Sequence[Group[Any]]
) -> list[dict[str, Any]]:
    """Groups as the pages list them, each with its label in the page's language."""
    return [
        {
            "key": g.key,
            "label": _group_label(ctx, group_by, g.key),
            "count": g.count,
            "status_counts": g.status_counts,
            "items": g.items,
        }
        for g in groups
    ]


def _status_series(
    ctx: dict[str, Any],
    statuses: Sequence[str],
    stack: str,
    counts: Callable[[str], list[int]],
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """One stacked bar series per status; ``counts(status)`` gives its bars. Each has its own
    colour, a legend name in the page's language (prefixed by ``kind`` where a chart stacks
    indicator and commitment statuses) and its counts shown on the bars."""
    return [
        {
            "name": f"{kind}: {ctx['status_label'](s)}" if kind else ctx["status_label"](s),
            "type": "bar",
            "stack": stack,
            "itemStyle": {"color": labels.STATUS_COLORS[s]},
            "label": {"show": True},
            "data": counts(s),
        }
        for s in statuses
    ]


def _chart(categories: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    """A stacked chart's data block: its categories, series and a legend naming every status."""
    return {"categories": categories, "series": series, "legend": True}


@router.get("/progress", response_class=HTMLResponse)
def dashboard(
    request: Request, session: DbSession, actor: OptionalActor, year: str | None = None
) -> Response:
    ctx = _common(request, session)
    chosen = _int(year) or service.latest_year(session)
    roll = service.rollups(session, year=chosen, per_commitment=False)
    areas = list(AREAS)
    area_names = [ctx["area_label"](a) for a in areas]
    by_area, by_jur = roll.by_area, roll.by_jurisdiction
    jcodes = list(by_jur)
    progress, commitments = service.PROGRESS_STATUSES, COMMITMENT_STATUSES
    series_area = _status_series(
        ctx, progress, "i", lambda s: [by_area[a].indicators[s] for a in areas]
    )
    series_commit = _status_series(
        ctx, commitments, "c", lambda s: [by_area[a].commitments[s] for a in areas]
    )
    series_jur = _status_series(
        ctx,
        progress,
        "j",
        lambda s: [by_jur[j].indicators[s] for j in jcodes],
        t(request, "Indicators"),
    ) + _status_series(
        ctx,
        commitments,
        "jc",
        lambda s: [by_jur[j].commitments[s] for j in jcodes],
        t(request, "Commitments"),
    )
    return render(
        request,
        "progress/dashboard.html",
        {
            **ctx,
            "year": chosen,
            "roll": roll,
            "chart_area": _chart(area_names, series_area),
            "chart_commit": _chart(area_names, series_commit),
            "chart_jur": _chart([ctx["jname"](j) for j in jcodes], series_jur),
            "jcodes": jcodes,
        },
    )


@router.get("/progress/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    filters: Annotated[PageFilters, Query()],
) -> Response:
    ctx = _common(request, session)
    area, status, group_by = filters.area, filters.status, filters.group_by
    rows = service.progress_rows(
        session, year=filters.year_number, area=area, jurisdiction=filters.jurisdiction
    )
    if status:
        rows = [r for r in rows if r.status == status]
    groups = None
    if group_by:
        groups = _labelled(ctx, group_by, service.group_progress(session, rows, group_by))
    all_indicators = service.list_indicators(session)
    with_values = {r.indicator_code for r in rows}
    return render(
        request,
        "progress/indicators.html",
        {
            **ctx,
            "rows": rows,
            "groups": groups,
            "group_by": group_by,
            "group_choices": service.PROGRESS_GROUPS,
            "filters": filters.form_values("year", "area", "jurisdiction", "status"),
            "without_values": [
                i
                for i in all_indicators
                if i.code not in with_values and (not area or i.area == area)
            ]
            if not status
            else [],
        },
    )


@router.get("/progress/indicators/{code}", response_class=HTMLResponse)
def indicator_page(
    request: Request, code: str, session: DbSession, actor: OptionalActor
) -> Response:
    ctx = _common(request, session)
    indicator = service.get_indicator(session, code=code)
    rows = service.progress_rows(session, indicator=code)
    values = sorted(
        service.list_values(session, indicator=code),
        key=lambda v: (v.jurisdiction_code, v.period_ordinal),
    )
    targets = service.list_targets(session, indicator=code)
    by_jur: dict[str, list[Any]] = {}
    for v in values:
        by_jur.setdefault(v.jurisdiction_code, []).append(v)
    # every period between the first and the last, so that missing periods show as gaps
    kind = kernels.PeriodType(indicator.period_type)
    periods: list[str] = []
    if values:
        last = max(v.period_ordinal for v in values)
        first = max(min(v.period_ordinal for v in values), last - 600)
        periods = [str(kernels.from_ordinal(kind, o)) for o in range(first, last + 1)]
    series = []
    for jcode, vals in by_jur.items():
        lookup = {v.period: v.value for v in vals}
        s: dict[str, Any] = {
            "name": ctx["jname"](jcode),
            "type": "line",
            "connectNulls": True,
            "data": [lookup.get(p) for p in periods],
        }
        target = next((t for t in targets if t.jurisdiction_code == jcode), None)
        if target is not None:
            s["markLine"] = {
                "data": [{"yAxis": target.target_value, "name": f"{target.target_year}"}],
                "label": {
                    "formatter": f"target {target.target_year}: {labels.fmt(target.target_value)}"
                },
            }
        series.append(s)
    commitments = [service.commitment_out(session, c) for c in service.list_commitments(session)]
    linked = [c for c in commitments if code in c.indicator_codes]
    return render(
        request,
        "progress/indicator.html",
        {
            **ctx,
            "indicator": indicator,
            "rows": rows,
            "values": values,
            "history": service.revisions_of(session, actor=actor, values=values),
            "targets": targets,
            "chart": {"periods": periods, "series": series},
            "linked": linked,
        },
    )


@router.get("/progress/commitments", response_class=HTMLResponse)
def commitments_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    filters: Annotated[PageFilters, Query()],
) -> Response:
    ctx = _common(request, session)
    group_by = filters.group_by
    items = [
        service.commitment_out(session, c)
        for c in service.list_commitments(
            session,
            area=filters.area,
            jurisdiction=filters.jurisdiction,
            status=filters.status,
            agency=filters.agency_id,
        )
    ]
    groups = None
    if group_by:
        groups = _labelled(ctx, group_by, service.group_commitments(items, group_by))
    return render(
        request,
        "progress/commitments.html",
        {
            **ctx,
            "items": items,
            "groups": groups,
            "group_by": group_by,
            "group_choices": service.COMMITMENT_GROUPS,
            "filters": filters.form_values("area", "jurisdiction", "status", "agency"),
        },
    )


@router.get("/progress/commitments/{code}", response_class=HTMLResponse)
def commitment_page(
    request: Request, code: str, session: DbSession, actor: OptionalActor, error: str | None = None
) -> Response:
    ctx = _common(request, session)
    detail = service.commitment_detail(
        session, service.get_commitment(session, code=code), actor=actor
    )
    return render(request, "progress/commitment.html", {**ctx, "c": detail, "error": error})


@router.post("/progress/commitments/{code}/status")
def commitment_status_form(
    request: Request,
    code: str,
    session: DbSession,
    actor: OptionalActor,
    status: Annotated[str, Form()],
    changed_on: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = StatusChangeIn.model_validate(
            {"status": status, "changed_on": changed_on, "note": note or None}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        problem = msg(
            "`{field}`: {problem}",
            field=".".join(str(p) for p in first["loc"]),
            problem=problems.error_message(first),
        )
        return commitment_page(request, code, session, actor, error=t(request, problem))
    try:
        service.change_status(session, actor=actor, code=code, data=data)
    except InvalidInput as exc:
        return commitment_page(request, code, session, actor, error=t(request, exc.detail))
    return redirect(f"/progress/commitments/{code}")


@router.get("/progress/upload", response_class=HTMLResponse)
def upload_page(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        return redirect("/login?next=/progress/upload")
    ctx = _common(request, session)
    return render(
        request, "progress/upload.html", {**ctx, "result": None, "errors": None, "detail": None}
    )


@router.post("/progress/upload", response_class=HTMLResponse)
def upload_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect("/login?next=/progress/upload")
    ctx = _common(request, session)
    answer = upload.upload_from_page(
        session, actor=actor, filename=file.filename or "upload", file=file.file
    )
    return render(
        request,
        "progress/upload.html",
        {
            **ctx,
            "result": answer.result,
            "errors": answer.problems,
            "detail": answer.detail,
            "filename": file.filename,
        },
        status_code=answer.status_code,
    )


@router.get("/progress/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    year: str | None = None,
    jurisdiction: str | None = None,
) -> Response:
    ctx = _common(request, session)
    chosen = _int(year) or service.latest_year(session)
    jurisdiction = _opt(jurisdiction)
    built = report_mod.build_report(
        session, year=chosen, jurisdiction=jurisdiction, lang=language_of(request)
    )
    charts = {
        s.area: {
            "title": s.chart.title,
            "labels": s.chart.labels,
            "values": s.chart.values,
            "colors": s.chart.colors,
            "unit": s.chart.unit,
        }
        for s in built.areas
    }
    return render(
        request,
        "progress/report.html",
        {
            **ctx,
            "report": built,
            "year": chosen,
            "jurisdiction": jurisdiction or "",
            "charts": charts,
            "method_notes": report_mod.method_notes(built.lang),
            "change_text": report_mod.change_text,
        },
    )
