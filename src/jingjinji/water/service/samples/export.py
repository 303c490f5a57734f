"""Export of stored samples as CSV or Parquet, with the provenance of every value.

The CSV is for people (:func:`jingjinji.numbers.frame_csv`): values rounded to the default
precision of :func:`jingjinji.numbers.num` (two decimals, three significant digits below 1: the
units of water quality items, mg/L and the like, fix no decimals), text a spreadsheet would run
as a formula defused; Parquet keeps full precision.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import numbers
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.water.models import Sample
from jingjinji.water.service.samples.reading import check_period

#: At most this many rows in one export (a year of a 4-hourly station is about 2,200 values
#: per item); a larger period is refused, to be exported in pieces.
MAX_EXPORT_ROWS = 1_000_000

EXPORT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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


def export_frame(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    section_code: str | None = None,
    kind: str | None = None,
) -> pl.DataFrame:
    """The samples of [start, end) with their provenance (origin, version, who and when)."""
    check_period(start, end)
    columns = [getattr(Sample, name) for name in EXPORT_SCHEMA]
    stmt = select(*columns).where(Sample.sampled_at >= start, Sample.sampled_at < end)
    if section_code is not None:
        stmt = stmt.where(Sample.section_code == section_code)
    if kind is not None:
        stmt = stmt.where(Sample.kind == kind)
    stmt = stmt.order_by(Sample.section_code, Sample.sampled_at, Sample.kind, Sample.item).limit(
        MAX_EXPORT_ROWS + 1
    )
    rows = session.execute(stmt).all()
    if len(rows) > MAX_EXPORT_ROWS:
        # A cut export would look complete: refuse it and say how to get the rest.
        raise InvalidInput(
            msg(
                "more than {max_export_rows} samples in the period: export a shorter period or "
                "one section at a time",
                max_export_rows=MAX_EXPORT_ROWS,
            ),
            errors=[field_error(["query", "end"], msg("the period holds too many samples"))],
        )
    return pl.DataFrame([tuple(r) for r in rows], schema=EXPORT_SCHEMA, orient="row")


def export_samples(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    section_code: str | None = None,
    kind: str | None = None,
    format: str = "csv",
) -> bytes:
    """CSV (UTF-8, times in ISO 8601 UTC) or Parquet bytes of :func:`export_frame`."""
    frame = export_frame(session, start=start, end=end, section_code=section_code, kind=kind)
    buffer = io.BytesIO()
    if format == "parquet":
        frame.write_parquet(buffer)
    elif format == "csv":
        return csv_bytes(frame)
    else:
        raise ValueError(f"unknown export format {format!r}")
    return buffer.getvalue()


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV for people: times ISO 8601 UTC, integers as they are, other numbers
    rounded (:func:`jingjinji.numbers.num`), formula-like text defused."""
    text = frame.with_columns(pl.col(pl.Datetime("us", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%S%z"))
    decimals = [0 if dtype.is_integer() else None for dtype in frame.dtypes]
    return numbers.frame_csv(text, decimals).encode()
