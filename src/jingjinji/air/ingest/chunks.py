"""Large CSV files in chunks of bounded size, and the duplicate rule across those chunks.

:func:`read_csv_chunks` parses a file a block of bytes at a time (cut after the last complete
line), so that the memory of an import depends on the block size, not on the file's.
:class:`SeenKeys` remembers the station-hours of the earlier chunks of a file, compressed to runs
of consecutive hours on consecutive rows (a time-ordered file is one run per station), so that a
row repeating a station-hour of an earlier chunk is reported as ``duplicate of row N`` exactly as
if the file had been validated whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import polars as pl

from jingjinji.air.ingest.parsing import issue
from jingjinji.i18n import msg

#: The header's line: rows are numbered as the file's lines (data from line 2).
HEADER_LINE = 1

#: Bytes parsed at a time (about 110,000 rows of the Beijing multi-site layout).
CHUNK_BYTES = 8 * 1024 * 1024
_HOUR_US = 3_600_000_000
T = TypeVar("T")


def _cut(data: bytes) -> int:
    """Length of the complete lines of ``data``: after its last line break outside quotes."""
    cut = data.rfind(b"\n") + 1
    if b'"' not in data:
        return cut
    while cut > 0 and data.count(b'"', 0, cut) % 2:
        cut = data.rfind(b"\n", 0, cut - 1) + 1
    return cut


def read_csv_chunks(
    path: Path,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    null_values: list[str] | None = None,
    schema_overrides: Mapping[str, pl.DataType | type[pl.DataType]] | None = None,
) -> Iterator[tuple[int, pl.DataFrame]]:
    """``(first_row, frame)`` for each chunk of complete lines of a CSV file with a header;
    ``first_row`` is the file's line of the chunk's first row (the header is line 1, as in
    every upload report; a cell with a line break in quotes counts as one line)."""
    first_row = HEADER_LINE + 1
    with path.open("rb") as fh:
        header = fh.readline()
        for data in line_blocks(fh, chunk_bytes=chunk_bytes):
            if data.strip():
                frame = pl.read_csv(
                    header + data, null_values=null_values, schema_overrides=schema_overrides
                )
                yield first_row, frame
                first_row += frame.height


def line_blocks(fh: BinaryIO, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Blocks of complete lines (about ``chunk_bytes`` each) of an open binary file, read from
    its current position: a line break inside a quoted cell never cuts a block."""
    pending = b""
    while True:
        block = fh.read(chunk_bytes)
        data = pending + block
        cut = _cut(data) if block else len(data)
        if cut == 0 and block:  # a line longer than the block: read on
            pending = data
            continue
        data, pending = data[:cut], data[cut:]
        if data:
            yield data
        if not block:
            return


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of an iterator, each next one produced in a worker thread while the caller
    works on the current one (parsing the next chunk while the database stores this one: polars
    and the database driver release the GIL). At most two items exist at a time."""
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(next, items, done)
        while (item := pending.result()) is not done:
            pending = pool.submit(next, items, done)
            yield item  # type: ignore[misc]


def count_rows(path: Path) -> int:
    """Data lines of a CSV file with a header (line breaks counted a block at a time)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def _hours(keys: pl.DataFrame) -> pl.DataFrame:
    """Keys (``station_code, ts, row``) with ``ts`` as an hour number and an offset within it."""
    us = pl.col("ts").dt.epoch("us")
    return keys.with_columns((us % _HOUR_US).alias("phase"), (us // _HOUR_US).alias("hour"))


class SeenKeys:
    """The station-hours of the chunks of one file read so far, as runs ``station, phase,
    first hour, last hour, first row`` (hour ``first + k`` is on row ``first_row + k``). The keys
    of the latest chunk are compressed only when another chunk comes: a file read in one chunk
    costs nothing."""

    def __init__(self) -> None:
        self.runs = pl.DataFrame(
            schema={
                "station_code": pl.Utf8,
                "phase": pl.Int64,
                "lo": pl.Int64,
                "hi": pl.Int64,
                "row_lo": pl.Int64,
            }
        )
        self._pending: pl.DataFrame | None = None

    def apply(
        self, frame: pl.DataFrame, accepted: pl.DataFrame, issues: list[dict[str, Any]]
    ) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
        """Rows of ``frame`` (a chunk) repeating a station-hour of an earlier chunk become
        ``duplicate of row N`` (replacing a duplicate issue within the chunk) and leave
        ``accepted``; the chunk's own first rows of each station-hour are remembered."""
        if self._pending is not None:
            self._remember(self._pending)
            self._pending = None
        keys = frame.filter(pl.col("station_code").is_not_null() & pl.col("ts").is_not_null())
        keys = keys.select("station_code", "ts", "row")
        if self.runs.height:
            found = (
                _hours(keys)
                .sort("hour")
                .join_asof(
                    self.runs.sort("lo"),
                    left_on="hour",
                    right_on="lo",
                    by=["station_code", "phase"],
                    check_sortedness=False,  # both sides are sorted on the join key just above
                )
                .filter(pl.col("hi").is_not_null() & (pl.col("hour") <= pl.col("hi")))
                .select(
                    "row",
                    pl.col("ts").cast(pl.Utf8).alias("value"),  # as the validation shows it
                    (pl.col("row_lo") + pl.col("hour") - pl.col("lo")).alias("of"),
                )
            )
            if found.height:
                again = found["row"].to_list()
                accepted, issues = _as_duplicates(found, again, accepted, issues)
                keys = keys.filter(~pl.col("row").is_in(again))
        self._pending = keys
        return accepted, issues

    def _remember(self, keys: pl.DataFrame) -> None:
        first = (
            _hours(keys)
            .unique(["station_code", "phase", "hour"], keep="first", maintain_order=True)
            .sort("station_code", "phase", "row")
        )
        same = (pl.col("station_code") == pl.col("station_code").shift()) & (
            pl.col("phase") == pl.col("phase").shift()
        )
        step = (pl.col("hour").diff() == 1) & (pl.col("row").diff() == 1)
        runs = (
            first.with_columns((~(same & step)).fill_null(True).cum_sum().alias("run"))
            .group_by("run")
            .agg(
                pl.col("station_code").first(),
                pl.col("phase").first(),
                pl.col("hour").first().alias("lo"),
                pl.col("hour").last().alias("hi"),
                pl.col("row").first().alias("row_lo"),
            )
            .drop("run")
        )
        self.runs = pl.concat([self.runs, runs.select(self.runs.columns)])


def _as_duplicates(
    found: pl.DataFrame, rows: list[int], accepted: pl.DataFrame, issues: list[dict[str, Any]]
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    again = set(rows)
    issues = [
        i
        for i in issues
        if not (i["row"] in again and str(i["reason"]).startswith("duplicate of row"))
    ]
    issues.extend(
        issue(r["row"], "ts", msg("duplicate of row {row}", row=r["of"]), r["value"])
        for r in found.iter_rows(named=True)
    )
    issues.sort(key=lambda i: (i["row"], str(i["column"] or "")))
    return accepted.filter(~pl.col("row").is_in(rows)), issues
