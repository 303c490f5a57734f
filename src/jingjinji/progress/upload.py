"""The upload of filled value templates (:mod:`value_template`) with per-cell errors.

Policy: an upload is all or nothing. If any cell of any row has a problem (or a value breaks an
``error`` rule), nothing is stored and every problem is returned as (row, column, reason), with
rows numbered as the spreadsheet shows them (the header is row 1; in a CSV file, the line the
row starts on). Rows for jurisdictions the user may not write are among the problems (the
answer is then a 403). The user fixes the file and uploads it again; nothing is ever
half-stored or silently dropped. Values that only break a ``warning`` rule are stored and
flagged. A row for a value stored already corrects it when its note says why (a revision: the
earlier value stays in the value's history).
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

from jingjinji.errors import DomainError, InvalidInput, PermissionDenied, field_error
from jingjinji.i18n import Msg, msg
from jingjinji.progress import service
from jingjinji.progress.schemas import CellError, UploadResult
from jingjinji.progress.value_template import COLUMNS as COLUMNS
from jingjinji.progress.value_template import INSTRUCTIONS as INSTRUCTIONS
from jingjinji.progress.value_template import MAX_ROWS as MAX_ROWS
from jingjinji.progress.value_template import VALUES_SHEET as VALUES_SHEET
from jingjinji.progress.value_template import csv_template as csv_template
from jingjinji.progress.value_template import xlsx_template as xlsx_template
from jingjinji.regions import service as regions
from jingjinji.security import Actor

MAX_BYTES = 5 * 1024 * 1024
READ_BLOCK_BYTES = 64 * 1024
#: A workbook of MAX_ROWS filled rows is about 1 MB unpacked (the template 0.3 MB): larger
#: ones are refused before they are opened, as are parts that inflate more than this ratio
#: (a zip bomb; ordinary sheet XML compresses 5-20 times).
XLSX_MAX_UNCOMPRESSED = 25 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MIN_CHECKED_BYTES = 1024 * 1024
#: Rows of a sheet read at most, blank ones included (the template formats MAX_ROWS rows).
MAX_SHEET_ROWS = 2 * MAX_ROWS + 1
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ParsedRow:
    row: int  # as the spreadsheet numbers it (header = 1)
    cells: dict[str, object]


class UploadRejected(InvalidInput):
    """The upload had problems; ``cell_errors`` lists them (nothing was stored)."""

    def __init__(self, detail: str, cell_errors: Sequence[CellError]) -> None:
        super().__init__(detail, errors=_cell_error_dicts(cell_errors))
        self.cell_errors = list(cell_errors)


def _cell_error_dicts(cell_errors: Sequence[CellError]) -> list[dict[str, object]]:
    """Problems as the API lists them: ``loc`` ["file", row, column], ``row`` (the file's
    line), ``column`` and ``msg``."""
    return [
        field_error(["file", e.row, e.column], e.reason, row=e.row, column=e.column)
        for e in cell_errors
    ]


def _header_problems(header: Sequence[object]) -> list[CellError]:
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n and n not in COLUMNS]
    problems = [
        CellError(
            row=1, column=c, reason=msg("column {name} is missing from the header", name=repr(c))
        )
        for c in missing
    ]
    problems += [
        CellError(
            row=1,
            column=n,
            reason=msg(
                "unknown column {name}; the columns are {columns}",
                name=repr(n),
                columns=", ".join(COLUMNS),
            ),
        )
        for n in unknown
    ]
    return problems


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(
    header: Sequence[object], body: Sequence[tuple[int, Sequence[object]]]
) -> tuple[list[CellError], list[ParsedRow]]:
    """The data rows, and a problem for every filled cell outside the template's columns (a
    stray cell, or an unquoted comma in a CSV cell that shifted the rest of the row): such a
    cell would otherwise be dropped without a word."""
    names = [str(h).strip() if h is not None else "" for h in header]
    out = []
    problems = []
    for number, cells in body:
        values = {
            names[i]: cells[i] for i in range(min(len(names), len(cells))) if names[i] in COLUMNS
        }
        stray = [
            i
            for i, cell in enumerate(cells)
            # (a column with an unknown name is reported once, in the header)
            if not _blank(cell) and (i >= len(names) or not names[i])
        ]
        for i in stray:
            problems.append(
                CellError(
                    row=number,
                    column=_column_letter(i),
                    reason=msg(
                        "a value outside the template's columns ({value}); remove it, or quote "
                        "a cell that contains a comma",
                        value=repr(str(cells[i])[:40]),
                    ),
                )
            )
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and "\x00" in cell:
                problems.append(
                    CellError(
                        row=number,
                        column=names[i] if i < len(names) and names[i] else _column_letter(i),
                        reason=msg("a NUL character (U+0000); text cannot hold it"),
                    )
                )
        if not stray and all(_blank(v) for v in values.values()):
            continue  # blank line
        out.append(ParsedRow(number, values))
    return problems, out


def _column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def read_upload(file: BinaryIO) -> bytes:
    """The uploaded file, read a block at a time and refused as soon as it passes MAX_BYTES
    (the server's body limit already bounded what was spooled)."""
    parts: list[bytes] = []
    size = 0
    while block := file.read(READ_BLOCK_BYTES):
        size += len(block)
        if size > MAX_BYTES:
            raise _too_large()
        parts.append(block)
    return b"".join(parts)


def _too_large() -> InvalidInput:
    return InvalidInput(
        msg("the file is larger than {max_bytes} MiB", max_bytes=MAX_BYTES // (1024 * 1024)),
        errors=[
            field_error(
                ["file"], msg("file too large: at most {max_bytes} bytes", max_bytes=MAX_BYTES)
            )
        ],
    )


def _refuse_bomb(content: bytes) -> None:
    """Refuse a workbook that expands beyond what MAX_ROWS rows need, before openpyxl opens
    it: an .xlsx is a zip, and a few MB of it can inflate to a million rows (1 GB parsed). The
    sizes the zip declares are checked; zipfile refuses to inflate a member past its declared
    size, so they cannot lie."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: openpyxl says the file is no workbook
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > XLSX_MIN_CHECKED_BYTES and ratio > XLSX_MAX_RATIO:
            raise InvalidInput(
                msg(
                    "the workbook part {filename} expands {ratio:.0f} times (at most "
                    "{xlsx_max_ratio}); nothing was read",
                    filename=member.filename,
                    ratio=ratio,
                    xlsx_max_ratio=XLSX_MAX_RATIO,
                ),
                errors=[
                    field_error(
                        ["file"],
                        msg(
                            "compression ratio above {xlsx_max_ratio}",
                            xlsx_max_ratio=XLSX_MAX_RATIO,
                        ),
                    )
                ],
            )
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InvalidInput(
            msg(
                "the workbook expands to {total} bytes, more than the {xlsx_max_uncompressed} "
                "that {max_rows} rows need; nothing was read",
                total=total,
                xlsx_max_uncompressed=XLSX_MAX_UNCOMPRESSED,
                max_rows=MAX_ROWS,
            ),
            errors=[
                field_error(
                    ["file"],
                    msg(
                        "uncompressed size above {xlsx_max_uncompressed} bytes",
                        xlsx_max_uncompressed=XLSX_MAX_UNCOMPRESSED,
                    ),
                )
            ],
        )


def _limited_rows(rows: Iterator[Sequence[object]]) -> list[Sequence[object]]:
    """The rows of a sheet or CSV file up to one past the limit of filled rows (the rest is
    never read: :func:`upload` refuses the file on that row). A file with more than
    MAX_SHEET_ROWS rows, blank ones included, is refused at that row."""
    out: list[Sequence[object]] = []
    filled = 0
    for number, row in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise UploadRejected(
                msg(
                    "the file has more than {max_sheet_rows} rows (blank ones included); at most "
                    "{max_rows} rows per upload. Delete the rows below your data.",
                    max_sheet_rows=MAX_SHEET_ROWS,
                    max_rows=MAX_ROWS,
                ),
                [CellError(row=number, column="-", reason=msg("too many rows"))],
            )
        out.append(row)
        if number > 1 and not all(_blank(v) for v in row):
            filled += 1
            if filled > MAX_ROWS:
                break
    return out


def parse_xlsx(content: bytes) -> tuple[list[CellError], list[ParsedRow]]:
    _refuse_bomb(content)
    # A damaged or foreign zip fails in many ways inside openpyxl and the XML parser (missing
    # parts: KeyError; broken XML: a SyntaxError subclass; odd content: TypeError, ...), when
    # the workbook is opened or only while its rows are read (read-only mode is lazy). Any of
    # them means the same to the user: the file is not a readable workbook.
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            ws = wb[VALUES_SHEET] if VALUES_SHEET in wb.sheetnames else wb.worksheets[0]
            rows = _limited_rows(ws.iter_rows(values_only=True))
        finally:
            wb.close()
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput(
            msg("the file is not a readable .xlsx workbook"),
            errors=[
                field_error(
                    ["file"],
                    msg("not an .xlsx workbook: {name}: {exc}", name=type(exc).__name__, exc=exc),
                )
            ],
        ) from exc
    if not rows:
        return [CellError(row=1, column="-", reason=msg("the sheet is empty"))], []
    header = rows[0]
    body = [(i + 2, list(r)) for i, r in enumerate(rows[1:])]
    stray, parsed = _rows(header, body)
    return _header_problems(header) + stray, parsed


def _csv_problem(exc: csv.Error, *, line: int) -> Msg:
    """Why the csv module could not read a file, for a person (its own texts are English)."""
    text = str(exc)
    if text.startswith("field larger than field limit"):
        return msg(
            "line {line}: a cell is longer than {limit} characters",
            line=line,
            limit=csv.field_size_limit(),
        )
    if text.startswith("new-line character seen in unquoted field"):
        return msg(
            "line {line}: a line break (CR) inside a cell that is not quoted: save the file "
            "with ordinary line ends, or quote the cell",
            line=line,
        )
    return msg("line {line}: the CSV structure is broken (quotes or separators)", line=line)


def parse_csv(content: bytes) -> tuple[list[CellError], list[ParsedRow]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            msg("the CSV file is not UTF-8 text"),
            errors=[field_error(["file"], msg("not UTF-8 from byte {at}", at=exc.start))],
        ) from exc
    reader = csv.reader(io.StringIO(text))
    # The file line each record starts on: a quoted cell may hold line breaks, and problems
    # name the line an editor shows.
    lines: list[int] = []

    def records() -> Iterator[list[str]]:
        last = 0
        for record in reader:
            lines.append(last + 1)
            last = reader.line_num
            yield record

    try:
        rows = _limited_rows(records())
    except csv.Error as exc:
        raise InvalidInput(
            msg("the CSV file cannot be read"),
            errors=[field_error(["file"], _csv_problem(exc, line=reader.line_num))],
        ) from exc
    if not rows:
        return [CellError(row=1, column="-", reason=msg("the file is empty"))], []
    header = rows[0]
    body: list[tuple[int, Sequence[object]]] = [
        (lines[i + 1], [c if isinstance(c, str) and c.strip() else None for c in r])
        for i, r in enumerate(rows[1:])
    ]
    stray, parsed = _rows(header, body)
    return _header_problems(header) + stray, parsed


def parse_file(filename: str, content: bytes) -> tuple[list[CellError], list[ParsedRow]]:
    if len(content) > MAX_BYTES:
        raise _too_large()
    name = filename.lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return parse_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return parse_csv(content)
    raise InvalidInput(
        msg("upload an .xlsx or .csv file made from the template"),
        errors=[
            field_error(["file"], msg("unsupported file type: {filename}", filename=repr(filename)))
        ],
    )


def upload(session: Session, *, actor: Actor | None, filename: str, content: bytes) -> UploadResult:
    """Check every cell, then store all rows or none (see the module docstring)."""
    file_problems, rows = parse_file(filename, content)
    if file_problems:
        raise UploadRejected(
            msg("the header row does not match the template")
            if any(p.row == 1 for p in file_problems)
            else msg(
                "{count} cell(s) outside the template's columns or holding a NUL character; "
                "nothing was stored",
                count=len(file_problems),
            ),
            file_problems,
        )
    if not rows:
        raise UploadRejected(
            msg("the file has no data rows"),
            [CellError(row=2, column="-", reason=msg("no data rows"))],
        )
    if len(rows) > MAX_ROWS:
        raise UploadRejected(
            msg("at most {limit} rows per upload", limit=MAX_ROWS),
            [CellError(row=MAX_ROWS + 2, column="-", reason=msg("too many rows"))],
        )
    channel = "upload-xlsx" if filename.lower().endswith(".xlsx") else "upload-csv"
    cells = [r.cells for r in rows]
    known = regions.known_jurisdictions(
        session, codes=(str(c.get("jurisdiction_code") or "").strip() for c in cells)
    )
    permissions = service.permission_problems(session, actor=actor, rows=cells, jurisdictions=known)
    clean, problems = service.check_rows(session, cells)
    rule_errors, warnings = service.rule_check(session, clean)
    all_problems = sorted(
        [*problems, *rule_errors, *permissions.problems], key=service.problem_order
    )
    if all_problems:
        cell_errors = [
            CellError(row=rows[p.index].row, column=p.column, reason=_rownumbers(p.reason, rows))
            for p in all_problems
        ]
        raise service.refuse_values(
            session,
            permissions=permissions,
            detail=msg(
                "{count} problem(s) in {rows} row(s); nothing was stored",
                count=len(cell_errors),
                rows=len({e.row for e in cell_errors}),
            ),
            errors=_cell_error_dicts(cell_errors),
        )
    stored = service.store_clean(
        session, actor=permissions.actor, clean=clean, warnings=warnings, channel=channel
    )
    return UploadResult(
        stored=len(stored.added),
        revised=len(stored.revised),
        rows=len(rows),
        warnings=[w for ws in warnings.values() for w in ws],
    )


def _rownumbers(reason: str, rows: Sequence[ParsedRow]) -> str:
    """Turn 'entry N' (1-based batch position) into the spreadsheet row number."""
    entry = reason.params.get("entry") if isinstance(reason, Msg) else None
    if isinstance(entry, int) and 1 <= entry <= len(rows):
        return msg(
            "duplicate: the same indicator, jurisdiction and period is in row {row} already",
            row=rows[entry - 1].row,
        )
    marker = "is in entry "
    if marker in reason:
        head, tail = reason.split(marker, 1)
        digits = "".join(ch for ch in tail if ch.isdigit())
        if digits:
            entry = int(digits)
            if 1 <= entry <= len(rows):
                return f"{head}is in row {rows[entry - 1].row}{tail[len(digits) :]}"
    return reason


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the upload page lists it."""

    row: int | str  # the spreadsheet's row number, or "-" for the whole file
    column: str
    reason: str


@dataclass(frozen=True)
class PageUpload:
    """What the upload page shows after an upload: the result, or why nothing was stored."""

    result: UploadResult | None
    problems: list[ShownProblem] | None
    detail: str | None
    status_code: int


def _shown_problems(exc: DomainError) -> list[ShownProblem]:
    """Every problem the error lists (its row and column where it names them)."""
    if isinstance(exc, UploadRejected):
        return [ShownProblem(e.row, e.column, e.reason) for e in exc.cell_errors]
    return [
        ShownProblem(
            e.get("row", "-"),
            str(e.get("column") or "/".join(str(p) for p in e.get("loc", []))),
            e.get("msg", ""),
        )
        for e in exc.errors
    ] or [ShownProblem("-", "-", exc.detail)]


def upload_from_page(
    session: Session, *, actor: Actor, filename: str, file: BinaryIO
) -> PageUpload:
    """:func:`upload` of an uploaded file for the web page, which shows problems instead of
    raising them. A rejected upload is rolled back (nothing of it stays); a refusal is audited
    and committed by the authorisation itself."""
    try:
        content = read_upload(file)
        result = upload(session, actor=actor, filename=filename, content=content)
    except InvalidInput as exc:
        session.rollback()
        return PageUpload(None, _shown_problems(exc), exc.detail, 422)
    except PermissionDenied as exc:
        return PageUpload(None, _shown_problems(exc), exc.detail, 403)
    return PageUpload(result, None, None, 200)
