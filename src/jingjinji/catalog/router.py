"""Catalog API: datasets, records, access requests, grants and the sharing report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from jingjinji.catalog import dcat, downloads, records_csv, service
from jingjinji.catalog.schemas import (
    AccessRequestFilter,
    AccessRequestIn,
    AccessRequestOut,
    ActivityFilter,
    ActivityItem,
    CursorText,
    DatasetBody,
    DatasetFilter,
    DatasetIn,
    DatasetOut,
    DecisionIn,
    DownloadFormatText,
    GrantFilter,
    GrantOut,
    LimitText,
    ReadAccessOut,
    RecordsIn,
    RecordsPage,
    RecordsWritten,
    RevokeIn,
    SharingReport,
)
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.pagination import Page

router = APIRouter(tags=["catalog"])
datasets = APIRouter(prefix="/datasets")
requests = APIRouter(prefix="/access-requests")
grants = APIRouter(prefix="/access-grants")
report = APIRouter(prefix="/sharing-report")
feeds = APIRouter(prefix="/catalog")
JSON_LD: dict[int | str, dict[str, Any]] = {200: {"content": {dcat.MEDIA_TYPE: {}}}}

PAGING_PARAMS = {"cursor", "limit"}
#: ``limit`` of a page of records, as text: the service parses and checks it (``LimitText``).
RecordsLimit = Annotated[LimitText, Query(description="rows per page; 100 when not given")]


# The listings' query as sent is checked by the service before FastAPI reads it into the
# query model (route dependencies run first): a NUL character or a cursor too long is refused
# on the record, after the caller's credentials (a 401 first where a login is needed).
def _datasets_query(request: Request, session: DbSession, actor: OptionalActor) -> None:
    query = request.query_params.multi_items()
    service.check_listing_query(session, actor=actor, listing="datasets", query=query)


def _requests_query(request: Request, session: DbSession, actor: RequiredActor) -> None:
    query = request.query_params.multi_items()
    service.check_listing_query(session, actor=actor, listing="access_requests", query=query)


def _grants_query(request: Request, session: DbSession, actor: RequiredActor) -> None:
    query = request.query_params.multi_items()
    service.check_listing_query(session, actor=actor, listing="grants", query=query)


@datasets.get("", response_model=Page[DatasetOut], dependencies=[Depends(_datasets_query)])
def list_datasets(
    session: DbSession, actor: OptionalActor, params: Annotated[DatasetFilter, Query()]
) -> Page[DatasetOut]:
    rows, next_cursor = service.list_datasets(
        session,
        actor=actor,
        jurisdiction=params.jurisdiction,
        owner_organisation_id=params.owner_organisation_id,
        domain=params.domain,
        sharing_class=params.sharing_class,
        open_to_public=params.open_to_public,
        q=params.q,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page(items=service.dataset_outs(session, rows), next_cursor=next_cursor)


@datasets.post("", response_model=DatasetOut, status_code=201)
def create_dataset(session: DbSession, actor: RequiredActor, body: DatasetIn) -> DatasetOut:
    return service.dataset_out(session, service.create_dataset(session, actor=actor, data=body))


@datasets.get("/{code}", response_model=DatasetOut)
def get_dataset(session: DbSession, actor: OptionalActor, code: str) -> DatasetOut:
    return service.dataset_out(session, service.visible_dataset(session, actor=actor, code=code))


@datasets.put("/{code}", response_model=DatasetOut)
def update_dataset(
    session: DbSession, actor: RequiredActor, code: str, body: DatasetBody
) -> DatasetOut:
    dataset = service.update_dataset(session, actor=actor, code=code, data=body)
    return service.dataset_out(session, dataset)


@datasets.get("/{code}/access", response_model=ReadAccessOut)
def my_access(session: DbSession, actor: OptionalActor, code: str) -> ReadAccessOut:
    """Which fields the caller may read, and why the others are withheld (no data)."""
    dataset = service.visible_dataset(session, actor=actor, code=code)
    return service.access_for(session, actor=actor, dataset=dataset).out()


def _records_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    cursor: str | None,
    limit: str | None,
) -> RecordsPage:
    """The page ``/records`` and ``records.csv`` answer: every query parameter but the paging
    ones is an equality filter, and the query as sent goes to the service to be checked."""
    filters = {k: v for k, v in request.query_params.items() if k not in PAGING_PARAMS}
    return service.read_records(
        session,
        actor=actor,
        dataset_code=code,
        filters=filters,
        cursor=cursor,
        limit=limit,
        query=request.query_params.multi_items(),
    )


@datasets.get("/{code}/records", response_model=RecordsPage)
def read_records(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    cursor: CursorText = None,
    limit: RecordsLimit = None,
) -> RecordsPage:
    """Rows reduced to the readable fields; every other query parameter is an equality filter
    on a field (``?district_code=110105``)."""
    return _records_page(request, session, actor, code, cursor, limit)


@datasets.get(
    "/{code}/records.csv",
    response_class=Response,
    responses={
        200: {
            "description": "the page of records as CSV, numbers rounded for reading",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def read_records_csv(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    cursor: CursorText = None,
    limit: RecordsLimit = None,
) -> Response:
    """The same page as ``/records`` (same filters and access) as CSV, each number rounded to
    its field's precision (docs/catalog.md); the next page's cursor is in ``X-Next-Cursor``."""
    page = _records_page(request, session, actor, code, cursor, limit)
    fields = service.get_dataset(session, code=code).fields
    headers = {"Content-Disposition": f'attachment; filename="{code}.csv"'}
    if page.next_cursor:
        headers["X-Next-Cursor"] = page.next_cursor
    return Response(
        records_csv.records_csv(page, fields), media_type=records_csv.MEDIA_TYPE, headers=headers
    )


@datasets.get(
    "/{code}/download.{file_format}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "every row the caller may read, streamed",
            "content": {m.split(";")[0]: {} for m in downloads.MEDIA_TYPES.values()},
        }
    },
)
def download(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    file_format: DownloadFormatText,
) -> StreamingResponse:
    """Every row of the dataset the caller may read (fields and rows per their access, as
    ``/records``; other query parameters are equality filters on fields), streamed as CSV
    (numbers rounded, like ``records.csv``), JSON Lines (full precision) or Parquet."""
    plan = service.plan_download(
        session,
        actor=actor,
        dataset_code=code,
        filters=dict(request.query_params),
        file_format=file_format,
        query=request.query_params.multi_items(),
    )
    batches = service.record_batches(request.app.state.session_factory, plan)
    chunks = (
        downloads.csv_chunks(plan, batches)
        if plan.file_format == "csv"
        else downloads.jsonl_chunks(batches)
        if plan.file_format == "jsonl"
        else downloads.parquet_chunks(plan, batches)
    )
    return StreamingResponse(
        chunks,
        media_type=downloads.MEDIA_TYPES[plan.file_format],
        headers={"Content-Disposition": f'attachment; filename="{code}.{plan.file_format}"'},
    )


@datasets.get("/{code}/dcat.jsonld", response_class=Response, responses=JSON_LD)
def dataset_dcat(request: Request, session: DbSession, actor: OptionalActor, code: str) -> Response:
    """The dataset as a DCAT-AP ``dcat:Dataset`` (JSON-LD), with its distributions."""
    entry = service.feed_entry(session, actor=actor, code=code)
    base = str(request.base_url).rstrip("/")
    return Response(dcat.dumps(dcat.dataset_document(entry, base)), media_type=dcat.MEDIA_TYPE)


@feeds.get("/dcat.jsonld", response_class=Response, responses=JSON_LD)
def catalog_dcat(request: Request, session: DbSession, actor: OptionalActor) -> Response:
    """The catalog as a DCAT-AP ``dcat:Catalog`` (JSON-LD) with every dataset the caller may
    see listed: for an anonymous harvester, the datasets open to the public."""
    entries = service.catalog_feed(session, actor=actor)
    base = str(request.base_url).rstrip("/")
    return Response(dcat.dumps(dcat.catalog_document(entries, base)), media_type=dcat.MEDIA_TYPE)


@datasets.get("/{code}/activity", response_model=Page[ActivityItem])
def dataset_activity(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    code: str,
    params: Annotated[ActivityFilter, Query()],
) -> Page[ActivityItem]:
    """What happened to the dataset, newest first, from the audit chain: changes and records
    written; for logged-in users also access requests, decisions and grants."""
    page = service.activity_page(
        session,
        actor=actor,
        code=code,
        cursor=params.cursor,
        limit=params.limit,
        query=request.query_params.multi_items(),
    )
    return Page(items=page.items, next_cursor=page.next_cursor)


@datasets.post("/{code}/records", response_model=RecordsWritten, status_code=201)
def write_records(
    session: DbSession, actor: RequiredActor, code: str, body: RecordsIn
) -> RecordsWritten:
    inserted = service.write_records(session, actor=actor, dataset_code=code, rows=body.rows)
    dataset = service.get_dataset(session, code=code)
    return RecordsWritten(
        dataset_code=code,
        inserted=inserted,
        total_records=service.count_records(session, dataset_id=dataset.id),
    )


@requests.get("", response_model=Page[AccessRequestOut], dependencies=[Depends(_requests_query)])
def list_requests(
    session: DbSession, actor: RequiredActor, params: Annotated[AccessRequestFilter, Query()]
) -> Page[AccessRequestOut]:
    rows, next_cursor = service.list_access_requests(
        session,
        actor=actor,
        box=params.box,
        status=params.status,
        dataset_code=params.dataset_code,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page(items=service.request_outs(session, rows, actor=actor), next_cursor=next_cursor)


@requests.post("", response_model=AccessRequestOut, status_code=201)
def create_request(
    request: Request, session: DbSession, actor: RequiredActor, body: AccessRequestIn
) -> AccessRequestOut:
    created = service.create_access_request(
        session, actor=actor, data=body, settings=request.app.state.settings
    )
    return service.request_out(session, created, actor=actor)


@requests.get("/{request_id}", response_model=AccessRequestOut)
def get_request(session: DbSession, actor: RequiredActor, request_id: DbId) -> AccessRequestOut:
    row = service.visible_access_request(session, actor=actor, request_id=request_id)
    return service.request_out(session, row, actor=actor)


@requests.post("/{request_id}/decision", response_model=AccessRequestOut)
def decide_request(
    request: Request, session: DbSession, actor: RequiredActor, request_id: DbId, body: DecisionIn
) -> AccessRequestOut:
    row = service.decide_access_request(
        session, actor=actor, request_id=request_id, data=body, settings=request.app.state.settings
    )
    return service.request_out(session, row, actor=actor)


@grants.get("", response_model=Page[GrantOut], dependencies=[Depends(_grants_query)])
def list_grants(
    session: DbSession, actor: RequiredActor, params: Annotated[GrantFilter, Query()]
) -> Page[GrantOut]:
    """Grants visible to the caller; ``current=true`` keeps those in force today."""
    items, next_cursor = service.list_grants(
        session,
        actor=actor,
        dataset_code=params.dataset_code,
        organisation_id=params.organisation_id,
        current_only=params.current,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@grants.get("/{grant_id}", response_model=GrantOut)
def get_grant(session: DbSession, actor: RequiredActor, grant_id: DbId) -> GrantOut:
    return service.get_grant(session, actor=actor, grant_id=grant_id)


@grants.post("/{grant_id}/revoke", response_model=GrantOut)
def revoke_grant(
    session: DbSession, actor: RequiredActor, grant_id: DbId, body: RevokeIn
) -> GrantOut:
    service.revoke_grant(session, actor=actor, grant_id=grant_id, reason=body.reason)
    return service.get_grant(session, actor=actor, grant_id=grant_id)


@report.get("", response_model=SharingReport)
def sharing_report(
    request: Request,
    session: DbSession,
    jurisdiction: Annotated[str, Query(description="110000, 120000 or 130000")],
) -> SharingReport:
    return service.sharing_report(
        session, jurisdiction_code=jurisdiction, settings=request.app.state.settings
    )


router.include_router(datasets)
router.include_router(requests)
router.include_router(grants)
router.include_router(report)
router.include_router(feeds)
