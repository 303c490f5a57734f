"""Agency pages: /credit/agency (publication queue with countdown, record entry and upload,
list management) and /credit/agency/dashboard (timeliness per agency, risk classes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jingjinji import labels
from jingjinji.credit import labels as credit_labels
from jingjinji.credit.kernels.identity import ID_TYPES
from jingjinji.credit.schemas.records import (
    DETAIL_LIMIT,
    PENALTY_TYPES,
    BatchOut,
    RecordIn,
    RowError,
)
from jingjinji.credit.service import batch, measures, publication, records, scoring
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.problems import form_problems
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)

KINDS = ("penalty", "licence", "red_list", "black_list", "court_enforcement")
#: The detail fields the record form has inputs for (stored in the record's ``details``).
FORM_DETAILS = ("legal_representative", "id_type", "id_number")


def _page(
    request: Request,
    session: DbSession,
    actor: Any,
    *,
    problems: list[RowError] | None = None,
    detail: str | None = None,
    result: BatchOut | None = None,
    created: int | None = None,
    form: dict[str, str] | None = None,
    form_measures: list[str] | None = None,
    from_file: bool = False,
    status_code: int = 200,
) -> Response:
    """The agency page; ``problems`` name their columns by label (a file's also by the
    column's name in the header, ``from_file``)."""
    lang = language_of(request)
    queue = publication.publication_queue(session, actor=actor)
    entries = records.list_records(session, actor=actor, kind=None, status="published", limit=200)
    lists = [
        r
        for r in records.records_out(session, actor=actor, records=entries.items)
        if r.kind in ("red_list", "black_list")
    ]
    return render(
        request,
        "credit/agency_queue.html",
        {
            "queue": queue,
            "lists": lists,
            "kinds": KINDS,
            "penalty_types": PENALTY_TYPES,
            "detail_limit": DETAIL_LIMIT,
            "id_types": ID_TYPES,
            # the problems of each column, shown at the form's field (and in the table above)
            "field_problems": _by_column(problems or []) if not from_file else {},
            "measures": [(m.code, m.name(lang), m.kind) for m in measures.all_measures()],
            "problems": problems,
            "column_labels": {k: t(request, v) for k, v in credit_labels.RECORD_COLUMNS.items()},
            "from_file": from_file,
            "detail": detail,
            "result": result,
            "created": created,
            "form": form or {},
            # the measures ticked in a refused form (checkboxes: one value each)
            "form_measures": form_measures or [],
        },
        status_code=status_code,
    )


def _by_column(problems: list[RowError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in problems:
        found.setdefault(p.column, []).append(p.reason)
    return found


@router.get("/credit/agency", response_class=HTMLResponse)
def agency_page(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        return redirect("/login?next=/credit/agency")
    return _page(request, session, actor)


def _form_record(fields: dict[str, str], measure_codes: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    data["measures"] = measure_codes
    data["publish"] = fields.get("publish") == "on"
    details = {k: data.pop(k) for k in FORM_DETAILS if k in data}
    if details:
        data["details"] = details
    return data


@router.post("/credit/agency/records", response_class=HTMLResponse)
def create_record_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    csrf_token: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    uscc: Annotated[str, Form()] = "",
    subject_name: Annotated[str, Form()] = "",
    legal_representative: Annotated[str, Form()] = "",
    id_type: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    document_number: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    legal_basis: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    fine_10k_cny: Annotated[str, Form()] = "",
    decision_date: Annotated[str, Form()] = "",
    measures: Annotated[list[str] | None, Form()] = None,
    publish: Annotated[str, Form()] = "",
) -> Response:
    """A sync handler (FastAPI runs it on a worker thread): its database work never blocks
    the event loop. The fields are the form's, unconstrained here so that CSRF is checked
    first and every problem is shown at its field."""
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect("/login?next=/credit/agency")
    fields = {
        "kind": kind,
        "uscc": uscc,
        "subject_name": subject_name,
        "legal_representative": legal_representative,
        "id_type": id_type,
        "id_number": id_number,
        "document_number": document_number,
        "title": title,
        "legal_basis": legal_basis,
        "content": content,
        "severity": severity,
        "fine_10k_cny": fine_10k_cny,
        "decision_date": decision_date,
        "publish": publish,
    }
    codes = list(measures or [])
    try:
        data = RecordIn.model_validate(_form_record(fields, codes))
        record = records.create_record(session, actor=actor, data=data)
    except ValidationError as exc:
        problems = [
            RowError(row=1, column=credit_labels.record_column(field), reason=reason)
            for field, reason in form_problems(exc)
        ]
        return _page(
            request,
            session,
            actor,
            problems=problems,
            detail=t(request, "The record was not stored."),
            form=fields,
            form_measures=codes,
            status_code=422,
        )
    except InvalidInput as exc:
        problems = [
            RowError(row=1, column=str(e["loc"][-1]), reason=e["msg"]) for e in exc.errors
        ] or [RowError(row=1, column="-", reason=exc.detail)]
        return _page(
            request,
            session,
            actor,
            problems=problems,
            detail=t(request, exc.detail),
            form=fields,
            form_measures=codes,
            status_code=422,
        )
    except PermissionDenied as exc:
        return _page(
            request,
            session,
            actor,
            problems=[RowError(row=1, column="-", reason=exc.detail)],
            detail=t(request, exc.detail),
            form=fields,
            form_measures=codes,
            status_code=403,
        )
    return _page(request, session, actor, created=record.id)


@router.post("/credit/agency/upload", response_class=HTMLResponse)
def upload_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect("/login?next=/credit/agency")
    answer = batch.upload_from_page(
        session, actor=actor, filename=file.filename or "upload", file=file.file
    )
    return _page(
        request,
        session,
        actor,
        problems=answer.problems or None,
        detail=answer.detail,
        result=answer.result,
        from_file=True,
        status_code=answer.status_code,
    )


@router.post("/credit/agency/records/{record_id}/publish", response_class=HTMLResponse)
def publish_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    record_id: DbId,
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect("/login?next=/credit/agency")
    publication.publish_record(session, actor=actor, record_id=record_id)
    return redirect(_back(back, record_id))


@router.post("/credit/agency/records/{record_id}/lift", response_class=HTMLResponse)
def lift_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    record_id: DbId,
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect("/login?next=/credit/agency")
    records.lift_entry(session, actor=actor, record_id=record_id, reason=reason.strip() or "lifted")
    return redirect(_back(back, record_id))


def _back(back: str, record_id: int) -> str:
    """Where a publish or lift form returns: the record's page when sent from it (``back`` is
    ``record``), else the desk; never an address the form names."""
    return f"/credit/agency/records/{record_id}" if back == "record" else "/credit/agency"


@router.get("/credit/agency/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        return redirect("/login?next=/credit/agency/dashboard")
    rows = publication.timeliness(session, actor=actor)
    classes = scoring.class_distribution(session, jurisdiction=None)
    chart = {
        "agencies": [r.agency for r in rows],
        "on_time": [r.on_time for r in rows],
        "late": [r.late for r in rows],
        "overdue": [r.pending_overdue for r in rows],
        # The pie's slices are named by the classes' labels (``unclassified`` has one).
        "classes": [
            [labels.label(language_of(request), "credit.risk_class", c), n]
            for c, n in classes.items()
        ],
        "labels": {
            "on_time": t(request, "Published on time"),
            "late": t(request, "Published late"),
            "overdue": t(request, "Pending, overdue"),
            "classes": t(request, "Subjects by risk class"),
        },
    }
    return render(
        request,
        "credit/agency_dashboard.html",
        {"rows": rows, "classes": list(classes.items()), "chart": chart},
    )
