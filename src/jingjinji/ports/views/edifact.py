"""Pages of the EDIFACT intake: ``/ports/edifact`` (the upload form and the organisation's
recent submissions, refreshing while one is queued or running) and
``/ports/edifact/{submission_id}`` (one submission's status and report: the message problems by
segment and element, and the events its file made, each linking to its container)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from jingjinji import refusals
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, NotAuthenticated, PermissionDenied
from jingjinji.i18n import msg
from jingjinji.ports import presentation, service
from jingjinji.ports.kernels import edifact as kernel
from jingjinji.ports.schemas.edifact import SubmissionOut
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)

MAX_MB = kernel.MAX_BYTES / 1_000_000
PENDING = {"queued", "running"}


def _listing(session: DbSession, actor: OptionalActor) -> list[SubmissionOut]:
    if actor is None:
        return []
    rows = service.list_submissions(session, actor=actor, limit=20).items
    states = service.job_statuses(session, rows)
    return [SubmissionOut.of(r, status=service.shown_status(r, states)) for r in rows]


def _context(session: DbSession, actor: OptionalActor) -> dict[str, Any]:
    submissions = _listing(session, actor)
    return {
        "may_submit": service.may_submit(session, actor=actor),
        "submissions": submissions,
        "pending": any(s.status in PENDING for s in submissions),
        "max_mb": MAX_MB,
        "accepted": None,
        "errors": None,
    }


@router.get("/ports/edifact", response_class=HTMLResponse)
def edifact_page(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        raise NotAuthenticated(msg("log in to submit EDIFACT interchanges"))
    return render(request, "ports/edifact.html", _context(session, actor))


@router.post("/ports/edifact", response_class=HTMLResponse)
def edifact_upload(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        raise NotAuthenticated(msg("log in to submit EDIFACT interchanges"))
    htmx = bool(request.headers.get("hx-request"))
    template = "ports/_edifact_result.html" if htmx else "ports/edifact.html"
    data = file.file.read(kernel.MAX_BYTES + 1)  # one byte more than allowed: refused as such
    context: dict[str, Any] = (
        _context(session, actor) if not htmx else {"accepted": None, "errors": None}
    )
    try:
        row = service.submit_edifact(session, actor=actor, data=data, filename=file.filename or "")
    except (InvalidInput, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied) and not exc.audited:
            refusals.record(
                request, action="request.refused", actor=actor, detail={"reason": exc.detail[:500]}
            )
        context["errors"] = {"detail": exc.detail, "items": exc.errors[:50]}
        status = 403 if isinstance(exc, PermissionDenied) else 422
        return render(request, template, context, status_code=status)
    if not htmx:
        return redirect(f"/ports/edifact/{row.id}")
    context["accepted"] = SubmissionOut.of(row, status=row.status)
    return render(request, template, context, status_code=202)


@router.get("/ports/edifact/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request, session: DbSession, actor: OptionalActor, submission_id: DbId
) -> Response:
    lang = language_of(request)
    row = service.get_submission(session, actor=actor, submission_id=submission_id)
    out = SubmissionOut.of(
        row, status=service.shown_status(row, service.job_statuses(session, [row]))
    )
    names = presentation.place_names(service.list_locations(session), lang)
    events = service.submission_events(session, row=row)
    rows = [
        {**r, "box": e.equipment_reference or ""}
        for r, e in zip(presentation.event_rows(events, names), events, strict=True)
    ]
    return render(
        request,
        "ports/edifact_submission.html",
        {
            "s": out,
            "events": rows,
            "more": len(out.event_ids) - len(rows),
            "pending": out.status in PENDING,
        },
    )
