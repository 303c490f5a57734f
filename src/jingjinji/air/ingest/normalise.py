"""Input -> one normalised frame: JSON batch rows and CSV uploads (platform or UCI layout)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import polars as pl

from jingjinji.air.ingest.chunks import HEADER_LINE, line_blocks
from jingjinji.air.ingest.parsing import (
    Normalised,
    apply_factors,
    canonical,
    declared_units,
    issue,
    numeric_column,
    parse_timezone,
    parse_ts,
    utc_series,
)
from jingjinji.air.ingest.uci import normalise_uci
from jingjinji.air.models import NUMERIC, VALUE_COLUMNS
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg


def normalise_records(
    records: Sequence[Mapping[str, Any]],
    *,
    units: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> Normalised:
    """JSON batch rows (dicts) -> a normalised frame plus parsing issues."""
    factors = declared_units(units, ["body", "units"])
    tz = parse_timezone(timezone)
    issues: list[dict[str, Any]] = []
    columns: dict[str, list[Any]] = {c: [] for c in ("station_code", "ts", *VALUE_COLUMNS)}
    provided: set[str] = set()
    allowed = {"station_code", "ts", *VALUE_COLUMNS}
    for index, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            issues.append(issue(index, None, msg("observation must be a JSON object")))
            for values in columns.values():
                values.append(None)
            continue
        fields: dict[str, Any] = {}
        for key, value in record.items():
            name = canonical(str(key))
            if name not in allowed:
                issues.append(issue(index, str(key), msg("unknown column")))
                continue
            fields[name] = value
            if name in VALUE_COLUMNS:
                provided.add(name)
        for name, values in columns.items():
            values.append(fields.get(name))
    rows = pl.Series("row", range(1, len(records) + 1), dtype=pl.Int64)
    raw = {
        name: pl.Series(
            name,
            values,
            dtype=pl.Utf8 if name in {"station_code", "ts", "wd"} else None,
            strict=False,
        )
        for name, values in columns.items()
        if name in {"station_code", "ts", "wd"}
    }
    numeric = {}
    for name in NUMERIC:
        values = columns[name]
        # Keep JSON numbers numeric and everything else textual for the "not a number" report.
        if all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        ):
            series = pl.Series(
                name, [None if v is None else float(v) for v in values], dtype=pl.Float64
            )
        else:
            series = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.Utf8)
        numeric[name] = numeric_column(series, name, rows, issues)
    ts_values: list[dt.datetime | None] = []
    for index, value in enumerate(columns["ts"], start=1):
        parsed, problem = parse_ts(value, tz)
        if problem is not None:
            issues.append(issue(index, "ts", problem, value))
        ts_values.append(parsed)
    frame = pl.DataFrame(
        {
            "row": rows,
            "station_code": raw["station_code"],
            "ts": utc_series(ts_values),
            **numeric,
            "wd": raw["wd"],
        }
    )
    frame = apply_factors(frame, factors)
    return Normalised(frame, issues, tuple(c for c in VALUE_COLUMNS if c in provided))


_HEADER_UNIT = re.compile(r"^(?P<name>[^\[\(]+?)\s*[\[\(](?P<unit>[^\]\)]+)[\]\)]\s*$")


def normalise_csv(
    content: bytes,
    *,
    units: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> Normalised:
    """A CSV upload -> normalised frame. Two layouts are understood:

    - the platform layout: ``station_code, ts, pm2_5, pm10, so2, no2, co, o3, temp, pres,
      dewp, rain, wspm, wd`` (any subset of value columns), ``ts`` ISO 8601; a unit may be
      declared in a header (``co [ug/m3]``) or through ``units``;
    - the Beijing multi-site (UCI) layout: ``year, month, day, hour, ..., station`` with
      UCI station names, local time (CST, hour-beginning) and CO in ug/m3.
    """
    try:
        text_content = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            msg("the file is not UTF-8 text"),
            errors=[field_error(["body", "file"], msg("not UTF-8 text"))],
        ) from exc
    if not text_content.strip():
        raise InvalidInput(
            msg("the file is empty"), errors=[field_error(["body", "file"], msg("empty"))]
        )
    try:
        raw = pl.read_csv(
            io.StringIO(text_content),
            infer_schema=False,
            null_values=["NA", ""],
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InvalidInput(
            msg("the file is not readable CSV: {problem}", problem=str(exc).splitlines()[0]),
            errors=[field_error(["body", "file"], msg("not readable CSV"))],
        ) from exc
    header = [h.strip() for h in raw.columns]
    lowered = {h.lower() for h in header}
    if raw.height == 0:
        raise InvalidInput(
            msg("the file has no data rows"),
            errors=[field_error(["body", "file"], msg("header only, no data rows"))],
        )
    if {"year", "month", "day", "hour", "station"} <= lowered:
        return normalise_uci(raw, units=units)
    header_units: dict[str, str] = {}
    renames: dict[str, str] = {}
    issues: list[dict[str, Any]] = []
    for original in raw.columns:
        name = original.strip()
        match = _HEADER_UNIT.match(name)
        if match:
            name = match.group("name")
            header_units[canonical(name)] = match.group("unit")
        renames[original] = canonical(name)
    if len(set(renames.values())) != len(renames):
        raise InvalidInput(
            msg("the CSV header names a column twice"),
            errors=[field_error(["body", "file"], msg("duplicate column"))],
        )
    raw = raw.rename(renames)
    missing = [c for c in ("station_code", "ts") if c not in raw.columns]
    if missing:
        raise InvalidInput(
            msg("the CSV header lacks {missing}", missing=", ".join(missing)),
            errors=[field_error(["body", "file"], msg("missing column {c}", c=c)) for c in missing],
        )
    unknown = [c for c in raw.columns if c not in {"station_code", "ts", *VALUE_COLUMNS}]
    if unknown:
        raise InvalidInput(
            msg("unknown CSV columns: {unknown}", unknown=", ".join(unknown)),
            errors=[field_error(["body", "file", c], msg("unknown column")) for c in unknown],
        )
    declared = dict(header_units)
    declared.update({canonical(k): v for k, v in (units or {}).items()})
    records_columns = [c for c in raw.columns if c in VALUE_COLUMNS]
    rows = pl.Series("row", range(1, raw.height + 1), dtype=pl.Int64)
    tz = parse_timezone(timezone)
    ts_values: list[dt.datetime | None] = []
    for index, value in enumerate(raw["ts"].to_list(), start=1):
        parsed, problem = parse_ts(value, tz)
        if problem is not None:
            issues.append(issue(index, "ts", problem, value))
        ts_values.append(parsed)
    data: dict[str, pl.Series] = {
        "row": rows,
        "station_code": raw["station_code"].str.strip_chars(),
        "ts": utc_series(ts_values),
    }
    for name in NUMERIC:
        if name in raw.columns:
            data[name] = numeric_column(raw[name], name, rows, issues)
        else:
            data[name] = pl.Series(name, [None] * raw.height, dtype=pl.Float64)
    data["wd"] = (
        raw["wd"].str.strip_chars().str.to_uppercase()
        if "wd" in raw.columns
        else pl.Series("wd", [None] * raw.height, dtype=pl.Utf8)
    )
    frame = pl.DataFrame(data)
    frame = apply_factors(frame, declared_units(declared, ["body", "units"]))
    return Normalised(frame, issues, tuple(records_columns))


#: Bytes of an uploaded CSV file normalised at a time (about 30,000 rows of the platform
#: layout): the memory of an upload depends on this and on the row limit, not on the file.
UPLOAD_CHUNK_BYTES = 2 * 1024 * 1024
#: The longest header line read.
MAX_HEADER_BYTES = 64 * 1024


def _nul_cell(header: bytes, data: bytes, first_row: int, at: int) -> InvalidInput:
    """The 422 for a NUL byte at offset ``at`` of a block of lines (row: the file's line,
    counted from the block's ``first_row``; the header is line 1)."""
    # line breaks and commas inside quoted cells do not count (every other piece between
    # quotes is outside them)
    line = index = 0
    for piece in data[:at].split(b'"')[::2]:
        breaks = piece.count(b"\n")
        if breaks:
            line += breaks
            index = piece.rsplit(b"\n", 1)[1].count(b",")
        else:
            index += piece.count(b",")
    row = first_row + line
    names = [h.strip().strip('"') for h in header.decode("utf-8-sig", "replace").split(",")]
    column = names[index].strip() if index < len(names) else f"column {index + 1}"
    where = "the header" if row == HEADER_LINE else f"row {row}, column {column}"
    return InvalidInput(
        msg(
            "a NUL character (U+0000) in {where}; text cannot hold it. Nothing was stored.",
            where=where,
        ),
        errors=[
            field_error(
                ["body", "file", row, column],
                msg("contains a NUL character (U+0000)"),
                row=row,
                column=column,
            )
        ],
    )


def normalise_csv_file(
    fh: BinaryIO,
    *,
    max_rows: int,
    units: Mapping[str, str] | None = None,
    timezone: str | None = None,
    chunk_bytes: int = UPLOAD_CHUNK_BYTES,
) -> tuple[Normalised, bytes]:
    """An uploaded CSV file, read and normalised a block of lines at a time (as
    :func:`normalise_csv` does a whole one), and its header line.

    The file is never held whole: each block is normalised and kept as its frame. Reading
    stops at the first block that takes the rows past ``max_rows`` (422 naming the limit), and
    at a NUL byte (422 naming its row and column).

    Rows are numbered as the file's lines, the header being line 1 (the convention of every
    upload report): the first data row is row 2."""
    header = fh.readline(MAX_HEADER_BYTES)
    if b"\x00" in header:
        raise _nul_cell(header, header, HEADER_LINE, header.index(b"\x00"))
    if not header.strip():
        raise InvalidInput(
            msg("the file is empty"), errors=[field_error(["body", "file"], msg("empty"))]
        )
    if not header.endswith(b"\n"):
        if len(header) >= MAX_HEADER_BYTES:
            raise InvalidInput(
                msg(
                    "the header line is longer than {max_header_bytes} bytes",
                    max_header_bytes=MAX_HEADER_BYTES,
                ),
                errors=[field_error(["body", "file"], msg("header line too long"))],
            )
        header += b"\n"
    parts: list[Normalised] = []
    rows = 0
    for data in line_blocks(fh, chunk_bytes=chunk_bytes):
        nul = data.find(b"\x00")
        if nul >= 0:
            raise _nul_cell(header, data, HEADER_LINE + rows + 1, nul)
        if not data.strip():
            continue
        part = normalise_csv(header + data, units=units, timezone=timezone)
        # normalise_csv counts the block's data rows from 1: shift them to the file's lines
        offset = HEADER_LINE + rows
        for found in part.issues:
            found["row"] += offset
        part.frame = part.frame.with_columns(pl.col("row") + offset)
        rows += part.frame.height
        if rows > max_rows:
            raise InvalidInput(
                msg(
                    "at most {max_rows} rows per upload; the file has more (reading stopped at row "
                    "{header_line}). Split it, or import it with `jjj air import`.",
                    max_rows=max_rows,
                    header_line=HEADER_LINE + rows,
                ),
                errors=[
                    field_error(
                        ["body", "file"], msg("more than {max_rows} rows", max_rows=max_rows)
                    )
                ],
            )
        parts.append(part)
    if not parts:
        # the header alone: normalise_csv says so as it does for a whole file
        return normalise_csv(header, units=units, timezone=timezone), header
    frame = pl.concat([p.frame for p in parts], how="vertical_relaxed")
    issues = [found for p in parts for found in p.issues]
    return Normalised(frame, issues, parts[0].columns), header
