"""Weather forecasts from a CSV file (API upload and ``jjj air forecast weather-load``).

The header names the columns: ``city_code, target_date, issued_at, source`` are required,
``target_hour`` and the quantities of :data:`~jingjinji.warnings.weather.VALUE_FIELDS` are
optional (an empty cell is "not given"). Every problem is reported with its file line (the
header is line 1), its column and the reason, and the file is refused whole: nothing of it is
stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, require_actor
from jingjinji.warnings.weather import (
    MAX_BATCH_ROWS,
    VALUE_FIELDS,
    StoreResult,
    WeatherRow,
    check_key,
    check_values,
    row_from_mapping,
    store_weather_forecasts,
)

REQUIRED = ("city_code", "target_date", "issued_at", "source")
COLUMNS = (*REQUIRED, "target_hour", *VALUE_FIELDS)
MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 200


def _issue(line: int, column: str, reason: str) -> dict[str, Any]:
    return field_error(["file", line, column], reason, row=line, column=column, reason=reason)


def _refuse(message: str, issues: list[dict[str, Any]]) -> InvalidInput:
    return InvalidInput(message, errors=issues[:MAX_ERRORS])


def _parse_cell(column: str, text: str) -> Any:
    """The value of one non-empty cell; ValueError with the reason."""
    if column == "target_date":
        return dt.date.fromisoformat(text)
    if column == "issued_at":
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("give a time zone offset (e.g. +08:00 or Z)")
        return moment
    if column == "target_hour":
        if not text.isdigit():
            raise ValueError(f"an hour 0-23, not {text!r}")
        return int(text)
    if column in VALUE_FIELDS:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    return text


def _parse_row(line: int, record: dict[str, str]) -> tuple[WeatherRow | None, list[dict[str, Any]]]:
    issues: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for column, raw in record.items():
        text = (raw or "").strip()
        if not text:
            if column in REQUIRED:
                issues.append(_issue(line, column, "required"))
            values[column] = None
            continue
        try:
            values[column] = _parse_cell(column, text)
        except ValueError as exc:
            reason = str(exc)
            if reason.startswith(("could not convert", "Invalid isoformat")):
                reason = f"not a valid {column.replace('_', ' ')}: {text!r}"
            issues.append(_issue(line, column, reason))
    if issues:
        return None, issues
    problems = check_key(
        target_hour=values.get("target_hour"),
        issued_at=values["issued_at"],
        source=values["source"],
    )
    problems += check_values({f: values.get(f) for f in VALUE_FIELDS})
    if problems:
        return None, [_issue(line, column, reason) for column, reason in problems]
    return row_from_mapping(values), []


def parse_weather_csv(content: bytes) -> tuple[list[WeatherRow], list[int]]:
    """The rows of a CSV file and their file lines; InvalidInput listing every problem."""
    if len(content) > MAX_BYTES:
        raise _refuse(
            msg("the file is too large"),
            [
                field_error(
                    ["file"], msg("at most {max_bytes} MiB", max_bytes=MAX_BYTES // (1024 * 1024))
                )
            ],
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(
            msg("the file is not UTF-8 text"), [field_error(["file"], msg("not UTF-8 text"))]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    issues = [_issue(1, c, "unknown column") for c in header if c not in COLUMNS]
    issues += [_issue(1, c, "required column missing") for c in REQUIRED if c not in header]
    if len(set(header)) != len(header):
        issues.append(_issue(1, "header", "a column is named twice"))
    if issues:
        raise _refuse(msg("the header is not a weather forecast header"), issues)
    rows: list[WeatherRow] = []
    lines: list[int] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            issues.append(_issue(line, "row", "more cells than columns"))
            continue
        if not any((v or "").strip() for v in record.values()):
            continue
        row, problems = _parse_row(line, record)
        issues += problems
        if row is not None:
            rows.append(row)
            lines.append(line)
        if len(rows) + len(issues) > MAX_BATCH_ROWS:
            issues.append(_issue(line, "row", f"at most {MAX_BATCH_ROWS} rows per file"))
            break
    if issues:
        raise _refuse(
            msg("{count} problems in the file; nothing was stored", count=len(issues)), issues
        )
    if not rows:
        raise _refuse(msg("the file has no data rows"), [field_error(["file"], msg("header only"))])
    return rows, lines


def load_weather_csv(
    session: Session, *, actor: Actor | None, content: bytes, channel: str = "csv"
) -> StoreResult:
    """Check a whole CSV file, then store it (all or nothing)."""
    actor = require_actor(actor)
    try:
        rows, lines = parse_weather_csv(content)
    except InvalidInput as error:
        raise audit.audited_refusal(
            session,
            error,
            actor=actor,
            action="weather_forecast.store",
            object_type="weather_forecast",
            detail={"channel": channel, "problems": len(error.errors or [])},
        ) from None
    return store_weather_forecasts(
        session,
        actor=actor,
        rows=rows,
        locs=[["file", line] for line in lines],
        channel=channel,
    )
