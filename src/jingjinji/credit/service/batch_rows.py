"""The rows of a credit batch: its columns, each row's cells checked into a record or its
problems (``batch`` reads the files and stores the rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from jingjinji import problems
from jingjinji.credit.kernels.uscc import check_uscc
from jingjinji.credit.labels import record_column
from jingjinji.credit.schemas.records import DETAIL_FIELDS, MAX_BATCH, RecordIn, RowError
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.timezone import china_today

COLUMNS = (
    "kind",
    "uscc",
    "subject_name",
    "source_agency_uscc",
    "document_number",
    "title",
    "category",
    "severity",
    "penalty_types",
    "facts",
    "legal_basis",
    "content",
    "fine_10k_cny",
    "confiscated_10k_cny",
    "licence_suspended_or_revoked",
    "licence_number",
    "valid_from",
    "valid_to",
    "measures",
    "decision_date",
    "publish",
    *DETAIL_FIELDS,
)
LIST_COLUMNS = frozenset({"penalty_types", "measures"})
BOOL_COLUMNS = frozenset({"licence_suspended_or_revoked", "publish"})
TRUE = frozenset({"true", "yes", "1", "y", "是"})
FALSE = frozenset({"false", "no", "0", "n", "否", ""})


#: An upload's file: the server's form limit (1 MiB) bounds the request anyway.
class BatchRejected(InvalidInput):
    """The batch had problems (``row_errors``); nothing was stored."""

    def __init__(self, detail: str, row_errors: Sequence[RowError], *, where: str) -> None:
        super().__init__(
            detail,
            errors=[
                field_error(
                    [where, e.row, e.column],
                    e.reason,
                    row=e.row,
                    column=e.column,
                    **({"expected": e.expected} if e.expected else {}),
                )
                for e in row_errors
            ],
        )
        self.row_errors = list(row_errors)


@dataclass(frozen=True)
class Row:
    number: int  # file line / sheet row / 1-based entry
    record: RecordIn | None
    problems: list[RowError]


# --- parsing ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_value(column: str, value: object) -> object:
    text = _text(value)
    if column in LIST_COLUMNS:
        return [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    if column in BOOL_COLUMNS:
        if isinstance(value, bool):
            return value
        low = text.lower()
        return True if low in TRUE else False if low in FALSE else text
    if column in ("fine_10k_cny", "confiscated_10k_cny"):
        return text or None
    return text or None


def row_from_cells(number: int, cells: dict[str, object]) -> Row:
    """A record from an upload row, or its problems (column named by the schema's field)."""
    data: dict[str, object] = {}
    details: dict[str, str] = {}
    for column, value in cells.items():
        converted = _cell_value(column, value)
        if converted is None or converted == []:
            continue
        if column in DETAIL_FIELDS:
            details[column] = str(converted)
        else:
            data[column] = converted
    if details:
        data["details"] = details
    try:
        return Row(number, RecordIn.model_validate(data), [])
    except ValidationError as exc:
        found: list[RowError] = []
        for err in exc.errors():
            # a detail field is a column of its own in the file (``details.court`` -> ``court``)
            column = record_column(".".join(str(part) for part in err["loc"]))
            reason = problems.error_message(err)  # a message: the upload page translates it
            if column in ("fine_10k_cny", "confiscated_10k_cny"):
                reason = msg(
                    "bad amount {value}: {reason}", value=repr(cells.get(column)), reason=reason
                )
            found.append(RowError(row=number, column=column, reason=reason))
        return Row(number, None, found + _partial_problems(number, data, found))


def _partial_problems(
    number: int, data: dict[str, object], known: list[RowError]
) -> list[RowError]:
    """The code and date checks of a row whose schema failed elsewhere, so that the refusal
    lists every problem of the row, not only the first kind."""
    seen = {p.column for p in known}
    out: list[RowError] = []
    code = data.get("uscc")
    if "uscc" not in seen and isinstance(code, str):
        check = check_uscc(code.strip().upper())
        if not check.valid:
            out.append(
                RowError(
                    row=number,
                    column="uscc",
                    reason=check.reason or "invalid code",
                    expected=check.expected,
                )
            )
    decided = data.get("decision_date")
    if "decision_date" not in seen and isinstance(decided, str):
        try:
            day = dt.date.fromisoformat(decided)
        except ValueError:
            day = None
        today = china_today()
        if day is not None and day > today:
            out.append(
                RowError(
                    row=number,
                    column="decision_date",
                    reason=msg(
                        "decision date {day} is in the future (today is {today})",
                        day=day,
                        today=today,
                    ),
                )
            )
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_problems(header: Sequence[object]) -> list[RowError]:
    names = [_text(h) for h in header]
    required = ("kind", "uscc", "document_number", "title", "legal_basis", "decision_date")
    problems = [
        RowError(row=1, column=c, reason=msg("column {c} is missing from the header", c=repr(c)))
        for c in required
        if c not in names
    ]
    problems += [
        RowError(
            row=1,
            column=n,
            reason=msg(
                "unknown column {n}; the columns are {columns}",
                n=repr(n),
                columns=", ".join(COLUMNS),
            ),
        )
        for n in names
        if n and n not in COLUMNS
    ]
    return problems


def rows_of(header: Sequence[object], body: Iterator[tuple[int, Sequence[object]]]) -> list[Row]:
    names = [_text(h) for h in header]
    out: list[Row] = []
    for number, cells in body:
        if all(_blank(c) for c in cells):
            continue
        if len(out) >= MAX_BATCH:
            raise BatchRejected(
                msg("at most {max_batch} records per upload", max_batch=MAX_BATCH),
                [RowError(row=number, column="-", reason=msg("too many rows"))],
                where="file",
            )
        stray = [
            RowError(
                row=number, column=f"#{i + 1}", reason=msg("a value outside the header's columns")
            )
            for i, c in enumerate(cells)
            if not _blank(c) and (i >= len(names) or not names[i])
        ]
        values = {names[i]: cells[i] for i in range(min(len(names), len(cells))) if names[i]}
        row = row_from_cells(number, values)
        out.append(Row(number, row.record, stray + row.problems))
    return out
