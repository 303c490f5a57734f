"""The values' export (``GET /sources/values/export``): every value of a period in scope as CSV
for people or Parquet, streamed, whatever the period's length.

An export is planned first (:func:`plan_export`: the period checked, the scope resolved and
the reader allowed and audited, as every read of the data is: every refusal comes before the
first byte), then written by :func:`export_chunks`, a lazy generator: logger by logger (by MN),
the values in key order (command, time, factor: the table's primary key after the logger) are
read :data:`EXPORT_WINDOW_ROWS` at a time by keyset (:func:`jingjinji.pagination.keyset_batches`),
each window encoded and sent before the next is read, so memory depends on the window, not on
the period. There is no cap on the period or on the number of values.
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
from jingjinji.security import Actor
from jingjinji.sources.models import Logger, Value
from jingjinji.sources.service.data import (
    VALUE_COLUMNS,
    Scope,
    check_period,
    filtered_values,
    resolve_scope,
)

#: Values read, encoded and sent at a time (about 200 bytes each in a CSV).
EXPORT_WINDOW_ROWS = 50_000

#: The columns of an export, in order (times in UTC).
EXPORT_SCHEMA: dict[str, Any] = {
    "mn": pl.Utf8,
    "outlet_id": pl.Int64,
    "cn": pl.Int64,
    "data_time": pl.Datetime("us", "UTC"),
    "factor": pl.Utf8,
    "rtd": pl.Float64,
    "avg": pl.Float64,
    "min": pl.Float64,
    "max": pl.Float64,
    "cou": pl.Float64,
    "zs_rtd": pl.Float64,
    "zs_avg": pl.Float64,
    "zs_min": pl.Float64,
    "zs_max": pl.Float64,
    "flag": pl.Utf8,
}


@dataclass(frozen=True)
class ValuesExport:
    """A checked export: the scope the reader was allowed and the filters, [start, end)."""

    scope: Scope
    start: dt.datetime
    end: dt.datetime
    cn: int | None
    factor: str | None
    format: str


def plan_export(
    session: Session,
    *,
    actor: Actor | None,
    start: dt.datetime,
    end: dt.datetime,
    enterprise_id: int | None = None,
    outlet_id: int | None = None,
    mn: str | None = None,
    cn: int | None = None,
    factor: str | None = None,
    format: str = "csv",
) -> ValuesExport:
    """Check an export before anything is sent: 422 naming the parameter for a reversed period
    or an unknown or disagreeing scope, 401/403 for a reader who may not read it (audited, as
    is a read across jurisdictions: ``sources.values.export``)."""
    check_period(start, end)
    scope = resolve_scope(
        session,
        actor=actor,
        action="sources.values.export",
        enterprise_id=enterprise_id,
        outlet_id=outlet_id,
        mn=mn,
    )
    return ValuesExport(scope, start, end, cn, factor, format)


def export_frames(session: Session, plan: ValuesExport) -> Iterator[pl.DataFrame]:
    """The plan's values as frames of :data:`EXPORT_SCHEMA`, by logger (MN), command, time and
    factor, at most :data:`EXPORT_WINDOW_ROWS` each, read when the next one is asked for; one
    empty frame (for the columns) when there are none."""
    columns = [getattr(Value, name) for name in VALUE_COLUMNS]
    sent = False
    for logger_id, mn in sorted(plan.scope.loggers.items(), key=lambda item: item[1]):
        stmt = select(Logger.mn, Logger.outlet_id, *columns).join(
            Logger, Logger.id == Value.logger_id
        )
        one_logger = Scope(enterprise=plan.scope.enterprise, loggers={logger_id: mn})
        stmt = filtered_values(
            stmt, one_logger, cn=plan.cn, factor=plan.factor, start=plan.start, end=plan.end
        )
        for rows in keyset_batches(
            session,
            stmt,
            Value.cn,
            Value.data_time,
            Value.factor,
            size=EXPORT_WINDOW_ROWS,
            key=lambda r: (r.cn, r.data_time, r.factor),
        ):
            sent = True
            yield pl.DataFrame([tuple(r) for r in rows], schema=EXPORT_SCHEMA, orient="row")
    if not sent:
        yield pl.DataFrame(schema=EXPORT_SCHEMA)


def csv_chunks(frames: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """UTF-8 CSV for people (times ISO 8601 UTC), the header then chunks of rows. Values are
    rounded to the default precision of :func:`jingjinji.numbers.num` (two decimals, three
    significant digits below 1: stack concentrations span 0.001 to thousands of mg/m3, so the
    ambient one-decimal rule of mg/m3 would erase trace metals); text a spreadsheet would run as
    a formula is defused. Parquet keeps full precision."""
    return streaming.frame_csv_chunks(frames, time_format=streaming.UTC_OFFSET_FORMAT)


def export_chunks(session: Session, plan: ValuesExport) -> Iterator[bytes]:
    """The file of a plan, lazily: a window is read only when the chunks before it are sent."""
    frames = export_frames(session, plan)
    if plan.format == "parquet":
        return streaming.frame_parquet_chunks(frames, schema=EXPORT_SCHEMA)
    return csv_chunks(frames)
