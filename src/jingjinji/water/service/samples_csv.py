"""Samples from a CSV file (API upload, the upload page, ``jjj water import``).

The layout is wide: ``section_code, sampled_at, kind`` and then one column per item (the item
codes of GB 3838 plus ``temperature``, ``conductivity``, ``turbidity``), in any order, the
header case-insensitive; an optional ``origin`` column says ``measured`` (the default),
``published`` or ``synthetic``. An empty cell is "not measured"; ``<0.01`` is a value below
the detection limit 0.01. A time without an offset is China Standard Time (UTC+8).

A column the platform does not know is an error naming it (a misspelt item would otherwise be
dropped without a word). Every problem is reported with its row (the file's line, the header
being line 1; a line break inside a quoted cell does not start a row), its column and the
reason, and the file is refused whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from jingjinji import problems
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, require_actor
from jingjinji.water import policy
from jingjinji.water.models import Ingestion, SampleKind, SampleOrigin
from jingjinji.water.schemas.samples import (
    MAX_BATCH_ROWS,
    PH_RANGE,
    SAMPLE_ITEMS,
    SampleIn,
    as_utc,
)
from jingjinji.water.service.samples.ingest import (
    MAX_ISSUES,
    N_,
    Locator,
    ingest,
    problem,
    refuse,
)

KEY_COLUMNS = ("section_code", "sampled_at", "kind")
OPTIONAL_COLUMNS = ("origin",)
#: The largest file accepted (the server's body limit for the upload routes is a little more).
MAX_CSV_BYTES = 5 * 1024 * 1024
#: Data rows of one file (each holds up to 26 items); larger sets: split the file.
MAX_CSV_ROWS = MAX_BATCH_ROWS


def csv_locator(line: int, column: str) -> dict[str, Any]:
    return {"loc": ["body", "file", line, column], "row": line, "column": column}


@dataclass
class Parsed:
    """The samples of a file, the line and column of each, and the problems found."""

    rows: list[SampleIn] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    columns: dict[int, str] = field(default_factory=dict)  # index in rows -> item column
    issues: list[dict[str, Any]] = field(default_factory=list)
    data_rows: int = 0


def _file_problem(msgid: str, **params: Any) -> InvalidInput:
    found = problem({"loc": ["body", "file"], "row": None, "column": None}, msgid, **params)
    return InvalidInput(
        found["reason"],
        errors=[field_error(found["loc"], found["reason"], **_extras(found))],
    )


def _extras(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k not in ("loc", "reason")} | {
        "reason": found["reason"]
    }


def _text(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise _file_problem(N_("the file is larger than %(limit)s MiB"), limit=MAX_CSV_BYTES >> 20)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem(N_("the file is not UTF-8 text")) from None
    if "\x00" in text:  # PostgreSQL text cannot hold it; no CSV writer puts it there
        raise _file_problem(N_("the file contains a NUL character"))
    return text


def _header(cells: list[str], parsed: Parsed) -> dict[int, str]:
    """Column index -> canonical name; problems of the header are on line 1."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    known = {*KEY_COLUMNS, *OPTIONAL_COLUMNS, *SAMPLE_ITEMS}
    for index, raw in enumerate(cells):
        name = raw.strip().lower()
        if name in seen:
            parsed.issues.append(
                problem(
                    csv_locator(1, raw.strip()), N_("the column %(name)s is named twice"), name=raw
                )
            )
        elif name not in known:
            parsed.issues.append(
                problem(csv_locator(1, raw.strip() or f"#{index + 1}"), N_("unknown column"))
            )
        seen.add(name)
        names[index] = name
    for required in KEY_COLUMNS:
        if required not in seen:
            parsed.issues.append(problem(csv_locator(1, required), N_("required column missing")))
    if not seen & set(SAMPLE_ITEMS):
        parsed.issues.append(problem(csv_locator(1, "item"), N_("no item column")))
    return names


def _time(text: str) -> dt.datetime:
    try:
        return as_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(N_("not an ISO 8601 time")) from None


def _value(item: str, text: str) -> tuple[float, bool]:
    """(value, below detection) of a cell; ValueError with the message id."""
    below = text.startswith("<")
    number = text[1:].strip() if below else text
    try:
        value = float(number)
    except ValueError:
        raise ValueError(N_("not a number")) from None
    if not math.isfinite(value):
        raise ValueError(N_("not a finite number"))
    if value < 0:
        raise ValueError(N_("a value cannot be negative"))
    if item == "ph" and not PH_RANGE[0] <= value <= PH_RANGE[1]:
        raise ValueError(N_("a pH value lies between 0 and 14"))
    return value, below


