"""Records: writing batches of rows, and reading them reduced to the readable fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog.models import Record
from jingjinji.catalog.rows import MAX_INTEGER, MIN_INTEGER, row_errors
from jingjinji.catalog.schemas import RecordsPage
from jingjinji.catalog.service.access import ReadAccess, readable_fields, record_read
from jingjinji.catalog.service.datasets import get_dataset
from jingjinji.catalog.service.scopes import RowScopes, row_in_scopes
from jingjinji.catalog.service.sources import read_source, record_source_for
from jingjinji.catalog.service.validation import (
    KEPT_PROBLEMS,
    check_query,
    clipped,
    page_size,
    raise_if_any,
    refused_on_record,
)
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import paginate
from jingjinji.security import Actor, ensure_can_write

#: Rows of a page of records when the reader names no ``limit``.
READ_LIMIT = 100


def write_records(
    session: Session, *, actor: Actor | None, dataset_code: str, rows: Sequence[Any]
) -> int:
    """Store a batch of rows: all of them, or (on any problem) none, naming every problem."""
    dataset = get_dataset(session, code=dataset_code)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.records.write",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    if record_source_for(dataset.code) is not None:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "records of dataset {dataset_code} come from another domain's source; "
                    "they are not written through the catalog",
                    dataset_code=dataset.code,
                )
            ),
            actor=actor,
            action="catalog.records.write",
            object_type="dataset",
            object_id=dataset.code,
            jurisdiction_code=dataset.jurisdiction_code,
        )
    errors = row_errors({f.name: f.type for f in dataset.fields}, rows, loc_prefix=["body", "rows"])
    if errors:
        bad_rows = len({e["row"] for e in errors})
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg(
                    "{count} problem(s) in {bad_rows} row(s); nothing was stored",
                    count=len(errors),
                    bad_rows=bad_rows,
                ),
                errors=errors[:500],
            ),
            actor=actor,
            action="catalog.records.write",
            object_type="dataset",
            object_id=dataset.code,
            jurisdiction_code=dataset.jurisdiction_code,
            detail={"rows": len(rows), "bad_rows": bad_rows},
        )
    now = utcnow()
    session.add_all(
        Record(dataset_id=dataset.id, payload=dict(row), created_at=now, created_by=actor.username)
        for row in rows
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="catalog.records.write",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"rows": len(rows)},
    )
    return len(rows)


def count_records(session: Session, *, dataset_id: int) -> int:
    return session.scalar(select(func.count(Record.id)).where(Record.dataset_id == dataset_id)) or 0


def _filter_clause(name: str, field_type: str, value: str) -> ColumnElement[bool]:
    column = Record.payload[name]
    clause: Any
    try:
        if field_type == "integer":
            number = int(value)
            if not MIN_INTEGER <= number <= MAX_INTEGER:
                raise ValueError(value)
            # BIGINT: ``as_integer()`` casts to INTEGER, which is 32-bit on PostgreSQL and
            # fails on any stored value beyond it.
            clause = column.as_string().cast(BigInteger) == number
        elif field_type == "number":
            clause = column.as_float() == float(value)
        elif field_type == "boolean":
            if value not in ("true", "false"):
                raise ValueError(value)
            clause = column.as_boolean() == (value == "true")
        else:
            clause = column.as_string() == value
    except ValueError as exc:
        raise InvalidInput(
            msg(
                "filter {name}={value} is not a {field_type}",
                name=name,
                # the value as sent, cut short: the message is the refusal's audited reason
                value=repr(clipped(value)),
                field_type=field_type,
            ),
            errors=[
                field_error(
                    ["query", name], msg("expected a {field_type} value", field_type=field_type)
                )
            ],
        ) from exc
    return cast(ColumnElement[bool], clause)


@dataclass(frozen=True)
class Filters:
    """Equality filters checked against a reader's access: the values as sent (a registered
    source reads them) and the SQL clause of each (the catalog's own records), built once.
    The clauses are bound to no session: a download reuses them for each of its batches."""

    values: Mapping[str, str]
    clauses: tuple[ColumnElement[bool], ...]


def check_filters(access: ReadAccess, filters: Mapping[str, str]) -> Filters:
    """Filters name known fields the reader may read (a withheld field leaks through one),
    each with a value of the field's type; checked, they are ``Filters``."""
    types = {f.name: f.type for f in access.dataset.fields}
    withheld = {w.field: w.reason for w in access.withheld}
    problems = []
    clauses = []
    for name, value in filters.items():
        if name not in types:
            problems.append(field_error(["query", name], msg("unknown field")))
        elif name in withheld:
            problems.append(
                field_error(
                    ["query", name],
                    msg("field is withheld from you ({withheld})", withheld=withheld[name]),
                )
            )
        else:
            try:
                clauses.append(_filter_clause(name, types[name], value))
            except InvalidInput as exc:
                problems.extend(exc.errors)
    raise_if_any(problems, msg("cannot filter on these fields"))
    return Filters(values=dict(filters), clauses=tuple(clauses))


def filter_names(filters: Mapping[str, str]) -> list[str]:
    """The filters' names for a refusal's record (untrusted: so many, each cut short)."""
    return [clipped(name) for name in sorted(filters)[:KEPT_PROBLEMS]]


def filters_kept(filters: Mapping[str, str]) -> dict[str, str]:
    """A read's filters for its record, bounded as a refusal's are: so many (the first names
    in order), each name and value cut short."""
    return {clipped(name): clipped(filters[name]) for name in sorted(filters)[:KEPT_PROBLEMS]}


def rows_page(
    session: Session,
    *,
    dataset_id: int,
    dataset_code: str,
    field_types: Mapping[str, str],
    scopes: RowScopes,
    filters: Filters,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of whole rows, from the registered source or the catalog's own records (the
    caller has checked access and the filters, and reduces the rows to the readable fields)."""
    served = read_source(
        session,
        dataset_code=dataset_code,
        filters=dict(filters.values),
        cursor=cursor,
        limit=limit,
        row_scopes=scopes,
    )
    if served is not None:
        # The reader was told the scopes; what it returns outside them is dropped all the same.
        return [r for r in served[0] if row_in_scopes(r, scopes)], served[1]
    stmt = select(Record).where(Record.dataset_id == dataset_id, *filters.clauses)
    if scopes is not None:
        stmt = stmt.where(_scope_clause(field_types, scopes))
    page = paginate(session, stmt, Record.id, cursor=cursor, limit=limit)
    return [r.payload for r in page.items], page.next_cursor


def _scope_clause(
    field_types: Mapping[str, str], scopes: tuple[Mapping[str, Sequence[str]], ...]
) -> ColumnElement[bool]:
    """Rows of the catalog's own records lying in one of the grants' scopes (none: no row)."""

    def value_clause(name: str, value: str) -> ColumnElement[bool]:
        try:  # a field no longer there, or a value not of its type, matches nothing
            return _filter_clause(name, field_types[name], value)
        except (KeyError, InvalidInput):
            return false()

    return or_(
        false(),
        *(
            and_(
                true(),
                *(or_(false(), *(value_clause(n, v) for v in vs)) for n, vs in scope.items()),
            )
            for scope in scopes
        ),
    )


def _text(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def read_records(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str,
    filters: dict[str, str] | None = None,
    cursor: str | None = None,
    limit: int | str | None = None,
    query: Sequence[tuple[str, str]] | None = None,
) -> RecordsPage:
    """Rows of a dataset reduced to the fields ``actor`` may read; audited across provinces.
    ``limit``: 100 rows when not given; the API passes the query's text (``page_size``) and
    the whole query as sent (``query``: every name and value, repeated ones too; without it the
    filters, cursor and limit), checked first by ``check_query`` (no NUL character, a cursor
    of at most ``MAX_CURSOR`` characters).

    A bad query (one that cannot be read, a filter on a field unknown or withheld, a value
    not of the field's type, a limit that is no number or out of range, a foreign cursor) is
    a 422 refused on the record, anonymous or not, once the dataset is known to be readable
    (a 404, 401 or 403 comes first)."""
    access = readable_fields(session, actor=actor, dataset_code=dataset_code)
    filters = dict(filters or {})
    dataset = access.dataset
    # a filter on a field withheld from the reader is a probe of it: refused on the record
    with refused_on_record(
        session,
        actor=actor,
        action="catalog.records.read",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"filters": filter_names(filters)},
    ):
        check_query(
            query
            if query is not None
            else [*filters.items(), ("cursor", cursor), ("limit", _text(limit))]
        )
        size = page_size(limit, default=READ_LIMIT)
        checked = check_filters(access, filters)
        rows, next_cursor = rows_page(
            session,
            dataset_id=dataset.id,
            dataset_code=dataset.code,
            field_types={f.name: f.type for f in dataset.fields},
            scopes=access.row_scopes,
            filters=checked,
            cursor=cursor,
            limit=size,
        )
    items = [{name: row.get(name) for name in access.readable} for row in rows]
    record_read(
        session,
        actor=actor,
        dataset_code=access.dataset.code,
        detail={
            "rows": len(items),
            "fields": list(access.readable),
            "withheld": [w.field for w in access.withheld],
            "filters": filters_kept(filters),
            "basis": access.basis,
        },
    )
    return RecordsPage(
        dataset_code=access.dataset.code,
        fields=list(access.readable),
        withheld_fields=list(access.withheld),
        items=items,
        next_cursor=next_cursor,
    )
