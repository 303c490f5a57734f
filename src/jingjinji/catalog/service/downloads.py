"""Whole-dataset downloads: access is decided (and a refusal audited) once, before the first
byte; the rows are then read in batches, each in its own short session, while the response
streams (docs/catalog.md, "Downloads")."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy.orm import Session

from jingjinji import numbers
from jingjinji.audit import service as audit
from jingjinji.catalog.schemas import DOWNLOAD_FORMATS, DownloadFormat
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
from jingjinji.catalog.service.validation import check_query, clipped, problems_of
from jingjinji.errors import InvalidInput, NotAuthenticated, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor

#: Rows read per statement while a download streams.
DOWNLOAD_BATCH = 1000


@dataclass(frozen=True)
class DownloadPlan:
    """What one reader downloads of one dataset, as plain values and the filters' SQL clauses
    (no ORM objects: the rows are read after the request's session has closed)."""

    dataset_id: int
    dataset_code: str
    file_format: DownloadFormat
    fields: tuple[str, ...]
    field_types: dict[str, str]
    decimals: dict[str, int | None]
    filters: Filters
    row_scopes: RowScopes


def _is_format(file_format: str) -> TypeGuard[DownloadFormat]:
    return file_format in DOWNLOAD_FORMATS


def _download_format(file_format: str) -> DownloadFormat:
    """``file_format`` if the catalog writes it; else an ``InvalidInput`` on the path's
    ``file_format`` naming the formats."""
    if _is_format(file_format):
        return file_format
    formats = ", ".join(DOWNLOAD_FORMATS)
    raise InvalidInput(
        msg(
            "no download is written as {file_format}; the formats are {formats}",
            file_format=repr(clipped(file_format)),
            formats=formats,
        ),
        errors=[field_error(["path", "file_format"], msg("one of {formats}", formats=formats))],
    )


def plan_download(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str,
    filters: dict[str, str],
    file_format: str,
    query: Sequence[tuple[str, str]] | None = None,
) -> DownloadPlan:
    """The readable fields and rows of ``actor`` (as ``read_records`` decides them), the
    download audited like a read; a refusal (nothing readable, a query that cannot be read:
    ``check_query`` of ``query`` as sent, without it the filters; a format the catalog does
    not write; a bad filter: unknown, withheld or a value not of its field's type) is audited
    before the first byte, once the dataset is known (an unknown one is a 404)."""
    dataset = get_dataset(session, code=dataset_code)
    code, jurisdiction = dataset.code, dataset.jurisdiction_code
    try:
        access = readable_fields(session, actor=actor, dataset_code=code)
        check_query(query if query is not None else list(filters.items()))
        known_format = _download_format(file_format)
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
                "format": clipped(file_format),
                "filters": filter_names(filters),
                **({"problems": problems_of(exc)} if isinstance(exc, InvalidInput) else {}),
            },
        ) from exc
    plan = DownloadPlan(
        dataset_id=dataset.id,
        dataset_code=code,
        file_format=known_format,
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
            "download": known_format,
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
