"""`jjj air import-beijing-multisite DIR`: the Beijing Multi-Site Air-Quality Data (UCI).

Song Chen (2017), Beijing Multi-Site Air-Quality Data, UCI Machine Learning Repository,
doi:10.24432/C5RK5G, CC BY 4.0: 12 stations (1001A-1012A), hourly, 2013-03-01 .. 2017-02-28,
35,064 rows per file. Hours are China Standard Time (UTC+8), hour-beginning, and stored as UTC;
CO arrives in ug/m3 and is stored in mg/m3 (/1000).

Each file is parsed by polars (typed, vectorised) a chunk of about 8 MB at a time
(:func:`jingjinji.air.ingest.read_csv_chunks`), each chunk validated by the same rules as every
other ingestion path and merged set-based (:func:`jingjinji.air.ingest.merge`) before the next
is read, so memory does not grow with the files (a station-hour repeated in a later chunk of a
file is still a ``duplicate of row N``, :class:`jingjinji.air.ingest.SeenKeys`). A re-run
inserts nothing and revises only values that changed. Rows that fail validation are skipped
and reported (a historical bulk load is partially accepted; ``strict=True`` aborts instead).
The daily statistics of the touched station-days are recomputed at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from jingjinji.air import ingest, service
from jingjinji.air.models import Ingestion
from jingjinji.air.service import daily_cache
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor

FILE_GLOB = "PRSA_Data_*.csv"
NUMERIC_SOURCE = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP", "PRES", "DEWP", "RAIN", "WSPM")
Progress = Callable[[str, int, int], None]  # phase/file, done, total


@dataclass
class ImportSummary:
    files: int = 0
    rows: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    daily_rows: int = 0
    stations: list[str] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    checksums_verified: int = 0
    ingestion_id: int | None = None


def data_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob(FILE_GLOB))
    if not files:
        raise InvalidInput(
            msg("no {file_glob} files in {directory}", file_glob=FILE_GLOB, directory=directory),
            errors=[field_error(["directory"], msg("no {file_glob} files", file_glob=FILE_GLOB))],
        )
    return files


def verify_checksums(directory: Path, files: list[Path]) -> int:
    """Check SHA256SUMS (if present) for every listed file; returns how many were verified."""
    sums = directory / "SHA256SUMS"
    if not sums.is_file():
        return 0
    expected: dict[str, str] = {}
    for line in sums.read_text("utf-8").splitlines():
        parts = line.strip().split()
        if len(parts) == 2:
            expected[parts[1].lstrip("*")] = parts[0].lower()
    verified = 0
    for path in files:
        want = expected.get(path.name)
        if want is None:
            continue
        with path.open("rb") as fh:  # streamed: a file is never read whole
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != want:
            raise InvalidInput(
                msg(
                    "{path_name}: SHA-256 {digest} does not match SHA256SUMS ({want})",
                    path_name=path.name,
                    digest=digest,
                    want=want,
                ),
                errors=[field_error(["directory", path.name], msg("checksum mismatch"))],
            )
        verified += 1
    return verified


SCHEMA_OVERRIDES: dict[str, type[pl.DataType]] = {
    **{c: pl.Float64 for c in NUMERIC_SOURCE},
    "year": pl.Int64,
    "month": pl.Int64,
    "day": pl.Int64,
    "hour": pl.Int64,
    "wd": pl.Utf8,
    "station": pl.Utf8,
}


def read_file(path: Path) -> pl.DataFrame:
    """One PRSA file, whole, typed (numbers as Float64, NA = null); the importer itself reads
    :func:`read_chunks`."""
    return pl.read_csv(path, null_values=["NA"], schema_overrides=SCHEMA_OVERRIDES)


def read_chunks(
    path: Path, *, chunk_bytes: int = ingest.CHUNK_BYTES
) -> Iterator[tuple[int, pl.DataFrame]]:
    """One PRSA file, typed (numbers as Float64, NA = null), in chunks of complete lines of
    about ``chunk_bytes``: ``(first_row, frame)``, rows numbered as the file's lines (the
    header is line 1)."""
    return ingest.read_csv_chunks(
        path, chunk_bytes=chunk_bytes, null_values=["NA"], schema_overrides=SCHEMA_OVERRIDES
    )


def import_beijing_multisite(
    session: Session,
    directory: Path,
    *,
    actor: Actor,
    progress: Progress | None = None,
    strict: bool = False,
    recompute: bool = True,
    verify: bool = True,
    chunk_bytes: int = ingest.CHUNK_BYTES,
) -> ImportSummary:
    """Import every PRSA file of ``directory``; see the module docstring.

    Files are read a chunk at a time (``chunk_bytes``), each chunk validated and merged before
    the next is read: memory does not grow with the size of the files.
    """
    directory = Path(directory)
    files = data_files(directory)
    summary = ImportSummary(files=len(files))
    if verify:
        summary.checksums_verified = verify_checksums(directory, files)
    total = sum(ingest.count_rows(path) for path in files)
    ingestion = Ingestion(
        channel=actor.channel,
        source=str(directory)[:200],
        actor_username=actor.username,
        started_at=utcnow(),
        rows_received=total,
    )
    session.add(ingestion)
    session.flush()
    summary.ingestion_id = ingestion.id
    # Every station of the dataset, locked at once in the global order (see daily_cache): a
    # concurrent writer of these stations waits until the import commits.
    daily_cache.lock_stations(session, service.uci_station_codes().values())
    touched: list[pl.DataFrame] = []
    seen = (files[0], ingest.SeenKeys())  # the station-hours of the current file
    with ingest.bulk_load_mode(session, incoming_rows=total):
        for path, frame, parse_issues in ingest.read_ahead(_parsed(files, chunk_bytes)):
            if path != seen[0]:
                seen = (path, ingest.SeenKeys())
            accepted = _import_chunk(
                session,
                frame,
                parse_issues,
                path=path,
                seen=seen[1],
                actor=actor,
                strict=strict,
                ingestion_id=ingestion.id,
                summary=summary,
            )
            touched.append(daily_cache.station_days(accepted))
            if progress is not None:
                progress(path.name, summary.rows, total)
    days = pl.concat(touched).unique() if touched else pl.DataFrame()
    summary.stations = sorted(days["station_code"].unique().to_list()) if touched else []
    if recompute:
        for i, code in enumerate(summary.stations, start=1):
            summary.daily_rows += daily_cache.recompute_station_days(
                session, days.filter(pl.col("station_code") == code)
            )
            if progress is not None:
                progress(f"daily {code}", i, len(summary.stations))
    ingestion.status = "partial" if summary.rejected else "accepted"
    ingestion.finished_at = utcnow()
    ingestion.rows_received = summary.rows
    ingestion.rows_rejected = summary.rejected
    ingestion.inserted, ingestion.updated, ingestion.unchanged = (
        summary.inserted,
        summary.updated,
        summary.unchanged,
    )
    ingestion.report = summary.issues[: ingest.MAX_ISSUES_STORED]
    audit.record(
        session,
        actor=actor,
        action="air.observations.import",
        object_type="air_ingestion",
        object_id=ingestion.id,
        jurisdiction_code="110000",
        detail={
            "source": "beijing-multisite",
            "files": summary.files,
            "rows": summary.rows,
            "rejected": summary.rejected,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "checksums_verified": summary.checksums_verified,
        },
    )
    return summary


ParsedChunk = tuple[Path, pl.DataFrame, list[dict[str, Any]]]


def _parsed(files: list[Path], chunk_bytes: int) -> Iterator[ParsedChunk]:
    """Every chunk of every file, normalised (no database work: it runs ahead in a thread)."""
    for path in files:
        for first_row, raw in read_chunks(path, chunk_bytes=chunk_bytes):
            frame, issues = ingest.uci_frame(raw, co_factor=0.001, first_row=first_row)
            yield path, frame, issues


def _import_chunk(
    session: Session,
    frame: pl.DataFrame,
    parse_issues: list[dict[str, Any]],
    *,
    path: Path,
    seen: ingest.SeenKeys,
    actor: Actor,
    strict: bool,
    ingestion_id: int,
    summary: ImportSummary,
) -> pl.DataFrame:
    """Validate and merge one normalised chunk of a file; returns its accepted rows."""
    ingest.authorise(session, actor, frame["station_code"].drop_nulls().unique().to_list())
    normalised = ingest.Normalised(frame, parse_issues, tuple(ingest.UCI_COLUMNS.values()))
    accepted, issues = ingest.validate(session, normalised)
    accepted, issues = seen.apply(frame, accepted, issues)
    for item in issues:
        item["file"] = path.name
    if issues and strict:
        raise InvalidInput(
            msg(
                "{path_name}: {count} invalid rows (strict import)",
                path_name=path.name,
                count=len({i["row"] for i in issues}),
            ),
            errors=[
                field_error([path.name, i["row"], i["column"] or "row"], i["reason"])
                for i in issues[: ingest.MAX_ISSUES_RETURNED]
            ],
        )
    daily_cache.lock_station_days(session, daily_cache.station_days(accepted))
    counts = ingest.merge(
        session,
        accepted,
        actor_name=actor.username,
        ingestion_id=ingestion_id,
        columns=normalised.columns,
    )
    summary.rows += frame.height
    summary.rejected += len({i["row"] for i in issues})
    summary.issues.extend(issues)
    summary.inserted += counts.inserted
    summary.updated += counts.updated
    summary.unchanged += counts.unchanged
    return accepted
