"""Checking submitted values cell by cell (API batches and uploaded files alike).

Every problem is a (row index, column, reason); a row with none becomes a :class:`CleanRow`.
The validation rules run afterwards on the clean rows (``validation.rule_check``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.i18n import msg
from jingjinji.progress import kernels
from jingjinji.progress.models import Indicator, IndicatorValue
from jingjinji.progress.schemas import TEXT_MAX
from jingjinji.regions import service as regions

VALUE_COLUMNS: tuple[str, ...] = (
    "indicator_code",
    "jurisdiction_code",
    "period",
    "value",
    "unit",
    "source",
    "note",
)
# (indicator code, jurisdiction code, period string)
_ValueKey = tuple[str, str, str]


@dataclass(frozen=True)
class RowProblem:
    """A problem with one cell of submitted values (index: 0-based position in the batch)."""

    index: int
    column: str
    reason: str


@dataclass(frozen=True)
class CleanRow:
    index: int
    indicator: Indicator
    jurisdiction_code: str
    period: kernels.Period
    value: float
    source: str
    note: str | None
    # The stored value this row corrects (same indicator, jurisdiction and period), if any.
    previous: IndicatorValue | None = None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_number(value: object) -> float:
    """A finite number from a cell or JSON value; ValueError says why not."""
    if isinstance(value, bool):
        raise ValueError(msg("true/false is not a number"))
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(msg("a value is required"))
        try:
            number = float(text)
        except ValueError:
            raise ValueError(
                msg(
                    "{text} is not a number (use digits with a dot for decimals, no thousands "
                    "separators or units)",
                    text=repr(text),
                )
            ) from None
    elif value is None:
        raise ValueError(msg("a value is required"))
    else:
        raise ValueError(msg("a {kind} is not a number", kind=type(value).__name__))
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(msg("the value must be a finite number"))
    return number


def _period_text(value: object) -> tuple[str | None, str | None]:
    """The period string of a cell, or why the cell cannot be one."""
    if isinstance(value, dt.datetime | dt.date):
        return None, msg(
            "the cell holds a date ({date}), not a period string: format the column as text "
            "and type e.g. '2021-07'",
            date=f"{value:%Y-%m-%d}",
        )
    if isinstance(value, float) and not value.is_integer():
        return None, msg(
            "{value} is not a period string such as '2021', '2021Q3' or '2021-07'", value=value
        )
    return _text(value), None


@dataclass
class _Batch:
    """What every row is checked against: the indicators and jurisdictions it names, and the
    keys of the rows checked so far (a repeated key is a duplicate)."""

    indicators: dict[str, Indicator]
    jurisdictions: set[str]
    seen: dict[_ValueKey, int] = field(default_factory=dict)


def _batch(session: Session, rows: Sequence[Mapping[str, object]]) -> _Batch:
    codes = {_text(r.get("indicator_code")) for r in rows}
    indicators = {
        i.code: i
        for i in session.scalars(
            select(Indicator).where(Indicator.code.in_([c for c in codes if c]))
        )
    }
    known = regions.known_jurisdictions(
        session, codes=(_text(r.get("jurisdiction_code")) for r in rows)
    )
    return _Batch(indicators, known)


@dataclass
class _Row:
    """One submitted row while its cells are checked."""

    index: int
    cells: Mapping[str, object]
    problems: list[RowProblem] = field(default_factory=list)

    def bad(self, column: str, reason: str) -> None:
        self.problems.append(RowProblem(self.index, column, reason))

    def text(self, column: str) -> str | None:
        return _text(self.cells.get(column))


def _indicator(row: _Row, batch: _Batch) -> Indicator | None:
    code = row.text("indicator_code")
    if code is None:
        row.bad("indicator_code", msg("an indicator code is required"))
        return None
    indicator = batch.indicators.get(code)
    if indicator is None:
        row.bad("indicator_code", msg("unknown indicator code {code}", code=repr(code)))
    return indicator


def _jurisdiction(row: _Row, batch: _Batch) -> str | None:
    code = row.text("jurisdiction_code")
    if code is None:
        row.bad("jurisdiction_code", msg("a jurisdiction code is required"))
        return None
    if code not in batch.jurisdictions:
        row.bad("jurisdiction_code", msg("unknown jurisdiction code {code}", code=repr(code)))
        return None
    return code


def _period(row: _Row, indicator: Indicator | None) -> kernels.Period | None:
    text, problem = _period_text(row.cells.get("period"))
    if problem is not None:
        row.bad("period", problem)
        return None
    if text is None:
        row.bad("period", msg("a period is required, e.g. '2021', '2021Q3' or '2021-07'"))
        return None
    try:
        return kernels.parse_period(text, indicator.period_type if indicator is not None else None)
    except kernels.PeriodError as exc:
        row.bad("period", exc.reason)
        return None


def _number(row: _Row) -> float | None:
    try:
        return parse_number(row.cells.get("value"))
    except ValueError as exc:
        row.bad("value", exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc))
        return None


def _check_unit(row: _Row, indicator: Indicator | None) -> None:
    unit = row.text("unit")
    if unit is not None and indicator is not None and unit != indicator.unit:
        row.bad(
            "unit",
            msg(
                "unit {unit} does not match the indicator's unit {expected}",
                unit=repr(unit),
                expected=repr(indicator.unit),
            ),
        )


def _source(row: _Row) -> str | None:
    source = row.text("source")
    if source is None:
        row.bad("source", msg("a source is required (publication, table or office)"))
    elif len(source) > TEXT_MAX:
        row.bad("source", msg("at most {limit} characters", limit=TEXT_MAX))
    return source


def _note(row: _Row) -> str | None:
    note = row.text("note")
    if note is not None and len(note) > TEXT_MAX:
        row.bad("note", msg("at most {limit} characters", limit=TEXT_MAX))
    return note


def _check_repeat(row: _Row, batch: _Batch, key: _ValueKey) -> None:
    if key in batch.seen:
        row.bad(
            "period",
            msg(
                "duplicate: the same indicator, jurisdiction and period is in entry {entry} "
                "already",
                entry=batch.seen[key] + 1,
            ),
        )
    else:
        batch.seen[key] = row.index


def _check_row(row: _Row, batch: _Batch) -> CleanRow | None:
    """The row's problems go to ``row.problems``; a row without any is returned clean."""
    indicator = _indicator(row, batch)
    jurisdiction = _jurisdiction(row, batch)
    period = _period(row, indicator)
    number = _number(row)
    _check_unit(row, indicator)
    source = _source(row)
    note = _note(row)
    if indicator is not None and jurisdiction is not None and period is not None:
        _check_repeat(row, batch, (indicator.code, jurisdiction, str(period)))
    if row.problems:
        return None
    assert indicator is not None and jurisdiction is not None and period is not None
    assert number is not None and source is not None
    return CleanRow(row.index, indicator, jurisdiction, period, number, source, note)


