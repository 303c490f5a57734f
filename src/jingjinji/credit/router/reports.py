"""API of the public credit window and of credit reports (mounted by ``credit.router``).

- ``GET /credit/public/subjects?q=``: search (anonymous, rate-limited per client address)
- ``GET /credit/public/subjects/{uscc}``: a subject's public page data
- ``GET /credit/subjects/{uscc}/report?as_of=&lang=&format=json|pdf``: a signed credit report
- ``GET /credit/reports/{code}``: what was issued under a verification code
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jingjinji.credit import schemas
from jingjinji.credit import service as credit
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.inputs import IsoDate

router = APIRouter()


@router.get("/public/subjects", response_model=schemas.PublicSearchPage)
def search_subjects(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    params: Annotated[schemas.PublicSearchFilter, Query()],
) -> schemas.PublicSearchPage:
    """Subjects by current or former name, or by USCC (full or its beginning)."""
    credit.public.ensure_search_allowed(request, actor=actor)
    return credit.public.search(session, q=params.q, cursor=params.cursor, limit=params.limit)


@router.get("/public/subjects/{uscc}", response_model=schemas.PublicSubjectOut)
def public_subject(
    uscc: str,
    session: DbSession,
    actor: OptionalActor,
    as_of: IsoDate | None = None,
    lang: schemas.ReportLanguage = "zh_CN",
) -> schemas.PublicSubjectOut:
    """Basic data, the records public on the day, list status and measures, self-declared
    facts; staff who see restricted records also get the withdrawn ones, marked."""
    return credit.public.subject_page(
        session, actor=actor, uscc=uscc, as_of=as_of, lang=credit.reports.language_of(lang)
    )


@router.get(
    "/subjects/{uscc}/report",
    response_class=Response,
    responses={
        200: {
            "model": schemas.SignedReport,
            "description": "the signed report (JSON: payload and signature; PDF: the signed "
            "JSON attached)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        503: {"description": "no signing key is configured"},
    },
)
def credit_report(
    uscc: str,
    session: DbSession,
    actor: OptionalActor,
    params: Annotated[schemas.ReportQuery, Query()],
) -> Response:
    """Issue a signed credit report of the subject at ``as_of`` (default today)."""
    report = credit.reports.issue_report(
        session, actor=actor, uscc=uscc, as_of=params.as_of, lang=params.lang
    )
    code = report.payload.verification_code
    name = f"credit-report-{report.payload.subject.uscc}-{code}"
    if params.format == "pdf":
        return Response(
            credit.reports.render_pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(
        credit.reports.document_bytes(report),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


@router.get("/reports/{code}", response_model=schemas.IssuedReportOut)
def issued_report(code: str, session: DbSession) -> schemas.IssuedReportOut:
    """What the platform issued under a verification code (compare ``payload_sha256``)."""
    return credit.reports.issued_report(session, code=credit.reports.check_code(code))
