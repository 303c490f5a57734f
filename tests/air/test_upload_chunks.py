"""A CSV upload normalised a block at a time gives what the whole file gives (rows numbered
across blocks, issues included), and stops at the first block past the row limit."""

from __future__ import annotations

import io

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jingjinji.air import ingest
from jingjinji.errors import InvalidInput

HEADER = b"station_code,ts,pm2_5,wd\n"


def _file(rows: int) -> bytes:
    lines = []
    for n in range(rows):
        value = "x" if n % 97 == 5 else str(n % 500)  # a bad number now and then
        wd = '"N\nE"' if n % 89 == 7 else "NE"  # a quoted line break now and then
        lines.append(f"1001A,2016-12-{1 + n // 24 % 28:02d}T{n % 24:02d}:00:00Z,{value},{wd}\n")
    return HEADER + "".join(lines).encode()


def test_blocks_give_what_the_whole_file_gives() -> None:
    content = _file(3000)
    whole = ingest.normalise_csv(content)
    chunked, header = ingest.normalise_csv_file(
        io.BytesIO(content), max_rows=10_000, chunk_bytes=4096
    )
    assert header == HEADER
    # an upload's rows are the file's lines (header = line 1): the whole file's data rows + 1
    assert_frame_equal(chunked.frame, whole.frame.with_columns(pl.col("row") + 1))
    assert chunked.issues == [{**i, "row": i["row"] + 1} for i in whole.issues]
    assert len(whole.issues) > 20 and max(i["row"] for i in whole.issues) > 2900
    assert chunked.columns == whole.columns


def test_reading_stops_at_the_first_block_past_the_row_limit() -> None:
    fh = io.BytesIO(_file(3000))
    with pytest.raises(InvalidInput, match="at most 1000 rows"):
        ingest.normalise_csv_file(fh, max_rows=1000, chunk_bytes=4096)
    assert fh.tell() < 1500 * 40  # the rest of the file was never read


def test_a_nul_byte_names_its_row_and_column() -> None:
    content = _file(300).replace(
        b"\n1001A,2016-12-09T15:00:00Z,", b"\n1001A,2016-12-09T15:00:00Z,\x00", 1
    )
    with pytest.raises(InvalidInput) as raised:
        ingest.normalise_csv_file(io.BytesIO(content), max_rows=10_000, chunk_bytes=1024)
    assert [(e["row"], e["column"]) for e in raised.value.errors] == [(209, "pm2_5")]


def test_a_nul_byte_in_a_quoted_cell_with_a_line_break_names_the_cell() -> None:
    content = _file(300).replace(b'"N\nE"', b'"N\nE\x00"', 1)  # data row 8: row 9
    with pytest.raises(InvalidInput) as raised:
        ingest.normalise_csv_file(io.BytesIO(content), max_rows=10_000)
    assert [(e["row"], e["column"]) for e in raised.value.errors] == [(9, "wd")]
