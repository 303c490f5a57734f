"""API: /api/v1/progress/..."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Page
from jingjinji.progress import report as report_mod
from jingjinji.progress import rules as rules_mod
from jingjinji.progress import service, upload
from jingjinji.progress.kernels import YEAR_MAX, YEAR_MIN
from jingjinji.progress.schemas import (
    AgreementIn,
    AgreementOut,
    CommitmentDetail,
    CommitmentIn,
    CommitmentOut,
    CommitmentQuery,
    EvidenceIn,
    EvidenceOut,
    Grouped,
    IndicatorIn,
    IndicatorOut,
    ProgressRow,
    Rollups,
    StatusChangeIn,
    StatusChangeOut,
    SummaryQuery,
    TargetIn,
    TargetOut,
    TargetQuery,
    UploadResult,
    ValidationReport,
    ValueBatchIn,
    ValueDetailOut,
    ValueIn,
    ValueOut,
    ValueQuery,
    ValuesStored,
)

router = APIRouter(prefix="/progress", tags=["progress"])

YearParam = Annotated[int, Query(ge=YEAR_MIN, le=YEAR_MAX)]
OptionalYearParam = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]


# ---------------------------------------------------------------- agreements


@router.get("/agreements", response_model=list[AgreementOut])
def agreements(session: DbSession) -> list[AgreementOut]:
    return [AgreementOut.model_validate(a) for a in service.list_agreements(session)]


@router.post("/agreements", response_model=AgreementOut, status_code=201)
def create_agreement(body: AgreementIn, session: DbSession, actor: RequiredActor) -> AgreementOut:
    return AgreementOut.model_validate(service.create_agreement(session, actor=actor, data=body))


@router.get("/agreements/{code}", response_model=AgreementOut)
def agreement(code: str, session: DbSession) -> AgreementOut:
    return AgreementOut.model_validate(service.get_agreement(session, code=code))


# ---------------------------------------------------------------- commitments


@router.get("/commitments", response_model=Page[CommitmentOut] | Grouped[CommitmentOut])
def commitments(
    session: DbSession, params: Annotated[CommitmentQuery, Query()]
) -> Page[CommitmentOut] | Grouped[CommitmentOut]:
    """Commitments with filters; ``group_by`` answers groups (all matches) instead of a page."""
    if params.group_by is not None:
        return service.commitments_grouped(session, params, params.group_by)
    page = service.page_commitments(session, params)
    return Page[CommitmentOut](items=page.items, next_cursor=page.next_cursor)


@router.post("/commitments", response_model=CommitmentOut, status_code=201)
def create_commitment(
    body: CommitmentIn, session: DbSession, actor: RequiredActor
) -> CommitmentOut:
    row = service.create_commitment(session, actor=actor, data=body)
    return service.commitment_out(session, service.get_commitment(session, code=row.code))


@router.get("/commitments/{code}", response_model=CommitmentDetail)
def commitment(code: str, session: DbSession, actor: OptionalActor) -> CommitmentDetail:
    return service.commitment_detail(
        session, service.get_commitment(session, code=code), actor=actor
    )


@router.get("/commitments/{code}/status-changes", response_model=list[StatusChangeOut])
def status_changes(code: str, session: DbSession, actor: OptionalActor) -> list[StatusChangeOut]:
    row = service.get_commitment(session, code=code)
    return service.history_out(session, actor=actor, commitment=row)


@router.post("/commitments/{code}/status-changes", response_model=StatusChangeOut, status_code=201)
def change_status(
    code: str, body: StatusChangeIn, session: DbSession, actor: RequiredActor
) -> StatusChangeOut:
    change = service.change_status(session, actor=actor, code=code, data=body)
    return StatusChangeOut.model_validate(change)


@router.post("/commitments/{code}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(
    code: str, body: EvidenceIn, session: DbSession, actor: RequiredActor
) -> EvidenceOut:
    evidence = service.add_evidence(session, actor=actor, code=code, data=body)
    return EvidenceOut.model_validate(evidence)


# ---------------------------------------------------------------- indicators and values


@router.get("/indicators", response_model=list[IndicatorOut])
def indicators(session: DbSession, area: str | None = None) -> list[IndicatorOut]:
    return [IndicatorOut.model_validate(i) for i in service.list_indicators(session, area=area)]


@router.post("/indicators", response_model=IndicatorOut, status_code=201)
def create_indicator(body: IndicatorIn, session: DbSession, actor: RequiredActor) -> IndicatorOut:
    return IndicatorOut.model_validate(service.create_indicator(session, actor=actor, data=body))


@router.get("/indicators/{code}", response_model=IndicatorOut)
def indicator(code: str, session: DbSession) -> IndicatorOut:
    return IndicatorOut.model_validate(service.get_indicator(session, code=code))


@router.get("/values", response_model=Page[ValueOut])
def values(
    session: DbSession, actor: OptionalActor, params: Annotated[ValueQuery, Query()]
) -> Page[ValueOut]:
    page = service.page_values(session, params, actor=actor)
    return Page[ValueOut](items=page.items, next_cursor=page.next_cursor)


@router.post("/values", response_model=ValuesStored, status_code=201)
def submit_value(body: ValueIn, session: DbSession, actor: RequiredActor) -> ValuesStored:
    """One value. Problems answer 422 with ``loc`` ["body", field]."""
    return service.submit_value(session, actor=actor, value=body)


@router.post("/values/batch", response_model=ValuesStored, status_code=201)
def submit_values(body: ValueBatchIn, session: DbSession, actor: RequiredActor) -> ValuesStored:
    """All or nothing: any problem rejects the batch, listing every problem."""
    return service.submit_values(session, actor=actor, values=body.values)


@router.get("/values/{value_id}", response_model=ValueDetailOut)
def value_detail(value_id: DbId, session: DbSession, actor: OptionalActor) -> ValueDetailOut:
    """One value with its corrections (the earlier values, who entered and corrected them,
    when and why), oldest first."""
    return service.value_detail(session, actor=actor, value_id=value_id)


@router.delete("/values/{value_id}", status_code=204)
def delete_value(value_id: DbId, session: DbSession, actor: RequiredActor) -> Response:
    """Remove a value. To correct one, send the corrected value again with the reason in
    ``note``: a revision keeps the earlier value in the history."""
    service.delete_value(session, actor=actor, value_id=value_id)
    return Response(status_code=204)


@router.get("/targets", response_model=list[TargetOut])
def targets(session: DbSession, params: Annotated[TargetQuery, Query()]) -> list[TargetOut]:
    rows = service.list_targets(
        session, indicator=params.indicator, jurisdiction=params.jurisdiction
    )
    return [service.target_out(t) for t in rows]


@router.post("/targets", response_model=TargetOut, status_code=201)
def set_target(body: TargetIn, session: DbSession, actor: RequiredActor) -> TargetOut:
    return service.target_out(service.set_target(session, actor=actor, data=body))


# ---------------------------------------------------------------- validation


@router.get("/rules", response_model=rules_mod.RuleSet, response_model_exclude_none=True)
def rules() -> rules_mod.RuleSet:
    """The shipped validation rule set."""
    return rules_mod.shipped_ruleset()


@router.post("/validation", response_model=ValidationReport)
def run_validation(
    session: DbSession, indicator: str | None = None, jurisdiction: str | None = None
) -> ValidationReport:
    """Run every rule on the stored values; the report lists each violation."""
    return service.validate(session, indicator=indicator, jurisdiction=jurisdiction)


# ---------------------------------------------------------------- progress


@router.get("/summary", response_model=list[ProgressRow] | Grouped[ProgressRow])
def summary(
    session: DbSession, params: Annotated[SummaryQuery, Query()]
) -> list[ProgressRow] | Grouped[ProgressRow]:
    """Progress per indicator and jurisdiction (latest value, changes, status)."""
    return service.summary(session, params)


@router.get("/rollups", response_model=Rollups)
def rollups(
    session: DbSession, year: OptionalYearParam = None, jurisdiction: str | None = None
) -> Rollups:
    """Status counts per area, jurisdiction and commitment."""
    return service.rollups(session, year=year, jurisdiction=jurisdiction)


@router.get(
    "/report",
    response_class=Response,
    responses={
        200: {
            "description": "the report in the asked format",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def report(
    session: DbSession,
    year: YearParam,
    jurisdiction: str | None = None,
    format: str = "md",
    lang: str = "en",
) -> Response:
    """The narrative report as Markdown (charts embedded as data: URIs), HTML or
    PDF."""
    if format not in report_mod.FORMATS:
        raise InvalidInput(
            msg("unknown report format"),
            errors=[
                field_error(
                    ["query", "format"],
                    msg("one of {formats}", formats=", ".join(report_mod.FORMATS)),
                )
            ],
        )
    if lang not in report_mod.LANGUAGES:
        raise InvalidInput(
            msg("unknown report language {lang}", lang=repr(lang)),
            errors=[
                field_error(
                    ["query", "lang"],
                    msg("one of {languages}", languages=", ".join(report_mod.LANGUAGES)),
                )
            ],
        )
    built = report_mod.build_report(session, year=year, jurisdiction=jurisdiction, lang=lang)
    if format == "pdf":
        return Response(
            report_mod.render_pdf(built),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="progress-{year}.pdf"'},
        )
    if format == "html":
        return Response(report_mod.render_html(built), media_type="text/html; charset=utf-8")
    text, _ = report_mod.render_markdown(built)
    return Response(text, media_type="text/markdown; charset=utf-8")


# ---------------------------------------------------------------- template and upload


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses={
        200: {
            "description": "the upload template as a workbook",
            "content": {upload.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def template_xlsx(session: DbSession) -> Response:
    return Response(
        upload.xlsx_template(session),
        media_type=upload.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="progress-values-template.xlsx"'},
    )


@router.get(
    "/template.csv",
    response_class=Response,
    responses={
        200: {
            "description": "the upload template as CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def template_csv() -> Response:
    return Response(
        upload.csv_template(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="progress-values-template.csv"'},
    )


@router.post("/upload", response_model=UploadResult, status_code=201)
def upload_values(
    session: DbSession,
    actor: RequiredActor,
    file: Annotated[UploadFile, File(description=".xlsx or .csv made from the template")],
) -> UploadResult:
    """Upload a filled template. Any problem: nothing stored, ``errors`` lists every problem
    with ``row`` (the file's line), ``column`` and ``msg``: a 422, or a 403 when some rows are
    for jurisdictions the user may not write (those rows listed with the others). A row for a
    value stored already corrects it when ``note`` gives the reason (``revised``)."""
    content = upload.read_upload(file.file)
    return upload.upload(session, actor=actor, filename=file.filename or "upload", content=content)