def _keys(line: int, record: dict[str, str], parsed: Parsed) -> dict[str, Any] | None:
    keys: dict[str, Any] = {}
    bad = False
    for column in (*KEY_COLUMNS, *OPTIONAL_COLUMNS):
        text = record.get(column, "").strip()
        if not text:
            if column in KEY_COLUMNS:
                parsed.issues.append(problem(csv_locator(line, column), N_("required")))
                bad = True
            continue
        try:
            if column == "sampled_at":
                keys[column] = _time(text)
            elif column == "kind":
                keys[column] = SampleKind(text.lower())
            elif column == "origin":
                keys[column] = SampleOrigin(text.lower())
            else:
                keys[column] = text
        except ValueError as exc:
            msgid = str(exc) if column == "sampled_at" else N_("unknown %(column)s %(value)s")
            parsed.issues.append(
                problem(csv_locator(line, column), msgid, column=column, value=text[:40])
            )
            bad = True
    return None if bad else keys


def _row(line: int, record: dict[str, str], parsed: Parsed) -> None:
    keys = _keys(line, record, parsed)
    measured = 0
    for item in SAMPLE_ITEMS:
        text = record.get(item, "").strip()
        if not text:
            continue
        measured += 1
        try:
            value, below = _value(item, text)
        except ValueError as exc:
            parsed.issues.append(problem(csv_locator(line, item), str(exc), value=text[:40]))
            continue
        if keys is None:
            continue
        try:
            sample = SampleIn(item=item, value=value, below_detection=below, **keys)
        except ValidationError as exc:  # a section code longer than 20 characters
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else item
                # a message (its English is the reason): the upload page translates it
                parsed.issues.append(
                    problem(csv_locator(line, column), problems.error_message(error))
                )
            continue
        parsed.columns[len(parsed.rows)] = item
        parsed.rows.append(sample)
        parsed.lines.append(line)
    if measured == 0:
        parsed.issues.append(problem(csv_locator(line, "row"), N_("no value on this row")))


def parse_samples_csv(data: bytes) -> Parsed:
    """The samples of a file and every problem found (none raised but those of the file as a
    whole: too large, not UTF-8, empty)."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    parsed = Parsed()
    header = next(reader, None)
    if header is None:
        raise _file_problem(N_("the file is empty"))
    names = _header(header, parsed)
    if parsed.issues:
        return parsed
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        parsed.data_rows += 1
        if parsed.data_rows > MAX_CSV_ROWS:
            parsed.issues.append(
                problem(
                    csv_locator(line, "row"),
                    N_("at most %(limit)s rows per file"),
                    limit=MAX_CSV_ROWS,
                )
            )
            break
        if len(cells) > len(names):
            parsed.issues.append(problem(csv_locator(line, "row"), N_("more cells than columns")))
            continue
        _row(line, {names[i]: cell for i, cell in enumerate(cells)}, parsed)
        if len(parsed.issues) >= MAX_ISSUES:
            break
    if parsed.data_rows == 0 and not parsed.issues:
        parsed.issues.append(problem(csv_locator(2, "row"), N_("the file has no data rows")))
    return parsed


def _csv_locator_for(parsed: Parsed) -> Locator:
    """Problems found after parsing name the file line and the item's column (not the
    model's field)."""

    def locate(index: int, field_name: str) -> dict[str, Any]:
        column = parsed.columns[index] if field_name in ("item", "value") else field_name
        return csv_locator(parsed.lines[index], column)

    return locate


def load_samples_csv(
    session: Session, *, actor: Actor | None, data: bytes, channel: str, source: str = ""
) -> Ingestion:
    """Check a whole CSV file, then store it as one batch (all or nothing); see the module
    text for the layout. 403 when the actor may not write a section of the file; 422 listing
    every problem by row (file line) and column."""
    actor = require_actor(actor)
    if not policy.may_upload(actor):
        # Refused before the file is read: the same audited 403 as a JSON batch.
        return ingest(session, actor=actor, rows=[], channel=channel, source=source)
    try:
        parsed = parse_samples_csv(data)
    except InvalidInput as error:
        raise refuse(
            session,
            [
                {"loc": e["loc"], **{k: v for k, v in e.items() if k not in ("loc", "msg")}}
                for e in error.errors
            ],
            actor=actor,
            received=0,
            channel=channel,
            source=source,
            detail=msg("{detail}; nothing was stored", detail=error.detail),
            rejected=0,
        ) from None
    if parsed.issues and not parsed.rows:
        parsed.issues.sort(key=lambda i: (i["row"], str(i["column"])))
        empty = parsed.data_rows == 0
        header = empty and all(i["row"] == 1 for i in parsed.issues)
        raise refuse(
            session,
            parsed.issues,
            actor=actor,
            received=parsed.data_rows,
            channel=channel,
            source=source,
            detail=(
                msg("the header is not one of a samples file; nothing was stored")
                if header
                else msg("the file has no data rows; nothing was stored")
                if empty
                else None
            ),
            rejected=0 if empty else None,
        )
    return ingest(
        session,
        actor=actor,
        rows=parsed.rows,
        channel=channel,
        source=source,
        locate=_csv_locator_for(parsed),
        issues=parsed.issues,
        received=parsed.data_rows,
    )
