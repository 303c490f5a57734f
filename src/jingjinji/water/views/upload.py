"""/water/upload: the CSV upload form of samples (stewards and administrators).

An htmx post gets the result fragment (counts, or every refused row with its column and reason
in the reader's language) with the refusal's status; a plain form post gets the whole page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from jingjinji import refusals
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, NotAuthenticated, PermissionDenied
from jingjinji.i18n import msg
from jingjinji.water import policy
from jingjinji.water import presentation as show
from jingjinji.water.schemas.samples import SAMPLE_ITEMS
from jingjinji.water.service import samples, samples_csv
from jingjinji.web import check_csrf, language_of, render, t

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_MB = samples_csv.MAX_CSV_BYTES >> 20
#: Refused rows shown on the page (the count of the others is said).
SHOWN_PROBLEMS = 500


def _reason(request: Request, error: dict[str, Any]) -> str:
    """The reason of a refused row in the reader's language."""
    msgid = error.get("msgid")
    params = error.get("params")
    if not isinstance(msgid, str):
        return str(error.get("msg", ""))
    text = t(request, msgid)
    return text % params if isinstance(params, dict) and params else text


def _problems(request: Request, error: InvalidInput) -> dict[str, Any]:
    items = [
        {
            "row": e.get("row"),
            "column": e.get("column") or "",
            "reason": _reason(request, e),
        }
        for e in error.errors[:SHOWN_PROBLEMS]
    ]
    return {"detail": error.detail, "items": items, "count": len(error.errors)}


def _context(request: Request, session: DbSession, actor: OptionalActor) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "may_upload": policy.may_upload(actor),
        "sections": [
            {"code": s.code, "name": show.section_name(s, lang)}
            for s in samples.writable_sections(session, actor=actor)
        ],
        "items": SAMPLE_ITEMS,
        "max_mb": MAX_UPLOAD_MB,
        "result": None,
        "errors": None,
        "denied": None,
    }


@router.get("/water/upload", response_class=HTMLResponse)
def upload_form(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    if actor is None:
        raise NotAuthenticated(msg("log in to upload samples"))
    return render(request, "water/upload.html", _context(request, session, actor))


@router.post("/water/upload", response_class=HTMLResponse)
def upload_submit(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if actor is None:
        raise NotAuthenticated(msg("log in to upload samples"))
    htmx = bool(request.headers.get("hx-request"))
    template = "water/_upload_result.html" if htmx else "water/upload.html"
    context: dict[str, Any] = _context(request, session, actor) if not htmx else {}
    context |= {"filename": file.filename, "result": None, "errors": None, "denied": None}
    data = file.file.read(samples_csv.MAX_CSV_BYTES + 1)
    try:
        ingestion = samples_csv.load_samples_csv(
            session,
            actor=actor,
            data=data,
            channel="web",
            source=(file.filename or "upload.csv")[:300],
        )
    except InvalidInput as exc:
        context["errors"] = _problems(request, exc)
        return render(request, template, context, status_code=422)
    except PermissionDenied as exc:
        # shown in the form like any other refusal; one the service did not put on the record
        # goes there as the app-wide 403 handler would
        if not exc.audited:
            refusals.record(
                request, action="request.refused", actor=actor, detail={"reason": exc.detail[:500]}
            )
        context["denied"] = exc.detail
        return render(request, template, context, status_code=403)
    context["result"] = ingestion
    return render(request, template, context)
