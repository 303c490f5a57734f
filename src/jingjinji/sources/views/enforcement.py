"""Pages of exceedance events and linked enforcement cases: ``/sources/exceedances`` (the
events the reader sees, with the form opening a case from the checked ones),
``/sources/cases`` (the cases, overdue ones marked) and ``/sources/cases/{id}`` (facts,
jurisdictions, events, tasks, timeline and the forms of the steps the reader may take).

Forms post with htmx; the answer is the fragment of the form's target (``#open-case`` or
``#case-body``) with the refusal shown in it and its status (403, 409, 422) when refused; a
plain form gets a redirect, or the whole page with the refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jingjinji import problems
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.errors import DomainError
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.sources.models import CaseStatus, ExceedanceKind, ExceedanceStatus, TaskKind
from jingjinji.sources.presentation import china_time, factor_name, number
from jingjinji.sources.schemas import enforcement as schemas
from jingjinji.sources.service import cases as case_service
from jingjinji.sources.service import exceedances as exceedance_service
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 50
#: The forms' fields by their labels on the pages, for the problems a refused form lists.
FORM_LABELS = {
    "title": msg("Case title"),
    "exceedance_ids": msg("Exceedance events"),
    "result": msg("Result"),
    "kind": msg("Task"),
    "organisation_id": msg("Agency"),
    "due_at": msg("Due (China time)"),
    "description": msg("What to do"),
    "jurisdiction_code": msg("Jurisdiction"),
    "conclusion": msg("Case conclusion"),
}


def _problems(request: Request, exc: ValidationError | DomainError) -> list[str]:
    return problems.problem_lines(language_of(request), exc, FORM_LABELS)


def _names(session: DbSession, request: Request, codes: Iterable[str]) -> dict[str, str]:
    """Jurisdiction names in the reader's language, by code."""
    lang = language_of(request)
    found = regions.jurisdictions_by_code(session, codes=set(codes))
    return {code: regions.name(row, lang) for code, row in found.items()}


def _helpers(request: Request) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "lang": lang,
        "china_time": china_time,
        "number": number,
        "factor_name": lambda code: factor_name(code, lang) if code else "",
        "pick": lambda zh, en: zh if lang == "zh_CN" or not en else en,
    }


