"""Catalog pages: browse, dataset detail with the access form, access requests, report, and
the region overview (jurisdictions with their organisations and published datasets)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from jingjinji import numbers, problems
from jingjinji.catalog import dcat, flows, presentation, service
from jingjinji.catalog.models import Dataset
from jingjinji.catalog.schemas import (
    DOWNLOAD_FORMATS,
    SHARING_CLASSES,
    AccessRequestIn,
    DecisionIn,
)
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import Conflict, InvalidInput
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.timezone import CHINA_TZ, china_today
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
PREVIEW_ROWS = 20
ACTIVITY_ROWS = 20
# The requests page shows each box's first entries, oldest first (the API pages further).
LIST_LIMIT = 200


class BrowseQuery(BaseModel):
    """The catalog page's filter form (empty: no filter)."""

    q: str = ""
    jurisdiction: str = ""
    domain: str = ""
    sharing_class: str = ""
    open_to_public: str = ""  # "1": open to the public only
    cursor: str | None = None

    def filters(self) -> dict[str, str]:
        return self.model_dump(exclude={"cursor"})


def _org_names(session: DbSession, lang: str) -> dict[int, str]:
    return {o.id: regions.name(o, lang) for o in regions.list_organisations(session)}


def _title(dataset: Dataset, lang: str) -> str:
    return dataset.title_zh if lang == "zh_CN" else dataset.title_en


def _local_time(moment: dt.datetime) -> str:
    # Times are shown on the Beijing clock, like the deadlines.
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _common(request: Request, session: DbSession) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "orgs": _org_names(session, lang),
        "provinces": regions.provinces(session),
        "title_of": lambda d: _title(d, lang),
        "jname": lambda j: regions.name(j, lang),
        "local_time": _local_time,
    }


#: The apply and decision forms' fields by their labels on the page.
FORM_LABELS = {
    "purpose": msg("Purpose"),
    "period_start": msg("Access from"),
    "period_end": msg("Access until"),
    "fields": msg("Fields"),
    "decision": msg("Decision"),
    "reason": msg("Reason"),
}


def _problems(request: Request, exc: InvalidInput | Conflict | ValidationError) -> list[str]:
    return problems.problem_lines(language_of(request), exc, FORM_LABELS)


def _status_of(exc: InvalidInput | Conflict | ValidationError) -> int:
    return 409 if isinstance(exc, Conflict) else 422


@router.get("/catalog", response_class=HTMLResponse)
def browse(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    params: Annotated[BrowseQuery, Query()],
) -> Response:
    rows, next_cursor = service.list_datasets(
        session,
        actor=actor,
        jurisdiction=params.jurisdiction or None,
        domain=params.domain or None,
        sharing_class=params.sharing_class or None,
        open_to_public=True if params.open_to_public == "1" else None,
        q=params.q or None,
        cursor=params.cursor,
        limit=PAGE_SIZE,
    )
    filters = params.filters()
    next_url = None
    if next_cursor:
        kept = {k: v for k, v in filters.items() if v}
        next_url = "/catalog?" + urlencode({**kept, "cursor": next_cursor})
    return render(
        request,
        "catalog/browse.html",
        {
            **_common(request, session),
            "datasets": rows,
            "filters": filters,
            "domains": service.domains_in_use(session),
            "classes": SHARING_CLASSES,
            "next_url": next_url,
        },
    )


