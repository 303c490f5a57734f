"""Catalog pages: browse, dataset detail with the access form, access requests, report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jingjinji.catalog import service, workdays
from jingjinji.catalog.models import AccessRequest, Dataset
from jingjinji.catalog.schemas import SHARING_CLASSES, AccessRequestIn, DecisionIn
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import Conflict, InvalidInput
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
PREVIEW_ROWS = 20
# The requests page shows each box's first entries, oldest first (the API pages further).
LIST_LIMIT = 200


def _org_names(session: Session, lang: str) -> dict[int, str]:
    return {o.id: regions.name(o, lang) for o in regions.list_organisations(session)}


def _title(dataset: Dataset, lang: str) -> str:
    return dataset.title_zh if lang == "zh_CN" else dataset.title_en


def _common(request: Request, session: Session) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "orgs": _org_names(session, lang),
        "provinces": regions.provinces(session),
        "title_of": lambda d: _title(d, lang),
        "jname": lambda j: regions.name(j, lang),
        # Times are shown on the Beijing clock, like the deadlines.
        "local_time": lambda moment: moment.astimezone(workdays.CST).strftime("%Y-%m-%d %H:%M"),
    }


def _problems(exc: InvalidInput | Conflict | ValidationError) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    if exc.errors:
        return [
            f"{'.'.join(str(p) for p in e.get('loc', [])[1:] or e.get('loc', []))}: {e.get('msg')}"
            for e in exc.errors
        ]
    return [exc.detail]


@router.get("/catalog", response_class=HTMLResponse)
def browse(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    q: str = "",
    jurisdiction: str = "",
    domain: str = "",
    sharing_class: str = "",
    open_to_public: str = "",
    cursor: str | None = None,
) -> Response:
    open_flag = True if open_to_public == "1" else None
    rows, next_cursor = service.list_datasets(
        session,
        actor=actor,
        jurisdiction=jurisdiction or None,
        domain=domain or None,
        sharing_class=sharing_class or None,
        open_to_public=open_flag,
        q=q or None,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    filters = {
        "q": q,
        "jurisdiction": jurisdiction,
        "domain": domain,
        "sharing_class": sharing_class,
        "open_to_public": open_to_public,
    }
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
    session: Session,
    actor: Actor | None,
    code: str,
    *,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    dataset = service.visible_dataset(session, actor=actor, code=code)
    access = service.access_for(session, actor=actor, dataset=dataset)
    conditional = [f.name for f in dataset.fields if f.sharing_class == "conditional"]
    pending: AccessRequest | None = None
    grants: list[Any] = []
    if actor is not None and actor.organisation_id is not None:
        pending = service.open_request(
            session, dataset_id=dataset.id, organisation_id=actor.organisation_id
        )
        grants, _ = service.list_grants(
            session,
            actor=actor,
            dataset_code=dataset.code,
            organisation_id=actor.organisation_id,
            current_only=True,
        )
    missing = [name for name in conditional if name not in access.readable]
    can_apply = (
        actor is not None
        and actor.role in (Role.ANALYST, Role.STEWARD)
        and actor.organisation_id != dataset.owner_organisation_id
        and dataset.sharing_class != "not_shared"
        and bool(missing)
        and pending is None
    )
    preview = None
    if access.readable:
        preview = service.read_records(
            session, actor=actor, dataset_code=dataset.code, limit=PREVIEW_ROWS
        )
    today = workdays.local_date(dt.datetime.now(dt.UTC))
    defaults = {
        "purpose": "",
        "fields": missing,
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=365)).isoformat(),
    }
    return render(
        request,
        "catalog/detail.html",
        {
            **_common(request, session),
            "dataset": dataset,
            "access": access,
            "withheld": {w.field: w.reason for w in access.withheld},
            "jurisdiction_name": regions.name(
                regions.get_jurisdiction(session, code=dataset.jurisdiction_code),
                language_of(request),
            ),
            "conditional": conditional,
            "pending": pending,
            "grants": grants,
            "can_apply": can_apply,
            "preview": preview,
            "form": {**defaults, **(form or {})},
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/catalog/{code}", response_class=HTMLResponse)
def detail(request: Request, session: DbSession, actor: OptionalActor, code: str) -> Response:
    return _detail(request, session, actor, code)


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
        data = AccessRequestIn.model_validate(
            {
                "dataset_code": code,
                "purpose": purpose,
                "fields": fields or [],
                "period_start": period_start,
                "period_end": period_end,
            }
        )
        created = service.create_access_request(
            session, actor=actor, data=data, settings=request.app.state.settings
        )
    except (ValidationError, InvalidInput, Conflict) as exc:
        session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        return _detail(
            request, session, actor, code, errors=_problems(exc), form=form, status_code=status
        )
    return redirect(f"/access-requests?notice=submitted&request={created.id}")


def _requests_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    to_decide, _ = service.list_access_requests(
        session, actor=actor, box="to_decide", limit=LIST_LIMIT
    )
    mine, _ = service.list_access_requests(session, actor=actor, box="mine", limit=LIST_LIMIT)
    escalated, _ = service.list_access_requests(
        session, actor=actor, box="escalated", limit=LIST_LIMIT
    )
    grants, _ = service.list_grants(session, actor=actor, limit=LIST_LIMIT)
    datasets = {g.dataset_code: service.get_dataset(session, code=g.dataset_code) for g in grants}
    now = dt.datetime.now(dt.UTC)
    return render(
        request,
        "catalog/requests.html",
        {
            **_common(request, session),
            "to_decide": to_decide,
            "mine": mine,
            "escalated": escalated,
            "grants": grants,
            "revocable": {
                g.id
                for g in grants
                if not g.revoked and service.may_revoke(actor, datasets[g.dataset_code])
            },
            "may_decide": lambda r: service.may_decide(actor, r),
            "today": workdays.local_date(now),
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
        service.decide_access_request(session, actor=actor, request_id=request_id, data=data)
    except (ValidationError, InvalidInput, Conflict) as exc:
        session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        return _requests_page(request, session, actor, errors=_problems(exc), status_code=status)
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
        service.revoke_grant(session, actor=actor, grant_id=grant_id, reason=reason)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        return _requests_page(request, session, actor, errors=_problems(exc), status_code=status)
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
