"""The importer reads files chunk by chunk (memory bounded by the chunk, not the file) and
stores exactly what a whole-file import stores (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import importer, ingest
from jingjinji.air.models import Observation, StationDaily
from jingjinji.errors import InvalidInput
from jingjinji.security import SYSTEM_ACTOR
from tests.air.support import SLICE_FILES, SLICE_HOURS
from tests.conftest import People

SMALL = 4096  # bytes: about 50 rows of the PRSA layout, five chunks per ten-day file
WHOLE = 1 << 30


def _state(session: Session, summary: importer.ImportSummary) -> dict[str, Any]:
    """What an import leaves: every stored value, the daily cache, the counts and issues."""
    value_columns = [
        c for c in Observation.__table__.columns if c.name not in {"recorded_at", "ingestion_id"}
    ]
    return {
        "observations": [
            tuple(r)
            for r in session.execute(
                select(*value_columns).order_by(Observation.station_code, Observation.ts)
            )
        ],
        "daily": [
            tuple(r)
            for r in session.execute(
                select(*StationDaily.__table__.columns).order_by(
                    StationDaily.station_code, StationDaily.date
                )
            )
        ],
        "counts": (
            summary.rows,
            summary.rejected,
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.daily_rows,
            summary.stations,
        ),
        "issues": summary.issues,
    }


def _import_and_roll_back(
    session_factory: sessionmaker[Session], directory: Path, chunk_bytes: int
) -> dict[str, Any]:
    """Import, read back what the import stored, then roll it back (the next import starts
    from the same empty tables)."""
    with session_factory() as session:
        summary = importer.import_beijing_multisite(
            session, directory, actor=SYSTEM_ACTOR, chunk_bytes=chunk_bytes, verify=False
        )
        state = _state(session, summary)
        session.rollback()
    return state


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """("read", rows) for every chunk the importer reads, ("merge", rows) for every merge
    (appends from the read-ahead thread and the importer's own are atomic)."""
    seen: list[tuple[str, int]] = []
    read_chunks, merge = importer.read_chunks, ingest.merge

    def spy_read(path: Path, *, chunk_bytes: int) -> Iterator[tuple[int, pl.DataFrame]]:
        for first_row, frame in read_chunks(path, chunk_bytes=chunk_bytes):
            seen.append(("read", frame.height))
            yield first_row, frame

    def spy_merge(session: Session, frame: pl.DataFrame, **kwargs: Any) -> ingest.MergeCounts:
        seen.append(("merge", frame.height))
        return merge(session, frame, **kwargs)

    monkeypatch.setattr(importer, "read_chunks", spy_read)
    monkeypatch.setattr(ingest, "merge", spy_merge)
    return seen


def test_files_are_read_and_merged_chunk_by_chunk_with_the_whole_file_result(
    session_factory: sessionmaker[Session],
    air: People,
    slice_dir: Path,
    events: list[tuple[str, int]],
) -> None:
    whole = _import_and_roll_back(session_factory, slice_dir, WHOLE)
    assert sorted(events) == [("merge", SLICE_HOURS)] * 2 + [("read", SLICE_HOURS)] * 2
    events.clear()
    chunked = _import_and_roll_back(session_factory, slice_dir, SMALL)
    # At most two chunks are in memory at a time (the one being merged and the next one, read
    # ahead), and none holds a whole file.
    in_flight = 0
    for kind, _ in events:
        in_flight += 1 if kind == "read" else -1
        assert 0 <= in_flight <= 2
    reads = [rows for kind, rows in events if kind == "read"]
    assert len(reads) == len([kind for kind, _ in events if kind == "merge"])
    assert len(reads) >= 4 * len(SLICE_FILES)
    assert max(reads) <= SMALL // 60 < SLICE_HOURS  # a PRSA line is over 60 bytes
    assert sum(reads) == len(SLICE_FILES) * SLICE_HOURS
    assert chunked == whole
    assert len(whole["observations"]) == len(SLICE_FILES) * SLICE_HOURS
    assert len(whole["daily"]) == len(SLICE_FILES) * 10


def _edit_rows(path: Path, edits: dict[int, dict[int, bytes]]) -> None:
    """Replace fields of data lines (1-based) of a PRSA file."""
    lines = path.read_bytes().split(b"\r\n")
    for line, fields in edits.items():
        parts = lines[line].split(b",")
        for index, value in fields.items():
            parts[index] = value
        lines[line] = b",".join(parts)
    path.write_bytes(b"\r\n".join(lines))


def test_bad_rows_and_duplicates_across_chunks_are_reported_as_for_the_whole_file(
    session_factory: sessionmaker[Session], air: People, slice_dir: Path
) -> None:
    path = slice_dir / SLICE_FILES[0]
    first = path.read_bytes().split(b"\r\n")[3].split(b",")  # data line 3: 2013-03-01 02:00
    _edit_rows(
        path,
        {
            150: {5: b"-7"},  # negative PM2.5
            # hour of line 3 again, far later (another chunk), with other values
            200: {1: first[1], 2: first[2], 3: first[3], 4: first[4], 5: b"55"},
            # the same hour a third time, with a negative value too
            230: {1: first[1], 2: first[2], 3: first[3], 4: first[4], 6: b"-1"},
            236: {4: b"25"},  # no such hour
        },
    )
    whole = _import_and_roll_back(session_factory, slice_dir, WHOLE)
    chunked = _import_and_roll_back(session_factory, slice_dir, SMALL)
    assert chunked == whole
    reported = {(i["row"], i["column"], i["reason"]) for i in whole["issues"]}
    # Rows are the file's lines (header = line 1): data line n is row n + 1.
    assert {
        (151, "pm2_5", "negative value"),
        (201, "ts", "duplicate of row 4"),
        (231, "ts", "duplicate of row 4"),
        (231, "pm10", "negative value"),
    } <= reported
    assert any(r == 237 for r, _, _ in reported)
    assert whole["counts"][1] == 4  # rejected rows


def test_chunks_cut_at_line_ends_outside_quotes(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    rows = [f'{i},"a note\non two lines {i}",{i * 0.5}' for i in range(1, 301)]
    path.write_text("n,note,x\n" + "\n".join(rows) + "\n")
    chunks = list(ingest.read_csv_chunks(path, chunk_bytes=256))
    assert len(chunks) > 10
    # the first row of each chunk as the file's record (header = 1, the first data row 2)
    assert [first for first, _ in chunks] == list(
        pl.Series([frame.height for _, frame in chunks]).cum_sum().shift(1, fill_value=0) + 2
    )
    together = pl.concat([frame for _, frame in chunks])
    assert together.equals(pl.read_csv(path))
    assert ingest.count_rows(path) == 600  # line breaks: quoted ones count too


def test_count_rows_without_a_final_line_break(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n3,4")
    assert ingest.count_rows(path) == 2
    assert [f.height for _, f in ingest.read_csv_chunks(path, chunk_bytes=3)] == [1, 1]


def _ts_index(session: Session) -> list[str]:
    return [
        i["name"] or ""
        for i in inspect(session.connection()).get_indexes("air_observations")
        if i["column_names"] == ["ts"]
    ]


def test_a_bulk_load_leaves_the_schema_and_the_connection_as_they_were(
    session_factory: sessionmaker[Session], air: People, slice_dir: Path
) -> None:
    """On SQLite a first load drops the ts index and builds it again at the end, with a larger
    page cache for the import only; on PostgreSQL nothing changes. Either way the index is
    there afterwards, also when the import fails and is rolled back."""
    with session_factory() as session:
        cache = session.execute(text("PRAGMA cache_size")).scalar() if _sqlite(session) else 0
        summary = importer.import_beijing_multisite(session, slice_dir, actor=SYSTEM_ACTOR)
        assert summary.inserted == len(SLICE_FILES) * SLICE_HOURS
        assert _ts_index(session) == ["ix_air_observations_ts"]
        if _sqlite(session):
            assert session.execute(text("PRAGMA cache_size")).scalar() == cache
        session.rollback()
    _edit_rows(slice_dir / SLICE_FILES[1], {100: {5: b"-1"}})
    with session_factory() as session, pytest.raises(InvalidInput):
        importer.import_beijing_multisite(
            session, slice_dir, actor=SYSTEM_ACTOR, strict=True, verify=False
        )
    with session_factory() as session:
        assert _ts_index(session) == ["ix_air_observations_ts"]
        if _sqlite(session):  # the rebuilt index is the one the planner uses
            plan = session.execute(
                text("EXPLAIN QUERY PLAN SELECT count(*) FROM air_observations WHERE ts = '1'")
            ).all()
            assert "ix_air_observations_ts" in str(plan)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"
