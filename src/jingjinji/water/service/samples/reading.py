"""Reading stored samples: a frame for the assessment and the charts, a paged listing, the
latest value of each item for the network map. Samples are open data: no actor is needed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

import polars as pl
from sqlalchemy import Boolean, DateTime, Integer, Select, String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from jingjinji.db import is_postgres
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor
from jingjinji.water import policy
from jingjinji.water.models import Sample, Section
from jingjinji.water.service.sections import all_sections

#: The columns of :func:`samples_frame`, in order.
FRAME_SCHEMA: dict[str, Any] = {
    "section_code": pl.Utf8,
    "sampled_at": pl.Datetime("us", "UTC"),
    "kind": pl.Utf8,
    "item": pl.Utf8,
    "value": pl.Float64,
    "below_detection": pl.Boolean,
    "origin": pl.Utf8,
}
#: How SQLite holds a UTCDateTime: naive UTC text, microseconds optional.
STORED_TIME = "%Y-%m-%d %H:%M:%S%.f"


def check_period(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise InvalidInput(
            msg("the end of a period comes after its start"),
            errors=[field_error(["query", "end"], msg("must be later than start"))],
        )


def _filtered(
    stmt: Select[Any],
    *,
    codes: Iterable[str] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    kind: str | None,
    item: str | None = None,
) -> Select[Any]:
    if codes is not None:
        stmt = stmt.where(Sample.section_code.in_(sorted(set(codes))))
    if start is not None:
        stmt = stmt.where(Sample.sampled_at >= start)
    if end is not None:
        stmt = stmt.where(Sample.sampled_at < end)
    if kind is not None:
        stmt = stmt.where(Sample.kind == kind)
    if item is not None:
        stmt = stmt.where(Sample.item == item)
    return stmt


def samples_frame(
    session: Session,
    *,
    codes: Iterable[str] | None,
    start: dt.datetime,
    end: dt.datetime,
    kind: str | None = None,
) -> pl.DataFrame:
    """Samples of ``codes`` (all sections if None) in [start, end), long form: section_code,
    sampled_at (aware UTC), kind, item, value, below_detection, origin; sorted by section,
    time, kind and item."""
    check_period(start, end)
    # Plain Core rows through the session's connection (no ORM rows), the columns handed to
    # polars whole; the time and the flag are read as stored (SQLite: text and 0/1, PostgreSQL:
    # naive UTC and bool) and converted by polars, not value by value in Python.
    postgres = is_postgres(session)
    stmt = _filtered(
        cast(
            Select[Any],
            select(
                Sample.section_code,
                type_coerce(Sample.sampled_at, DateTime() if postgres else String()),
                Sample.kind,
                Sample.item,
                Sample.value,
                type_coerce(Sample.below_detection, Boolean() if postgres else Integer()),
                Sample.origin,
            ),
        ),
        codes=codes,
        start=start,
        end=end,
        kind=kind,
    ).order_by(Sample.section_code, Sample.sampled_at, Sample.kind, Sample.item)
    result = session.connection().execute(stmt)
    try:
        # The driver's own tuples (SQLAlchemy's result processing is bypassed on purpose:
        # the coerced columns have none to do).
        rows = result.cursor.fetchall()
    finally:
        result.close()
    stored: dict[str, Any] = {
        **FRAME_SCHEMA,
        "sampled_at": pl.Datetime("us") if postgres else pl.Utf8,
        "below_detection": pl.Boolean if postgres else pl.Int64,
    }
    frame = pl.DataFrame(rows, schema=stored, orient="row")
    moment = pl.col("sampled_at")
    if not postgres:
        moment = moment.str.to_datetime(STORED_TIME, time_unit="us")
    return frame.with_columns(
        moment.dt.replace_time_zone("UTC"), pl.col("below_detection").cast(pl.Boolean)
    )


def list_samples(
    session: Session,
    *,
    section_code: str | None = None,
    item: str | None = None,
    kind: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[Sample]:
    """Samples oldest first (``end`` exclusive), paged on (sampled_at, id)."""
    check_period(start, end)
    stmt = _filtered(
        select(Sample),
        codes=None if section_code is None else [section_code],
        start=start,
        end=end,
        kind=kind,
        item=item,
    )
    return paginate(
        session, stmt, Sample.sampled_at, Sample.id, cursor=cursor, limit=check_limit(limit)
    )


def latest_samples(
    session: Session, *, codes: Iterable[str]
) -> dict[str, dict[str, tuple[dt.datetime, float]]]:
    """The latest value of every item at each section (any kind), in one query:
    {section: {item: (sampled_at, value)}}."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    last = (
        select(Sample.section_code, Sample.item, func.max(Sample.sampled_at).label("at"))
        .where(Sample.section_code.in_(wanted))
        .group_by(Sample.section_code, Sample.item)
        .subquery()
    )
    stmt = (
        select(Sample.section_code, Sample.item, Sample.sampled_at, Sample.value, Sample.kind)
        .join(
            last,
            and_(
                Sample.section_code == last.c.section_code,
                Sample.item == last.c.item,
                Sample.sampled_at == last.c.at,
            ),
        )
        # A manual and an automatic value at the same moment: the manual one (the lab's) is
        # read last and wins.
        .order_by(Sample.kind)
    )
    found: dict[str, dict[str, tuple[dt.datetime, float]]] = {}
    for code, item, at, value, _kind in session.execute(stmt):
        found.setdefault(code, {})[item] = (at, value)
    return found


def writable_sections(session: Session, *, actor: Actor | None) -> list[Section]:
    """The active sections whose samples ``actor`` may write (for the upload form)."""
    return [
        s
        for s in all_sections(session)
        if policy.may_write_section(
            actor, jurisdiction_code=s.jurisdiction_code, organisation_id=s.organisation_id
        )
    ]
