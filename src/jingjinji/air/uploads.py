"""Observations sent to the platform: JSON batches and CSV uploads (API and upload page).

Parsing the declared units and the size limit happen here; validation, authorisation (only the
owning agency's stewards and administrators write a station's data) and storage are
:func:`jingjinji.air.ingest.ingest`.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from sqlalchemy.orm import Session

from jingjinji.air import ingest
from jingjinji.air.schemas import MAX_BATCH_ROWS, BatchIn, IngestOut
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Rows of one CSV upload: the JSON batch's limit (larger files: ``jjj air import``).
MAX_UPLOAD_ROWS = MAX_BATCH_ROWS


def _co_declared(units: dict[str, str]) -> bool:
    return any(ingest.canonical(k) == "co" for k in units)


def ingest_batch(session: Session, *, actor: Actor, body: BatchIn, partial: bool) -> IngestOut:
    """Store a JSON batch of hourly observations (``POST /air/observations``)."""
    normalised = ingest.normalise_records(
        body.observations, units=body.units, timezone=body.timezone
    )
    result = ingest.ingest(
        session,
        actor=actor,
        normalised=normalised,
        channel="api",
        source="api batch",
        partial=partial,
        co_declared=_co_declared(body.units),
    )
    return IngestOut.model_validate(result.as_dict())


def parse_units_field(text: str | None) -> dict[str, str]:
    """``co=ug/m3, pm2_5=ug/m3`` or a JSON object -> dict (422 naming ``units`` if neither)."""
    if text is None or not text.strip():
        return {}
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                msg("units is not valid JSON"),
                errors=[field_error(["body", "units"], msg("invalid JSON"))],
            ) from exc
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InvalidInput(
                msg("units must map columns to unit strings"),
                errors=[field_error(["body", "units"], msg("expected an object"))],
            )
        return {str(k): v for k, v in value.items()}
    out: dict[str, str] = {}
    for part in stripped.replace(";", ",").split(","):
        if not part.strip():
            continue
        column, sep, unit = part.partition("=")
        if not sep:
            raise InvalidInput(
                msg("units must look like co=ug/m3"),
                errors=[field_error(["body", "units"], msg("expected column=unit"))],
            )
        out[column.strip()] = unit.strip()
    return out


def _header(line: bytes) -> list[str]:
    first = line.decode("utf-8-sig", errors="replace")
    return [h.strip().strip('"') for h in first.split(",")]


def _size(file: BinaryIO) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def ingest_upload(
    session: Session,
    *,
    actor: Actor,
    file: BinaryIO,
    filename: str,
    units: str | None,
    timezone: str | None,
    partial: bool,
    channel: str,
) -> IngestOut:
    """Store an uploaded CSV file (platform layout or UCI multi-site): at most
    MAX_UPLOAD_BYTES and MAX_UPLOAD_ROWS rows, read a block at a time (the server's body
    limit has bounded what was spooled; the file is never held whole)."""
    size = _size(file)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            msg(
                "file too large: {size} bytes, at most {max_upload_bytes}",
                size=size,
                max_upload_bytes=MAX_UPLOAD_BYTES,
            ),
            errors=[
                field_error(
                    ["body", "file"],
                    msg("at most {max_upload_bytes} bytes", max_upload_bytes=MAX_UPLOAD_BYTES),
                )
            ],
        )
    declared = parse_units_field(units)
    normalised, header_line = ingest.normalise_csv_file(
        file, max_rows=MAX_UPLOAD_ROWS, units=declared, timezone=timezone
    )
    header = _header(header_line)
    header_co = any(c.lower().startswith("co") and ("[" in c or "(" in c) for c in header)
    is_uci = "co" in normalised.columns and "station" in [h.lower() for h in header]
    result = ingest.ingest(
        session,
        actor=actor,
        normalised=normalised,
        channel=channel,
        source=filename,
        partial=partial,
        co_declared=_co_declared(declared) or header_co or is_uci,
    )
    return IngestOut.model_validate(result.as_dict())
