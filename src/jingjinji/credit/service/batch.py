"""Batches of credit records: JSON batches (API) and CSV / Excel (.xlsx) uploads.

All or nothing, like the progress upload: every row is checked (schema, USCC with the expected
check character, future decision date, unknown agency, missing required field, bad amount,
measures), and if any row has a problem nothing is stored and every problem is listed with
its row (the file line of a CSV, the sheet row of a workbook, the 1-based entry of a JSON
batch), column and reason. A re-upload of the same file changes nothing (idempotent by source
agency, kind and document number); a changed row is a revision.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.schemas.records import (
    MAX_BATCH,
    BatchIn,
    BatchOut,
    RecordIn,
    RowError,
)
from jingjinji.credit.service import records

#: The columns of an upload (the record's fields, then the detail fields).
from jingjinji.credit.service.batch_rows import (
    COLUMNS,
    BatchRejected,
    Row,
    header_problems,
    rows_of,
)
from jingjinji.errors import InvalidInput, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, deny, require_actor
from jingjinji.timezone import china_today

MAX_BYTES = 1024 * 1024
READ_BLOCK_BYTES = 64 * 1024
XLSX_MAX_UNCOMPRESSED = 25 * 1024 * 1024
MAX_SHEET_ROWS = 2 * MAX_BATCH + 1
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse_csv(content: bytes) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            msg("the CSV file is not UTF-8 text"),
            errors=[field_error(["file"], msg("not UTF-8: {exc}", exc=exc))],
        ) from exc
    if "\x00" in text:
        raise InvalidInput(
            msg("the file holds NUL characters"),
            errors=[field_error(["file"], msg("NUL character"))],
        )
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None:
            raise BatchRejected(
                msg("the file is empty"),
                [RowError(row=1, column="-", reason=msg("empty file"))],
                where="file",
            )
        problems = header_problems(header)
        if problems:
            raise BatchRejected(
                msg("the header row does not match the columns"), problems, where="file"
            )

        def body() -> Iterator[tuple[int, Sequence[object]]]:
            for cells in reader:
                yield reader.line_num, cells

        return rows_of(header, body())
    except csv.Error as exc:
        raise InvalidInput(
            msg("the CSV file cannot be read"), errors=[field_error(["file"], str(exc))]
        ) from exc


def _refuse_bomb(content: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    if sum(m.file_size for m in members) > XLSX_MAX_UNCOMPRESSED:
        raise InvalidInput(
            msg("the workbook expands beyond what an upload needs; nothing was read"),
            errors=[
                field_error(
                    ["file"],
                    msg(
                        "uncompressed size above {xlsx_max_uncompressed}",
                        xlsx_max_uncompressed=XLSX_MAX_UNCOMPRESSED,
                    ),
                )
            ],
        )


def parse_xlsx(content: bytes) -> list[Row]:
    _refuse_bomb(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = wb.worksheets[0]
            raw: list[Sequence[object]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_SHEET_ROWS:
                    raise BatchRejected(
                        msg(
                            "the sheet has more than {max_sheet_rows} rows",
                            max_sheet_rows=MAX_SHEET_ROWS,
                        ),
                        [RowError(row=number, column="-", reason=msg("too many rows"))],
                        where="file",
                    )
                raw.append(list(values))
        finally:
            wb.close()
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput(
            msg("the file is not a readable .xlsx workbook"),
            errors=[
                field_error(["file"], msg("not an .xlsx workbook: {name}", name=type(exc).__name__))
            ],
        ) from exc
    if not raw:
        raise BatchRejected(
            msg("the sheet is empty"),
            [RowError(row=1, column="-", reason=msg("empty sheet"))],
            where="file",
        )
    problems = header_problems(raw[0])
    if problems:
        raise BatchRejected(
            msg("the header row does not match the columns"), problems, where="file"
        )
    return rows_of(raw[0], ((i + 2, r) for i, r in enumerate(raw[1:])))


def read_upload(file: BinaryIO) -> bytes:
    parts: list[bytes] = []
    size = 0
    while block := file.read(READ_BLOCK_BYTES):
        size += len(block)
        if size > MAX_BYTES:
            raise InvalidInput(
                msg("the file is larger than {max_bytes} bytes", max_bytes=MAX_BYTES),
                errors=[
                    field_error(
                        ["file"],
                        msg("file too large: at most {max_bytes} bytes", max_bytes=MAX_BYTES),
                    )
                ],
            )
        parts.append(block)
    return b"".join(parts)


def parse_file(filename: str, content: bytes) -> list[Row]:
    name = filename.lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return parse_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return parse_csv(content)
    raise InvalidInput(
        msg("upload an .xlsx or .csv file"),
        errors=[
            field_error(["file"], msg("unsupported file type: {filename}", filename=repr(filename)))
        ],
    )


# --- storing ------------------------------------------------------------------------------


def _key(org: Organisation, data: RecordIn) -> tuple[int, str, str]:
    return (org.id, data.kind.value, data.document_number)


def _check_rows(
    session: Session, *, actor: Actor, rows: Sequence[Row]
) -> tuple[list[RowError], list[tuple[RecordIn, Organisation]]]:
    day = china_today()
    problems: list[RowError] = []
    checked: list[tuple[RecordIn, Organisation]] = []
    seen: dict[tuple[int, str, str], tuple[int, RecordIn]] = {}
    for row in rows:
        problems.extend(row.problems)
        if row.record is None:
            continue
        org, source_problem = records.resolve_source(session, actor=actor, data=row.record)
        legacy = records.stored_id_type(session, org=org, data=row.record)
        found = records.check_record(session, data=row.record, today=day, stored_id_type=legacy)
        if source_problem is not None:
            found.insert(0, source_problem)
        problems.extend(p.model_copy(update={"row": row.number}) for p in found)
        if org is None or found:
            continue
        key = _key(org, row.record)
        if key in seen and seen[key][1] != row.record:
            problems.append(
                RowError(
                    row=row.number,
                    column="document_number",
                    reason=msg(
                        "document {document_number} is also in row {seen} with different content",
                        document_number=repr(row.record.document_number),
                        seen=seen[key][0],
                    ),
                )
            )
        seen.setdefault(key, (row.number, row.record))
        checked.append((row.record, org))
    return problems, checked


def store_rows(
    session: Session, *, actor: Actor | None, rows: Sequence[Row], channel: str, where: str
) -> BatchOut:
    """Check every row, then store all or none (see the module docstring)."""
    writer = require_actor(actor)
    problems, checked = _check_rows(session, actor=writer, rows=rows)
    if not rows:
        problems.append(
            RowError(row=2 if where == "file" else 1, column="-", reason=msg("no rows"))
        )
    if problems:
        error = BatchRejected(
            msg(
                "{count} problem(s) in {rows} row(s); nothing was stored",
                count=len(problems),
                rows=len({p.row for p in problems}),
            ),
            problems,
            where=where,
        )
        raise audit.audited_refusal(
            session,
            error,
            actor=writer,
            action="credit.record.batch",
            object_type="credit_record",
            outcome="invalid",
            detail={"channel": channel, "rows": len(rows), "problems": len(problems)},
        )
    for org in {o.id: o for _, o in checked}.values():
        if not policy.may_write_record(
            writer, source_organisation_id=org.id, jurisdiction_code=org.jurisdiction_code
        ):
            raise deny(
                session,
                writer,
                action="credit.record.batch",
                object_type="credit_record",
                object_id=None,
                jurisdiction_code=org.jurisdiction_code,
                reason=msg(
                    "{username} may not write records of {name_en} "
                    "(organisation {org_id}); nothing "
                    "was stored",
                    username=repr(writer.username),
                    name_en=org.name_en,
                    name_zh=org.name_zh,
                    org_id=org.id,
                ),
            )
    cal = records.calendar()
    counts = {"created": 0, "revised": 0, "unchanged": 0}
    ids: list[int] = []
    changed_subjects: set[int] = set()
    for data, org in checked:
        stored = records.store_record(
            session, actor=writer, data=data, org=org, cal=cal, channel=channel
        )
        counts[stored.outcome] += 1
        ids.append(stored.record.id)
        if stored.outcome != "unchanged":
            changed_subjects.add(stored.record.subject_id)
    records.recompute(session, changed_subjects)
    return BatchOut(rows=len(rows), record_ids=ids, **counts)


def store_batch(session: Session, *, actor: Actor | None, body: BatchIn) -> BatchOut:
    rows = [Row(i, r, []) for i, r in enumerate(body.records, start=1)]
    return store_rows(session, actor=actor, rows=rows, channel="api", where="records")


def store_upload(
    session: Session, *, actor: Actor | None, filename: str, content: bytes
) -> BatchOut:
    require_actor(actor)
    rows = parse_file(filename, content)
    channel = "upload-xlsx" if filename.lower().endswith(".xlsx") else "upload-csv"
    return store_rows(session, actor=actor, rows=rows, channel=channel, where="file")


@dataclass(frozen=True)
class PageUpload:
    """What the upload page shows: the result, or every problem (nothing stored)."""

    result: BatchOut | None
    problems: list[RowError]
    detail: str | None
    status_code: int


def upload_from_page(
    session: Session, *, actor: Actor, filename: str, file: BinaryIO
) -> PageUpload:
    """:func:`store_upload` for the page, which shows refusals instead of raising them."""
    try:
        result = store_upload(session, actor=actor, filename=filename, content=read_upload(file))
    except BatchRejected as exc:
        session.rollback()
        return PageUpload(None, exc.row_errors, exc.detail, 422)
    except InvalidInput as exc:
        session.rollback()
        shown = [
            RowError(row=0, column="/".join(str(p) for p in e.get("loc", [])), reason=e["msg"])
            for e in exc.errors
        ]
        return PageUpload(None, shown, exc.detail, 422)
    except PermissionDenied as exc:
        return PageUpload(None, [RowError(row=0, column="-", reason=exc.detail)], exc.detail, 403)
    return PageUpload(result, [], None, 200)


def template_csv() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(COLUMNS)
    return buf.getvalue()
