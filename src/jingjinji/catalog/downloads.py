"""Whole-dataset downloads as CSV (numbers rounded for people, formula-safe, like
``records.csv``), JSON Lines (full precision) and Parquet (typed columns), each written batch by
batch as the rows arrive: nothing holds the whole dataset in memory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

import pyarrow as pa

from jingjinji import numbers, streaming
from jingjinji.catalog.service.downloads import DownloadPlan

Batches = Iterable[list[dict[str, object]]]

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
#: Parquet column types of the catalog's field types; a datetime keeps its ISO text (with the
#: offset it was written with).
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.string(),
}


def csv_chunks(plan: DownloadPlan, batches: Batches) -> Iterator[str]:
    """The CSV a batch at a time, every cell by ``numbers.csv_cell`` (one way for all CSVs)."""
    names = list(plan.fields)
    places = [plan.decimals.get(name) for name in names]
    yield numbers.csv_text([], places, header=names)
    for rows in batches:
        if rows:
            yield numbers.csv_text(([row.get(name) for name in names] for row in rows), places)


def jsonl_chunks(batches: Batches) -> Iterator[str]:
    for rows in batches:
        if rows:
            yield "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _column(values: list[object], field_type: str) -> list[object]:
    if field_type == "date":
        return [None if v is None else dt.date.fromisoformat(str(v)) for v in values]
    return values


def parquet_chunks(plan: DownloadPlan, batches: Batches) -> Iterator[bytes]:
    """One row group per batch."""
    schema = pa.schema([(name, ARROW_TYPES[plan.field_types[name]]) for name in plan.fields])

    def tables() -> Iterator[pa.Table]:
        for rows in batches:
            columns = {
                name: pa.array(
                    _column([r.get(name) for r in rows], plan.field_types[name]),
                    type=schema.field(name).type,
                )
                for name in plan.fields
            }
            yield pa.table(columns, schema=schema)

    return streaming.parquet_chunks(tables(), schema=schema)