def _detail(
    request: Request,
    session: DbSession,
    actor: Actor | None,
    code: str,
    *,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
    activity_cursor: str | None = None,
) -> Response:
    page = service.dataset_page(
        session,
        actor=actor,
        code=code,
        preview_rows=PREVIEW_ROWS,
        activity_cursor=activity_cursor,
        activity_rows=ACTIVITY_ROWS,
    )
    dataset = page.dataset
    base = str(request.base_url).rstrip("/")
    activity_next = (
        f"/catalog/{code}?{urlencode({'activity': page.activity.next_cursor})}#activity"
        if page.activity.next_cursor
        else None
    )
    today = china_today()
    defaults = {
        "purpose": "",
        "fields": page.missing,
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=365)).isoformat(),
    }
    return render(
        request,
        "catalog/detail.html",
        {
            **_common(request, session),
            "dataset": dataset,
            "access": page.access,
            "withheld": {w.field: w.reason for w in page.access.withheld},
            "jurisdiction_name": regions.name(
                regions.get_jurisdiction(session, code=dataset.jurisdiction_code),
                language_of(request),
            ),
            "conditional": page.conditional,
            "pending": page.pending,
            "grants": page.grants,
            "can_apply": page.may_apply,
            "preview": page.preview,
            "entry": page.out,
            "tags": presentation.shown_tags(
                language_of(request), page.out.tags_zh, page.out.tags_en
            ),
            "dcat": dcat.dataset_document(page.out, base),
            "api_base": f"{base}/api/v1/datasets/{code}",
            "formats": DOWNLOAD_FORMATS,
            "activity": page.activity.items,
            "activity_next": activity_next,
            "decimals": numbers.field_decimals(dataset.fields),
            "field_types": {f.name: f.type for f in dataset.fields},
            "value_labels": service.value_labels_for(dataset.code),
            "form": {**defaults, **(form or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/catalog/{code}", response_class=HTMLResponse)
def detail(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    activity: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _detail(request, session, actor, code, activity_cursor=activity)


@router.post("/catalog/{code}/apply")
def apply(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    code: str,
    purpose: Annotated[str, Form()] = "",
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    fields: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {
        "purpose": purpose,
        "fields": fields or [],
        "period_start": period_start,
        "period_end": period_end,
    }
    try:
        data = AccessRequestIn.model_validate({"dataset_code": code, **form})
        created = service.submit_access_request(
            session, actor=actor, data=data, settings=request.app.state.settings
        )
    except (ValidationError, InvalidInput, Conflict) as exc:
        return _detail(
            request,
            session,
            actor,
            code,
            errors=_problems(request, exc),
            form=form,
            status_code=_status_of(exc),
        )
    return redirect(f"/access-requests?notice=submitted&request={created.id}")


def _requests_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    page = service.requests_page(session, actor=actor, limit=LIST_LIMIT)
    return render(
        request,
        "catalog/requests.html",
        {
            **_common(request, session),
            "to_decide": page.to_decide,
            "mine": page.mine,
            "escalated": page.escalated,
            "grants": page.grants,
            "decides_escalated": page.decides_escalated,
            "notice": request.query_params.get("notice"),
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/access-requests", response_class=HTMLResponse)
def requests_page(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    return _requests_page(request, session, actor)


@router.post("/access-requests/{request_id}/decide")
def decide(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    request_id: DbId,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    fields: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = DecisionIn.model_validate(
            {
                "decision": decision,
                "reason": reason or None,
                # The approval form lists the requested fields: none ticked is an error, not "all".
                "fields": (fields or []) if decision == "approve" else None,
            }
        )
        service.submit_decision(
            session,
            actor=actor,
            request_id=request_id,
            data=data,
            settings=request.app.state.settings,
        )
    except (ValidationError, InvalidInput, Conflict) as exc:
        return _requests_page(
            request, session, actor, errors=_problems(request, exc), status_code=_status_of(exc)
        )
    notice = "approved" if decision == "approve" else "rejected"
    return redirect(f"/access-requests?notice={notice}")


@router.post("/access-grants/{grant_id}/revoke")
def revoke(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    grant_id: DbId,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        service.submit_revocation(session, actor=actor, grant_id=grant_id, reason=reason)
    except (InvalidInput, Conflict) as exc:
        return _requests_page(
            request, session, actor, errors=_problems(request, exc), status_code=_status_of(exc)
        )
    return redirect("/access-requests?notice=revoked")


@router.get("/sharing-report", response_class=HTMLResponse)
def report_page(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    reports = service.sharing_reports(session, settings=request.app.state.settings)
    return render(
        request,
        "catalog/report.html",
        {
            **_common(request, session),
            "reports": reports,
            "deadline_days": request.app.state.settings.decision_deadline_working_days,
        },
    )


@router.get("/region", response_class=HTMLResponse)
def region_overview(request: Request, session: DbSession, actor: OptionalActor) -> HTMLResponse:
    return render(
        request,
        "catalog/region.html",
        {"provinces": flows.region_overview(session), "name": regions.name},
    )
