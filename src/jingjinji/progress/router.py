"""API: /api/v1/progress/..."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.errors import InvalidInput, field_error
from jingjinji.pagination import check_limit, decode_id_cursor, encode_cursor
from jingjinji.progress import report as report_mod
from jingjinji.progress import rules as rules_mod
from jingjinji.progress import service, upload
from jingjinji.progress.schemas import (
    AgreementIn,
    AgreementOut,
    CommitmentDetail,
    CommitmentIn,
    CommitmentOut,
    EvidenceIn,
    EvidenceOut,
    Grouped,
    IndicatorIn,
    IndicatorOut,
    ProgressRow,
    StatusChangeIn,
    StatusChangeOut,
    TargetIn,
    TargetOut,
    UploadResult,
    ValidationReport,
    ValueBatchIn,
    ValueIn,
    ValueOut,
    ValuesStored,
)
from jingjinji.regions import service as regions

router = APIRouter(prefix="/progress", tags=["progress"])

REPORT_LANGUAGES = ("en", "zh_CN")


class CommitmentPage(BaseModel):
    items: list[CommitmentOut]
    next_cursor: str | None = None


class ValuePage(BaseModel):
    items: list[ValueOut]
    next_cursor: str | None = None


def _after(cursor: str | None) -> int | None:
    return decode_id_cursor(cursor)


# ---------------------------------------------------------------- agreements


@router.get("/agreements", response_model=list[AgreementOut])
def agreements(session: DbSession) -> list[Any]:
    return list(service.list_agreements(session))


@router.post("/agreements", response_model=AgreementOut, status_code=201)
def create_agreement(body: AgreementIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.create_agreement(session, actor=actor, data=body)


@router.get("/agreements/{code}", response_model=AgreementOut)
def agreement(code: str, session: DbSession) -> Any:
    return service.get_agreement(session, code=code)


# ---------------------------------------------------------------- commitments


@router.get("/commitments", response_model=CommitmentPage | Grouped)
def commitments(
    session: DbSession,
    area: str | None = None,
    jurisdiction: str | None = None,
    status: str | None = None,
    agency: int | None = None,
    agreement: str | None = None,
    group_by: Annotated[
        str | None,
        Query(description="area, status, jurisdiction, lead_jurisdiction, agency or agreement"),
    ] = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Any:
    """Commitments with filters; ``group_by`` answers groups (all matches) instead of a page."""
    filters: dict[str, Any] = {
        "area": area,
        "jurisdiction": jurisdiction,
        "status": status,
        "agency": agency,
        "agreement": agreement,
    }
    if group_by is not None:
        items = [
            service.commitment_out(session, c) for c in service.list_commitments(session, **filters)
        ]
        return Grouped(group_by=group_by, groups=service.group_commitments(items, group_by))
    check_limit(limit)
    rows = service.list_commitments(session, **filters, after_id=_after(cursor), limit=limit + 1)
    page = rows[:limit]
    return CommitmentPage(
        items=[service.commitment_out(session, c) for c in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


@router.post("/commitments", response_model=CommitmentOut, status_code=201)
def create_commitment(body: CommitmentIn, session: DbSession, actor: RequiredActor) -> Any:
    row = service.create_commitment(session, actor=actor, data=body)
    return service.commitment_out(session, service.get_commitment(session, code=row.code))


@router.get("/commitments/{code}", response_model=CommitmentDetail)
def commitment(code: str, session: DbSession) -> Any:
    return service.commitment_detail(session, service.get_commitment(session, code=code))


@router.get("/commitments/{code}/status-changes", response_model=list[StatusChangeOut])
def status_changes(code: str, session: DbSession) -> Any:
    row = service.get_commitment(session, code=code)
    return service.commitment_history(session, commitment=row)


@router.post("/commitments/{code}/status-changes", response_model=StatusChangeOut, status_code=201)
def change_status(code: str, body: StatusChangeIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.change_status(session, actor=actor, code=code, data=body)


@router.post("/commitments/{code}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(code: str, body: EvidenceIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.add_evidence(session, actor=actor, code=code, data=body)


# ---------------------------------------------------------------- indicators and values


@router.get("/indicators", response_model=list[IndicatorOut])
def indicators(session: DbSession, area: str | None = None) -> Any:
    return service.list_indicators(session, area=area)


@router.post("/indicators", response_model=IndicatorOut, status_code=201)
def create_indicator(body: IndicatorIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.create_indicator(session, actor=actor, data=body)


@router.get("/indicators/{code}", response_model=IndicatorOut)
def indicator(code: str, session: DbSession) -> Any:
    return service.get_indicator(session, code=code)


@router.get("/values", response_model=ValuePage)
def values(
    session: DbSession,
    indicator: str | None = None,
    jurisdiction: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Any:
    check_limit(limit)
    rows = service.list_values(
        session,
        indicator=indicator,
        jurisdiction=jurisdiction,
        period_from=period_from,
        period_to=period_to,
        after_id=_after(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return ValuePage(
        items=[service.value_out(r) for r in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


@router.post("/values", response_model=ValuesStored, status_code=201)
def submit_value(body: ValueIn, session: DbSession, actor: RequiredActor) -> Any:
    """One value. Problems answer 422 with ``loc`` ["body", field]."""
    try:
        return service.submit_values(session, actor=actor, values=[body], loc_prefix=("body",))
    except InvalidInput as exc:
        for e in exc.errors:
            loc = e.get("loc", [])
            if len(loc) >= 3 and loc[1] == 0:
                e["loc"] = ["body", *loc[2:]]
        raise


@router.post("/values/batch", response_model=ValuesStored, status_code=201)
def submit_values(body: ValueBatchIn, session: DbSession, actor: RequiredActor) -> Any:
    """All or nothing: any problem rejects the batch, listing every problem."""
    return service.submit_values(session, actor=actor, values=body.values)


@router.delete("/values/{value_id}", status_code=204)
def delete_value(value_id: int, session: DbSession, actor: RequiredActor) -> Response:
    """Remove a value (corrections: delete, then enter the right value)."""
    service.delete_value(session, actor=actor, value_id=value_id)
    return Response(status_code=204)


@router.get("/targets", response_model=list[TargetOut])
def targets(
    session: DbSession, indicator: str | None = None, jurisdiction: str | None = None
) -> Any:
    return [
        service.target_out(t)
        for t in service.list_targets(session, indicator=indicator, jurisdiction=jurisdiction)
    ]


@router.post("/targets", response_model=TargetOut, status_code=201)
def set_target(body: TargetIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.target_out(service.set_target(session, actor=actor, data=body))


# ---------------------------------------------------------------- validation


@router.get("/rules")
def rules() -> Any:
    """The shipped validation rule set."""
    return rules_mod.shipped_ruleset().model_dump(mode="json", exclude_none=True)


@router.post("/validation", response_model=ValidationReport)
def run_validation(
    session: DbSession, indicator: str | None = None, jurisdiction: str | None = None
) -> Any:
    """Run every rule on the stored values; the report lists each violation."""
    return service.validate(session, indicator=indicator, jurisdiction=jurisdiction)


# ---------------------------------------------------------------- progress


@router.get("/summary", response_model=list[ProgressRow] | Grouped)
def summary(
    session: DbSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    jurisdiction: str | None = None,
    area: str | None = None,
    indicator: str | None = None,
    base_year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    group_by: Annotated[
        str | None, Query(description="area, status, jurisdiction, agency, indicator or direction")
    ] = None,
) -> Any:
    """Progress per indicator and jurisdiction (latest value, changes, status)."""
    rows = service.progress_rows(
        session,
        year=year,
        jurisdiction=jurisdiction,
        area=area,
        indicator=indicator,
        base_year=base_year,
    )
    if group_by is not None:
        return Grouped(group_by=group_by, groups=service.group_progress(session, rows, group_by))
    return rows


@router.get("/rollups")
def rollups(
    session: DbSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    jurisdiction: str | None = None,
) -> Any:
    """Status counts per area, jurisdiction and commitment."""
    return service.rollups(session, year=year, jurisdiction=jurisdiction)


@router.get("/report")
def report(
    session: DbSession,
    year: Annotated[int, Query(ge=1900, le=2100)],
    jurisdiction: str | None = None,
    format: str = "md",
    lang: str = "en",
) -> Response:
    """The narrative report as Markdown (charts embedded as data: URIs), HTML or
    PDF."""
    if format not in report_mod.FORMATS:
        raise InvalidInput(
            "unknown report format",
            errors=[field_error(["query", "format"], "one of md, html, pdf")],
        )
    if lang not in REPORT_LANGUAGES:
        raise InvalidInput(
            f"unknown report language {lang!r}",
            errors=[field_error(["query", "lang"], f"one of {', '.join(REPORT_LANGUAGES)}")],
        )
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
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


@router.get("/template.xlsx")
def template_xlsx(session: DbSession) -> Response:
    return Response(
        upload.xlsx_template(session),
        media_type=upload.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="progress-values-template.xlsx"'},
    )


@router.get("/template.csv")
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
) -> Any:
    """Upload a filled template. Any problem: 422, nothing stored, ``errors`` lists every
    problem with ``row``, ``column`` and ``msg``."""
    content = file.file.read()
    return upload.upload(session, actor=actor, filename=file.filename or "upload", content=content)