def _stored_repeats(
    session: Session, clean: list[CleanRow]
) -> tuple[list[CleanRow], list[RowProblem]]:
    """Match the clean rows with the values stored already for their key.

    A row for a key that is stored corrects that value (a revision, its history kept) when it
    says why in ``note`` and changes the value or its source; without a note it is a
    duplicate, and a correction that changes nothing is refused too."""
    if not clean:
        return clean, []
    stored = {
        (v.indicator_id, v.jurisdiction_code, v.period): v
        for v in session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id.in_({c.indicator.id for c in clean}),
                IndicatorValue.jurisdiction_code.in_({c.jurisdiction_code for c in clean}),
            )
        )
    }
    checked: list[CleanRow] = []
    problems: list[RowProblem] = []
    for c in clean:
        previous = stored.get((c.indicator.id, c.jurisdiction_code, str(c.period)))
        if previous is None:
            checked.append(c)
            continue
        what = {"indicator": c.indicator.code, "place": c.jurisdiction_code, "period": c.period}
        if not c.note:
            problems.append(
                RowProblem(
                    c.index,
                    "period",
                    msg(
                        "duplicate: a value of {indicator} for {place} {period} is stored already "
                        "({stored}); to correct it, send the corrected value with the reason in "
                        "note",
                        stored=f"{previous.value:g}",
                        **what,
                    ),
                )
            )
        elif c.value == previous.value and c.source == previous.source:
            problems.append(
                RowProblem(
                    c.index,
                    "value",
                    msg(
                        "a value of {indicator} for {place} {period} is stored already with this "
                        "value and source: nothing to correct",
                        **what,
                    ),
                )
            )
        else:
            checked.append(dataclasses.replace(c, previous=previous))
    return checked, problems


def problem_order(problem: RowProblem) -> tuple[int, int]:
    """Problems in reading order: by row, then by the template's column order."""
    column = VALUE_COLUMNS.index(problem.column) if problem.column in VALUE_COLUMNS else 99
    return (problem.index, column)


def check_rows(
    session: Session, rows: Sequence[Mapping[str, object]]
) -> tuple[list[CleanRow], list[RowProblem]]:
    """Check submitted values cell by cell: required cells, known indicator and jurisdiction,
    a period string of the indicator's period type, a numeric value, a unit matching the
    indicator, no duplicates in the batch; a row for a stored key is a correction of that value
    (``CleanRow.previous``) when its note says why. Rule checks come after."""
    batch = _batch(session, rows)
    problems: list[RowProblem] = []
    clean: list[CleanRow] = []
    for index, cells in enumerate(rows):
        row = _Row(index, cells)
        checked = _check_row(row, batch)
        problems.extend(row.problems)
        if checked is not None:
            clean.append(checked)
    clean, repeats = _stored_repeats(session, clean)
    problems.extend(repeats)
    problems.sort(key=problem_order)
    return clean, problems
