"""Pages of the public credit window (mounted by ``credit.views``): ``/credit`` (search),
``/credit/subjects/{uscc}`` (a subject's page), its report downloads, ``/credit/verify``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.credit import policy, schemas
from jingjinji.credit import service as credit
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.errors import InvalidInput, NotFound
from jingjinji.inputs import IsoDate
from jingjinji.web import language_of, render, t

router = APIRouter(include_in_schema=False)
SEARCH_PAGE_SIZE = 20


@router.get("/credit", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    context: dict[str, object] = {
        "q": q,
        "results": None,
        "error": None,
        "staff": policy.is_agency_staff(actor),
    }
    if not q.strip():
        return render(request, "credit/public_search.html", context)
    try:
        credit.public.ensure_search_allowed(request, actor=actor)
    except credit.public.TooManyRequests as exc:
        message = t(request, "Too many searches from your address. Try again in {seconds} seconds.")
        context["error"] = message.format(seconds=exc.retry_after_seconds)
        response = render(request, "credit/public_search.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    context["results"] = credit.public.search(session, q=q, cursor=cursor, limit=SEARCH_PAGE_SIZE)
    return render(request, "credit/public_search.html", context)


@router.get("/credit/subjects/{uscc}", response_class=HTMLResponse)
def subject_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    as_of: IsoDate | None = None,
) -> Response:
    lang = language_of(request)
    page = credit.public.subject_page(session, actor=actor, uscc=uscc, as_of=as_of, lang=lang)
    kinds = (
        "licence",
        "penalty",
        "red_list",
        "black_list",
        "court_enforcement",
        "broken_commitment",
    )
    tabs = [(k, [r for r in page.records if r.kind == k]) for k in kinds]
    return render(
        request,
        "credit/public_subject.html",
        {"subject": page, "tabs": tabs, "report_languages": ("zh_CN", "en")},
    )


@router.get("/credit/subjects/{uscc}/report", response_class=Response)
def download_report(
    session: DbSession,
    actor: OptionalActor,
    uscc: str,
    params: Annotated[schemas.ReportQuery, Query()],
) -> Response:
    """The report download of the subject page (a refusal is an error page, not JSON)."""
    report = credit.reports.issue_report(
        session, actor=actor, uscc=uscc, as_of=params.as_of, lang=params.lang
    )
    name = f"credit-report-{report.payload.subject.uscc}-{report.payload.verification_code}"
    if params.format == "pdf":
        body, media_type, suffix = credit.reports.render_pdf(report), "application/pdf", "pdf"
    else:
        body, media_type, suffix = credit.reports.document_bytes(report), "application/json", "json"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )


@router.get("/credit/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    session: DbSession,
    code: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    context: dict[str, object] = {"code": code, "issued": None, "error": None}
    status = 200
    if code.strip():
        try:
            wanted = credit.reports.check_code(code)
            context["issued"] = credit.reports.issued_report(session, code=wanted)
        except InvalidInput:
            context["error"] = t(
                request, "A verification code is four groups of four letters or digits."
            )
            status = 422
        except NotFound:
            context["error"] = t(request, "No report was issued with this code.")
            status = 404
    return render(request, "credit/public_verify.html", context, status_code=status)
