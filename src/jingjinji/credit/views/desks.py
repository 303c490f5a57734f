"""Pages of the one-stop services (mounted by ``credit.views``).

Public forms of a subject (linked from its page ``/credit/subjects/{uscc}``):
``/object`` (objection), ``/repair`` (credit repair), ``/commit`` (credit commitment) and
``/declare`` (self-declaration). Agency desks: ``/credit/desk/objections``,
``/credit/desk/repairs``, ``/credit/desk/commitments`` and the office's
``/credit/desk/overdue``. Every refusal is shown on the page with its status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jingjinji import problems
from jingjinji.credit import labels
from jingjinji.credit.schemas.services import (
    CommitmentIn,
    CommitmentOutcomeIn,
    DeclarationIn,
    ObjectionAnswerIn,
    ObjectionIn,
    RepairDecisionIn,
    RepairIn,
)
from jingjinji.credit.service import commitments, declarations, forms, objections, repairs
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import DomainError
from jingjinji.refusals import client_address
from jingjinji.security import Actor
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)
DESK_LIMIT = 100


def _problems(
    request: Request, exc: ValidationError | DomainError, kind: str | None = None
) -> list[str]:
    return problems.problem_lines(language_of(request), exc, labels.FORM_FIELDS.get(kind or ""))


def _status(exc: ValidationError | DomainError) -> int:
    return 422 if isinstance(exc, ValidationError) else exc.status


def _form_page(
    request: Request,
    session: DbSession,
    *,
    uscc: str,
    kind: str,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    done: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    context = forms.form_context(session, uscc=uscc)
    response = render(
        request,
        "credit/desk_form.html",
        {
            "form": kind,
            "subject": context,
            "values": values or {},
            "errors": errors or [],
            "done": done,
        },
        status_code=status_code,
    )
    return response


def _blank(request: Request, session: DbSession, uscc: str, kind: str) -> Response:
    values = {"record_id": request.query_params.get("record", "")}
    return _form_page(request, session, uscc=uscc, kind=kind, values=values)


@router.get("/credit/subjects/{uscc}/object", response_class=HTMLResponse)
def objection_form(request: Request, session: DbSession, uscc: str) -> Response:
    return _blank(request, session, uscc, "object")


@router.get("/credit/subjects/{uscc}/repair", response_class=HTMLResponse)
def repair_form(request: Request, session: DbSession, uscc: str) -> Response:
    return _blank(request, session, uscc, "repair")


@router.get("/credit/subjects/{uscc}/commit", response_class=HTMLResponse)
def commitment_form(request: Request, session: DbSession, uscc: str) -> Response:
    return _blank(request, session, uscc, "commit")


@router.get("/credit/subjects/{uscc}/declare", response_class=HTMLResponse)
def declaration_form(request: Request, session: DbSession, uscc: str) -> Response:
    return _blank(request, session, uscc, "declare")


def _submit(
    request: Request,
    session: DbSession,
    *,
    uscc: str,
    kind: str,
    values: dict[str, str],
    csrf_token: str,
    action: Callable[[], dict[str, object]],
) -> Response:
    check_csrf(request, csrf_token)
    try:
        done = action()
    except (ValidationError, DomainError) as exc:
        response = _form_page(
            request,
            session,
            uscc=uscc,
            kind=kind,
            values=values,
            errors=_problems(request, exc, kind),
            status_code=_status(exc),
        )
        if isinstance(exc, forms.TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    return _form_page(request, session, uscc=uscc, kind=kind, done=done, status_code=201)


@router.post("/credit/subjects/{uscc}/object", response_class=HTMLResponse)
def submit_objection(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    record_id: Annotated[str, Form()] = "",
    objector_name: Annotated[str, Form()] = "",
    objector_contact: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "record_id": record_id,
        "objector_name": objector_name,
        "objector_contact": objector_contact,
        "reason": reason,
    }

    def action() -> dict[str, object]:
        data = ObjectionIn.model_validate(values)
        made = objections.submit_objection(
            session,
            actor=actor,
            data=data,
            address=client_address(request),
            limiter=forms.form_limiter(request.app.state),
        )
        return {"id": made.id, "due_date": made.due_date}

    return _submit(
        request,
        session,
        uscc=uscc,
        kind="object",
        values=values,
        csrf_token=csrf_token,
        action=action,
    )


@router.post("/credit/subjects/{uscc}/repair", response_class=HTMLResponse)
def submit_repair(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    record_id: Annotated[str, Form()] = "",
    applicant_name: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    values = {"record_id": record_id, "applicant_name": applicant_name, "evidence": evidence}

    def action() -> dict[str, object]:
        made = repairs.apply_for_repair(
            session,
            actor=actor,
            data=RepairIn.model_validate(values),
            address=client_address(request),
            limiter=forms.form_limiter(request.app.state),
        )
        return {"id": made.id, "due_date": made.due_date}

    return _submit(
        request,
        session,
        uscc=uscc,
        kind="repair",
        values=values,
        csrf_token=csrf_token,
        action=action,
    )


@router.post("/credit/subjects/{uscc}/commit", response_class=HTMLResponse)
def submit_commitment(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    representative_name: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    organisation_id: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "representative_name": representative_name,
        "purpose": purpose,
        "content": content,
        "organisation_id": organisation_id,
        "due_date": due_date,
    }

    def action() -> dict[str, object]:
        data = CommitmentIn.model_validate({**values, "uscc": uscc, "due_date": due_date or None})
        made = commitments.sign_commitment(
            session,
            actor=actor,
            data=data,
            address=client_address(request),
            limiter=forms.form_limiter(request.app.state),
        )
        return {"id": made.id, "due_date": made.due_date}

    return _submit(
        request,
        session,
        uscc=uscc,
        kind="commit",
        values=values,
        csrf_token=csrf_token,
        action=action,
    )


@router.post("/credit/subjects/{uscc}/declare", response_class=HTMLResponse)
def submit_declaration(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    kind: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    declared_by_name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "kind": kind,
        "title": title,
        "content": content,
        "declared_by_name": declared_by_name,
    }

    def action() -> dict[str, object]:
        data = DeclarationIn.model_validate({**values, "uscc": uscc, "content": content or None})
        made = declarations.declare(
            session,
            actor=actor,
            data=data,
            address=client_address(request),
            limiter=forms.form_limiter(request.app.state),
        )
        return {"id": made.id, "due_date": None}

    return _submit(
        request,
        session,
        uscc=uscc,
        kind="declare",
        values=values,
        csrf_token=csrf_token,
        action=action,
    )


# --- agency desks -----------------------------------------------------------------------------


def _desk(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    pending = objections.list_objections(session, actor=actor, status="pending", limit=DESK_LIMIT)
    answered = objections.list_objections(session, actor=actor, limit=DESK_LIMIT)
    return render(
        request,
        "credit/desk_objections.html",
        {
            "pending": objections.objection_outs(session, actor=actor, objections=pending.items),
            "answered": [
                o
                for o in objections.objection_outs(session, actor=actor, objections=answered.items)
                if o.status != "pending"
            ],
            "errors": errors or [],
            "notice": request.query_params.get("notice"),
        },
        status_code=status_code,
    )


@router.get("/credit/desk/objections", response_class=HTMLResponse)
def objection_desk(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    return _desk(request, session, actor)


@router.post("/credit/desk/objections/{objection_id}/answer", response_class=HTMLResponse)
def answer_objection(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    objection_id: DbId,
    outcome: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    corrected_content: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    body: dict[str, object] = {"outcome": outcome, "answer": answer}
    if corrected_content.strip():
        body["correction"] = {"content": corrected_content}
    try:
        data = ObjectionAnswerIn.model_validate(body)
        objections.answer_objection(session, actor=actor, objection_id=objection_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _desk(
            request,
            session,
            actor,
            errors=_problems(request, exc, "objection_answer"),
            status_code=_status(exc),
        )
    return redirect("/credit/desk/objections?notice=answered")


def _repair_desk(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    page = repairs.list_repairs(session, actor=actor, limit=DESK_LIMIT)
    rows = repairs.repair_outs(session, actor=actor, repairs=page.items)
    return render(
        request,
        "credit/desk_repairs.html",
        {
            "pending": [r for r in rows if r.status == "pending"],
            "decided": [r for r in rows if r.status != "pending"],
            "errors": errors or [],
            "notice": request.query_params.get("notice"),
        },
        status_code=status_code,
    )


@router.get("/credit/desk/repairs", response_class=HTMLResponse)
def repair_desk(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    return _repair_desk(request, session, actor)


@router.post("/credit/desk/repairs/{repair_id}/decide", response_class=HTMLResponse)
def decide_repair(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    repair_id: DbId,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = RepairDecisionIn.model_validate({"outcome": outcome, "note": note})
        repairs.decide_repair(session, actor=actor, repair_id=repair_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _repair_desk(
            request,
            session,
            actor,
            errors=_problems(request, exc, "repair_decision"),
            status_code=_status(exc),
        )
    return redirect("/credit/desk/repairs?notice=decided")


def _commitment_desk(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    page = commitments.list_commitments(session, actor=actor, limit=DESK_LIMIT)
    return render(
        request,
        "credit/desk_commitments.html",
        {
            "rows": commitments.commitment_outs(session, actor=actor, commitments=page.items),
            "errors": errors or [],
            "notice": request.query_params.get("notice"),
        },
        status_code=status_code,
    )


@router.get("/credit/desk/commitments", response_class=HTMLResponse)
def commitment_desk(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    return _commitment_desk(request, session, actor)


@router.post("/credit/desk/commitments/{commitment_id}/outcome", response_class=HTMLResponse)
def decide_commitment(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    commitment_id: DbId,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        data = CommitmentOutcomeIn.model_validate({"outcome": outcome, "note": note})
        commitments.decide_commitment(session, actor=actor, commitment_id=commitment_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _commitment_desk(
            request,
            session,
            actor,
            errors=_problems(request, exc, "commitment_outcome"),
            status_code=_status(exc),
        )
    return redirect("/credit/desk/commitments?notice=decided")


@router.get("/credit/desk/overdue", response_class=HTMLResponse)
def overdue_view(request: Request, session: DbSession, actor: RequiredActor) -> Response:
    """Objections past their due date (the office chases the source agencies)."""
    page = objections.list_objections(session, actor=actor, overdue=True, limit=DESK_LIMIT)
    repair_page = repairs.list_repairs(session, actor=actor, status="pending", limit=DESK_LIMIT)
    late_repairs = [
        r for r in repairs.repair_outs(session, actor=actor, repairs=repair_page.items) if r.overdue
    ]
    return render(
        request,
        "credit/desk_overdue.html",
        {
            "objections": objections.objection_outs(session, actor=actor, objections=page.items),
            "repairs": late_repairs,
        },
    )
