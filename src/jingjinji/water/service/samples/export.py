"""Export of stored samples as CSV or Parquet, with the provenance of every value, streamed
whatever the period's length.

An export is checked first (:func:`plan_export`: a bad period is a 422 naming ``end`` before the
first byte), then written by :func:`export_chunks`, a lazy generator: the samples are read in key
order (section, time, kind, item: the table's unique key), a section at a time and
:data:`EXPORT_WINDOW_ROWS` at a time by keyset (:func:`jingjinji.pagination.keyset_batches`),
each window encoded and sent before the next is read, so memory depends on the window, not on
the period. There is no cap on the period or on the number of samples.

The CSV is for people (:func:`jingjinji.numbers.frame_csv`): values rounded to the default
precision of :func:`jingjinji.numbers.num` (two decimals, three significant digits below 1: the
units of water quality items, mg/L and the like, fix no decimals), text a spreadsheet would run
as a formula defused; Parquet keeps full precision (one row group per window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import streaming
from jingjinji.pagination import keyset_batches
from jingjinji.water.models import Sample
from jingjinji.water.service.samples.reading import check_period

#: Samples read, encoded and sent at a time (a year of a 4-hourly station is about 2,200
#: values per item).
EXPORT_WINDOW_ROWS = 50_000

EXPORT_SCHEMA: dict[str, Any] = {
    "section_code": pl.Utf8,
    "sampled_at": pl.Datetime("us", "UTC"),
    "kind": pl.Utf8,
    "item": pl.Utf8,
    "value": pl.Float64,
    "below_detection": pl.Boolean,
    "origin": pl.Utf8,
    "version": pl.Int64,
    "recorded_at": pl.Datetime("us", "UTC"),
    "recorded_by": pl.Utf8,
    "ingestion_id": pl.Int64,
}


@dataclass(frozen=True)
class SamplesExport:
    """A checked export: the samples of [start, end), of one section or all, of one kind or
    all, in a format (csv or parquet)."""

    start: dt.datetime
    end: dt.datetime
    section_code: str | None
    kind: str | None
    format: str


def plan_export(
    *,
    start: dt.datetime,
    end: dt.datetime,
    section_code: str | None = None,
    kind: str | None = None,
    format: str = "csv",
) -> SamplesExport:
    """Check an export before anything is sent (a reversed period: 422 naming ``end``)."""
    check_period(start, end)
    if format not in ("csv", "parquet"):
        raise ValueError(f"unknown export format {format!r}")
    return SamplesExport(start, end, section_code, kind, format)


def export_frames(session: Session, plan: SamplesExport) -> Iterator[pl.DataFrame]:
    """The plan's samples with their provenance (origin, version, who and when) as frames of
    :data:`EXPORT_SCHEMA`, at most :data:`EXPORT_WINDOW_ROWS` each, read when the next one is
    asked for; one empty frame (for the columns) when there are none."""
    columns = [getattr(Sample, name) for name in EXPORT_SCHEMA]
    stmt = select(*columns).where(Sample.sampled_at >= plan.start, Sample.sampled_at < plan.end)
    if plan.kind is not None:
        stmt = stmt.where(Sample.kind == plan.kind)
    sections = (
        [plan.section_code]
        if plan.section_code is not None
        else session.scalars(
            select(Sample.section_code)
            .where(Sample.sampled_at >= plan.start, Sample.sampled_at < plan.end)
            .distinct()
            .order_by(Sample.section_code)
        ).all()
    )
    sent = False
    # A section at a time, keyed on the rest of the unique key: each window is one range on
    # the key's index (a key that starts with the section would make every window's condition
    # an OR that SQLite reads from the first row on).
    for section in sections:
        for rows in keyset_batches(
            session,
            stmt.where(Sample.section_code == section),
            Sample.sampled_at,
            Sample.kind,
            Sample.item,
            size=EXPORT_WINDOW_ROWS,
            key=lambda r: (r.sampled_at, r.kind, r.item),
        ):
            sent = True
            yield pl.DataFrame([tuple(r) for r in rows], schema=EXPORT_SCHEMA, orient="row")
    if not sent:
        yield pl.DataFrame(schema=EXPORT_SCHEMA)


def csv_chunks(frames: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """CSV for people: times ISO 8601 UTC, integers as they are, other numbers rounded
    (:func:`jingjinji.numbers.num`), formula-like text defused; the header then chunks."""
    return streaming.frame_csv_chunks(frames, time_format=streaming.UTC_OFFSET_FORMAT)


def export_chunks(session: Session, plan: SamplesExport) -> Iterator[bytes]:
    """The file of a plan, lazily: a window is read only when the chunks before it are sent."""
    frames = export_frames(session, plan)
    if plan.format == "parquet":
        return streaming.frame_parquet_chunks(frames, schema=EXPORT_SCHEMA)
    return csv_chunks(frames)