def _exceedances_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    *,
    status: str | None,
    kind: str | None,
    cursor: str | None,
    errors: list[str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    if fragment:  # the open-case form's target alone, with the refusal
        return render(
            request,
            "sources/_open_case.html",
            {"errors": errors or [], "values": values or {}},
            status_code=status_code,
        )
    page = exceedance_service.list_exceedances(
        session, actor=actor, status=status, kind=kind, cursor=cursor, limit=LIST_LIMIT
    )
    rows = exceedance_service.exceedance_rows(session, actor=actor, events=page.items)
    return render(
        request,
        "sources/exceedances.html",
        {
            **_helpers(request),
            "rows": rows,
            "jname": _names(session, request, {r.jurisdiction_code for r in rows}),
            "next_cursor": page.next_cursor,
            "status": status or "",
            "kind": kind or "",
            "statuses": [s.value for s in ExceedanceStatus],
            "kinds": [k.value for k in ExceedanceKind],
            "may_open": any(r.may_open_case for r in rows),
            "errors": errors or [],
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/sources/exceedances", response_class=HTMLResponse)
def exceedances_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    status: Annotated[ExceedanceStatus | None, Query()] = None,
    kind: Annotated[ExceedanceKind | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    return _exceedances_page(
        request,
        session,
        actor,
        status=status.value if status else None,
        kind=kind.value if kind else None,
        cursor=cursor,
    )


@router.post("/sources/cases", response_class=HTMLResponse)
def open_case(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    exceedance_ids: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
    title: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    values = {"title": title, "exceedance_ids": exceedance_ids}
    try:
        data = schemas.CaseOpenIn.model_validate(values)
        made = case_service.open_case(session, actor=actor, data=data)
    except (ValidationError, DomainError) as exc:
        return _exceedances_page(
            request,
            session,
            actor,
            status=None,
            kind=None,
            cursor=None,
            errors=_problems(request, exc),
            values=values,
            status_code=422 if isinstance(exc, ValidationError) else exc.status,
            fragment=bool(request.headers.get("HX-Request")),
        )
    return _done(request, made.id)


def _done(request: Request, case_id: int) -> Response:
    url = f"/sources/cases/{case_id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return redirect(url)


@router.get("/sources/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    status: Annotated[CaseStatus | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    page = case_service.list_cases(
        session,
        actor=actor,
        status=status.value if status else None,
        overdue=overdue,
        cursor=cursor,
        limit=LIST_LIMIT,
    )
    late = case_service.overdue_case_ids(session, case_ids=[c.id for c in page.items])
    return render(
        request,
        "sources/cases.html",
        {
            **_helpers(request),
            "cases": [schemas.CaseOut.model_validate(c) for c in page.items],
            "late": late,
            "jname": _names(session, request, {c.lead_jurisdiction_code for c in page.items}),
            "next_cursor": page.next_cursor,
            "status": status.value if status else "",
            "overdue": overdue,
            "statuses": [s.value for s in CaseStatus],
        },
    )


def _case_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: int,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    detail = case_service.case_detail(session, actor=actor, case_id=case_id)
    codes = {j.jurisdiction_code for j in detail.jurisdictions}
    codes |= {a.jurisdiction_code for a in detail.agencies}
    codes |= {s.jurisdiction_code for s in detail.steps if s.jurisdiction_code}
    return render(
        request,
        "sources/_case_body.html" if fragment else "sources/case.html",
        {
            **_helpers(request),
            "c": detail,
            "jname": _names(session, request, codes),
            "provinces": [p.code for p in regions.provinces(session)],
            "task_kinds": [k.value for k in TaskKind],
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/sources/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, session: DbSession, actor: RequiredActor, case_id: DbId
) -> Response:
    return _case_page(request, session, actor, case_id)


def _step(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: int,
    csrf_token: str,
    action: Callable[[], Any],
) -> Response:
    """Run one step; answer with the refreshed body (htmx) or a redirect, and with the
    refusal and its status shown on the page when refused (a case the reader may not see
    stays a 404)."""
    check_csrf(request, csrf_token)
    fragment = bool(request.headers.get("HX-Request"))
    try:
        action()
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        return _case_page(
            request,
            session,
            actor,
            case_id,
            errors=_problems(request, exc),
            status_code=422 if isinstance(exc, ValidationError) else exc.status,
            fragment=fragment,
        )
    if fragment:
        return _case_page(request, session, actor, case_id, fragment=True)
    return redirect(f"/sources/cases/{case_id}")


@router.post("/sources/cases/{case_id}/involve", response_class=HTMLResponse)
def involve(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: DbId,
    jurisdiction_code: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _step(
        request,
        session,
        actor,
        case_id,
        csrf_token,
        lambda: case_service.involve(
            session,
            actor=actor,
            case_id=case_id,
            data=schemas.InvolveIn.model_validate({"jurisdiction_code": jurisdiction_code}),
        ),
    )


@router.post("/sources/cases/{case_id}/tasks", response_class=HTMLResponse)
def add_task(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: DbId,
    kind: Annotated[str, Form(max_length=20)] = "",
    organisation_id: Annotated[str, Form(max_length=20)] = "",
    due_at: Annotated[str, Form(max_length=40)] = "",
    description: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    def act() -> Any:
        data = schemas.TaskIn.model_validate(
            {
                "kind": kind,
                "organisation_id": int(organisation_id) if organisation_id.isdigit() else 0,
                "due_at": due_at,
                "description": description,
            }
        )
        return case_service.add_task(session, actor=actor, case_id=case_id, data=data)

    return _step(request, session, actor, case_id, csrf_token, act)


@router.post("/sources/cases/{case_id}/tasks/{task_id}/complete", response_class=HTMLResponse)
def complete_task(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: DbId,
    task_id: DbId,
    result: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _step(
        request,
        session,
        actor,
        case_id,
        csrf_token,
        lambda: case_service.complete_task(
            session,
            actor=actor,
            case_id=case_id,
            task_id=task_id,
            data=schemas.TaskDoneIn.model_validate({"result": result}),
        ),
    )


@router.post("/sources/cases/{case_id}/close", response_class=HTMLResponse)
def close_case(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    case_id: DbId,
    conclusion: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    return _step(
        request,
        session,
        actor,
        case_id,
        csrf_token,
        lambda: case_service.close_case(
            session,
            actor=actor,
            case_id=case_id,
            data=schemas.CaseCloseIn.model_validate({"conclusion": conclusion}),
        ),
    )
