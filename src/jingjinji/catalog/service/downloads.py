"""Whole-dataset downloads: access is decided (and a refusal audited) once, before the first
byte; the rows are then read in batches, each in its own short session, while the response
streams (docs/catalog.md, "Downloads")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji import numbers
from jingjinji.audit import service as audit
from jingjinji.catalog.service.access import readable_fields, record_read
from jingjinji.catalog.service.datasets import get_dataset
from jingjinji.catalog.service.records import (
    Filters,
    check_filters,
    filter_names,
    filters_kept,
    rows_page,
)
from jingjinji.catalog.service.scopes import RowScopes
from jingjinji.catalog.service.validation import problems_of
from jingjinji.errors import InvalidInput, NotAuthenticated, PermissionDenied
from jingjinji.security import Actor

#: Rows read per statement while a download streams.
DOWNLOAD_BATCH = 1000


@dataclass(frozen=True)
class DownloadPlan:
    """What one reader downloads of one dataset, as plain values and the filters' SQL clauses
    (no ORM objects: the rows are read after the request's session has closed)."""

    dataset_id: int
    dataset_code: str
    fields: tuple[str, ...]
    field_types: dict[str, str]
    decimals: dict[str, int | None]
    filters: Filters
    row_scopes: RowScopes


def plan_download(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str,
    filters: dict[str, str],
    file_format: str,
) -> DownloadPlan:
    """The readable fields and rows of ``actor`` (as ``read_records`` decides them), the
    download audited like a read; a refusal (nothing readable, a bad filter: unknown, withheld
    or a value not of its field's type) is audited before the first byte."""
    dataset = get_dataset(session, code=dataset_code)
    code, jurisdiction = dataset.code, dataset.jurisdiction_code
    try:
        access = readable_fields(session, actor=actor, dataset_code=code)
        checked = check_filters(access, filters)
    except (NotAuthenticated, PermissionDenied, InvalidInput) as exc:
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action="catalog.records.download",
            object_type="dataset",
            object_id=code,
            jurisdiction_code=jurisdiction,
            detail={
                "format": file_format,
                "filters": filter_names(filters),
                **({"problems": problems_of(exc)} if isinstance(exc, InvalidInput) else {}),
            },
        ) from exc
    plan = DownloadPlan(
        dataset_id=dataset.id,
        dataset_code=code,
        fields=access.readable,
        field_types={f.name: f.type for f in dataset.fields},
        decimals=numbers.field_decimals(dataset.fields),
        filters=checked,
        row_scopes=access.row_scopes,
    )
    record_read(
        session,
        actor=actor,
        dataset_code=code,
        detail={
            "download": file_format,
            "fields": list(access.readable),
            "withheld": [w.field for w in access.withheld],
            "filters": filters_kept(filters),
            "basis": access.basis,
        },
    )
    return plan


def record_batches(
    session_factory: Callable[[], Session], plan: DownloadPlan, *, batch: int | None = None
) -> Iterator[list[dict[str, object]]]:
    """The planned rows, reduced to the readable fields, ``batch`` (default
    ``DOWNLOAD_BATCH``) at a time (the last batch may be empty); each batch is read in its
    own session."""
    size = batch or DOWNLOAD_BATCH
    cursor: str | None = None
    while True:
        with session_factory() as session:
            rows, cursor = rows_page(
                session,
                dataset_id=plan.dataset_id,
                dataset_code=plan.dataset_code,
                field_types=plan.field_types,
                scopes=plan.row_scopes,
                filters=plan.filters,
                cursor=cursor,
                limit=size,
            )
        yield [{name: row.get(name) for name in plan.fields} for row in rows]
        if cursor is None:
            return
