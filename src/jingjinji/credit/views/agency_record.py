"""The agency's page of one credit record: /credit/agency/records/{id} (every field, its state,
its history, and publish, lift and revise where the reader may), and its revision form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jingjinji.credit import labels as credit_labels
from jingjinji.credit.kernels.identity import ID_TYPES
from jingjinji.credit.schemas.records import DETAIL_LIMIT, RecordRevisionIn, RowError
from jingjinji.credit.service import measures, record_page
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.problems import form_problems
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)

#: The revision form's inputs (the entry form's, less what identifies the record).
REVISION_FIELDS = (
    "title",
    "legal_basis",
    "content",
    "severity",
    "fine_10k_cny",
    "decision_date",
    "legal_representative",
    "id_type",
    "id_number",
)


def _url(record_id: int) -> str:
    return f"/credit/agency/records/{record_id}"


def _form_of(page: Any) -> dict[str, str]:
    """The revision form filled with the record's values (a legacy ID type: the listed type it
    names, if any, for the writer to confirm)."""
    r = page.record
    values: dict[str, Any] = {k: getattr(r, k, None) for k in REVISION_FIELDS}
    values.update({k: r.details.get(k) for k in ("legal_representative", "id_type", "id_number")})
    if page.legacy_id_type is not None:
        values["id_type"] = page.suggested_id_type
    return {k: "" if v is None else str(v) for k, v in values.items()}


def _render(
    request: Request,
    session: DbSession,
    actor: Any,
    record_id: int,
    *,
    form: dict[str, str] | None = None,
    form_measures: list[str] | None = None,
    problems: list[RowError] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> Response:
    page = record_page.record_page(session, actor=actor, record_id=record_id)
    lang = language_of(request)
    all_measures = [(m.code, m.name(lang), m.kind) for m in measures.all_measures()]
    found: dict[str, list[str]] = {}
    for p in problems or []:
        found.setdefault(p.column, []).append(p.reason)
    return render(
        request,
        "credit/agency_record.html",
        {
            "page": page,
            "r": page.record,
            "form": form if form is not None else _form_of(page),
            "form_measures": form_measures if form is not None else page.record.measures,
            "measures": all_measures,
            "measure_names": {code: name for code, name, _ in all_measures},
            "id_types": ID_TYPES,
            "detail_limit": DETAIL_LIMIT,
            "field_problems": found,
            "problems": problems,
            "detail": detail,
            "column_labels": {k: t(request, v) for k, v in credit_labels.RECORD_COLUMNS.items()},
        },
        status_code=status_code,
    )


@router.get("/credit/agency/records/{record_id}", response_class=HTMLResponse)
def record_view(
    request: Request, session: DbSession, actor: OptionalActor, record_id: DbId
) -> Response:
    if actor is None:
        return redirect(f"/login?next={_url(record_id)}")
    return _render(request, session, actor, record_id)


def _revision(fields: dict[str, str], codes: list[str]) -> RecordRevisionIn:
    data: dict[str, Any] = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    return RecordRevisionIn.model_validate({**data, "measures": codes})


@router.post("/credit/agency/records/{record_id}/revise", response_class=HTMLResponse)
def revise_form(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    record_id: DbId,
    csrf_token: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    legal_basis: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    fine_10k_cny: Annotated[str, Form()] = "",
    decision_date: Annotated[str, Form()] = "",
    legal_representative: Annotated[str, Form()] = "",
    id_type: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    measures: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """A sync handler (FastAPI runs it on a worker thread): its database work never blocks
    the event loop. The fields are the form's (``REVISION_FIELDS`` and the measures),
    unconstrained here so that CSRF is checked first and every problem is shown at its
    field."""
    check_csrf(request, csrf_token)
    if actor is None:
        return redirect(f"/login?next={_url(record_id)}")
    fields = {
        "title": title,
        "legal_basis": legal_basis,
        "content": content,
        "severity": severity,
        "fine_10k_cny": fine_10k_cny,
        "decision_date": decision_date,
        "legal_representative": legal_representative,
        "id_type": id_type,
        "id_number": id_number,
    }
    codes = list(measures or [])

    def refused(problems: list[RowError], detail: str, status_code: int) -> Response:
        """The page again with what was sent and why it was refused."""
        return _render(
            request,
            session,
            actor,
            record_id,
            form=fields,
            form_measures=codes,
            problems=problems,
            detail=detail,
            status_code=status_code,
        )

    try:
        changes = _revision(fields, codes)
        record_page.revise_record(session, actor=actor, record_id=record_id, changes=changes)
    except ValidationError as exc:
        problems = [
            RowError(row=1, column=credit_labels.record_column(field), reason=reason)
            for field, reason in form_problems(exc)
        ]
        return refused(problems, t(request, "The record was not stored."), 422)
    except InvalidInput as exc:
        problems = [
            RowError(row=1, column=str(e["loc"][-1]), reason=e["msg"]) for e in exc.errors
        ] or [RowError(row=1, column="-", reason=exc.detail)]
        return refused(problems, t(request, exc.detail), 422)
    except PermissionDenied as exc:
        problem = RowError(row=1, column="-", reason=exc.detail)
        return refused([problem], t(request, exc.detail), 403)
    return redirect(_url(record_id))
