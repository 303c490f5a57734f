"""Streamed downloads: a file written a window of rows at a time, each window encoded and sent
before the next is read, so that memory depends on the window and not on the download.

Every streamed export writes through here (air series, catalog datasets, sources values, water
samples): CSV for people (:func:`frame_csv_chunks`, the header once, numbers rounded and text
defused by :func:`jingjinji.numbers.frame_csv`) and Parquet (:func:`parquet_chunks`, one row
group per window, full precision). The windows themselves come from the caller: a range of
dates (air) or :func:`jingjinji.pagination.keyset_batches` (rows in key order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from jingjinji import numbers

#: Rows encoded into one CSV chunk (a chunk is one write to the client).
CSV_CHUNK_ROWS = 5_000
#: ISO 8601 UTC, as ``2025-07-01T02:00:00+0000`` and as ``2025-07-01T02:00:00Z``.
UTC_OFFSET_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
UTC_Z_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: The decimals of a CSV column for people, from its name and type (None: the default
#: precision of :func:`jingjinji.numbers.num`).
Decimals = Callable[[str, pl.DataType], int | None]


def integers_whole(name: str, dtype: pl.DataType) -> int | None:
    """Integers as they are, every other number at the default precision."""
    return 0 if dtype.is_integer() else None


def frame_csv_chunks(
    frames: Iterable[pl.DataFrame],
    *,
    decimals: Decimals = integers_whole,
    time_format: str = UTC_OFFSET_FORMAT,
    chunk_rows: int = CSV_CHUNK_ROWS,
) -> Iterator[bytes]:
    """UTF-8 CSV for people of consecutive frames with the same columns: the header (also when
    there are no rows), then about ``chunk_rows`` rows a chunk; UTC times in ``time_format``."""
    header = True
    for frame in frames:
        places = [decimals(name, dtype) for name, dtype in frame.schema.items()]
        text = frame.with_columns(pl.col(pl.Datetime("us", "UTC")).dt.strftime(time_format))
        for offset in range(0, text.height, chunk_rows) if text.height else [0]:
            chunk = numbers.frame_csv(text.slice(offset, chunk_rows), places, header=header)
            header = False
            if chunk:
                yield chunk.encode()


class ByteDrain:
    """A write-only file that hands over what was written since the last :meth:`take` (where
    the Parquet writer writes, so that each row group is sent as soon as it is written)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0
        self.closed = False

    def write(self, data: object) -> int:
        chunk = bytes(memoryview(data))  # type: ignore[arg-type]  # any buffer pyarrow hands
        self._parts.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def parquet_chunks(
    tables: Iterable[pa.Table], *, schema: pa.Schema | None = None
) -> Iterator[bytes]:
    """Parquet, one row group per table with rows, each sent once written (the footer last).
    The file's schema is ``schema`` or else the first table's; later tables are cast to it."""
    sink = ByteDrain()
    writer = pq.ParquetWriter(sink, schema) if schema is not None else None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(sink, table.schema)
            elif table.schema != writer.schema:
                table = table.cast(writer.schema)
            if table.num_rows:
                writer.write_table(table)
            if chunk := sink.take():
                yield chunk
    finally:
        if writer is not None:
            writer.close()
    yield sink.take()


def frame_parquet_chunks(
    frames: Iterable[pl.DataFrame], *, schema: dict[str, pl.DataType] | None = None
) -> Iterator[bytes]:
    """:func:`parquet_chunks` of polars frames (the file typed by ``schema`` where given)."""
    arrow = pl.DataFrame(schema=schema).to_arrow().schema if schema is not None else None
    return parquet_chunks((frame.to_arrow() for frame in frames), schema=arrow)
