"""Numbers for people: rounding measured values for pages and CSV downloads.

Stored values and the JSON API keep full precision; what a person reads is rounded to the
quantity's precision (``8.041666666666666`` is shown as ``8.04``), never in scientific notation.

- integers: no decimals;
- rates and percentages (unit ``%``): one decimal;
- concentrations: the decimals HJ 663 reports them with (ug/m3: integers; mg/m3, i.e. CO: one
  decimal; the same as ``jingjinji.air.kernels.gb3095.DECIMALS``, which a test checks);
- any other number: two decimals at or above 1, else three significant digits (``0.000123``),
  trailing zeros dropped.

The Jinja filter is ``num``: ``{{ value|num }}``, ``{{ value|num(1) }}`` or
``{{ value|num(decimals[name]) }}`` with :func:`field_decimals`.

CSV downloads for people (the catalog's records, the air, water and sources exports) write each
cell through :func:`csv_cell` (whole rows through :func:`csv_text`, a polars frame a column at a
time through :func:`frame_csv`, the same text): numbers rounded as above, text that a
spreadsheet would run as a formula defused with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import polars as pl

#: Decimals by unit, where the unit fixes them.
UNIT_DECIMALS: dict[str, int] = {
    "%": 1,
    "ug/m3": 0,
    "μg/m3": 0,
    "µg/m3": 0,
    "mg/m3": 1,
}
#: Significant digits of a value below 1 shown with the default precision.
SIGNIFICANT = 3
#: Decimals of a value of 1 or more shown with the default precision.
DEFAULT_DECIMALS = 2
#: Never more decimals than this (a value closer to zero shows as 0).
MAX_DECIMALS = 12
_WIDE = Context(prec=400, rounding=ROUND_HALF_EVEN)


class FieldLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


def decimals_for(field_type: str, unit: str | None = None) -> int | None:
    """The decimals a value of this type and unit is shown with; None: the default rule."""
    if field_type == "integer":
        return 0
    return UNIT_DECIMALS.get((unit or "").strip().lower().replace("³", "3"))


def field_decimals(fields: Iterable[FieldLike]) -> dict[str, int | None]:
    """Each field's decimals by name (for a table of records)."""
    return {f.name: decimals_for(f.type, f.unit) for f in fields}


def _default_decimals(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 1 or magnitude == 0:
        return DEFAULT_DECIMALS
    leading_zeros = -math.floor(math.log10(magnitude)) - 1
    return min(leading_zeros + SIGNIFICANT, MAX_DECIMALS)


#: Below this (the value times 10 ** decimals) a float's binary rounding error is far smaller
#: than :data:`_TIE_MARGIN`.
_FAST_LIMIT = 1e9
_TIE_MARGIN = 1e-6


def _rounded(value: float | Decimal, places: int) -> str:
    """``value`` rounded to ``places`` decimals, ties half to even on its decimal form.

    A float not near a tie rounds the same by any rule, so Python's own formatting gives the
    answer (fast: a CSV download formats millions of values); near a tie, and for large or
    Decimal values, the decimal form is rounded exactly."""
    if isinstance(value, float) and 0 <= places <= MAX_DECIMALS:
        scaled = abs(value) * 10.0**places
        if scaled < _FAST_LIMIT and abs(scaled - math.floor(scaled) - 0.5) > _TIE_MARGIN:
            return f"{value:.{places}f}"
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    # Enough digits for any float (1e308 with twelve decimals), ties to even.
    return f"{exact.quantize(Decimal(1).scaleb(-places), context=_WIDE):f}"


def num(value: Any, decimals: int | None = None) -> str:
    """``value`` as text for a page or a CSV cell: rounded, never in scientific notation.

    ``None`` is empty; booleans, text and other non-numbers are shown as they are. With
    ``decimals`` the value has exactly that many (``1.0`` for CO); without, it has at most the
    default precision, trailing zeros dropped (``8.04``, ``8``). Ties round half to even on the
    decimal value (GB/T 8170: 75.5 -> 76, 76.5 -> 76)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    places = decimals if decimals is not None else _default_decimals(float(value))
    text = _rounded(value, places)
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


def row_text(row: Mapping[str, Any], decimals: Mapping[str, int | None]) -> dict[str, str]:
    """A record's values as display text, each by its field's precision."""
    return {name: num(value, decimals.get(name)) for name, value in row.items()}


#: A spreadsheet runs a cell starting with one of these as a formula ("CSV injection", OWASP):
#: such text is written with a leading apostrophe, which spreadsheets show as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any, decimals: int | None = None) -> str:
    """``value`` as a CSV cell for people: a number by :func:`num`, text that a spreadsheet
    would run as a formula defused (``'=1+1``); numbers stay numbers (``-3`` is not text);
    booleans as ``true``/``false``, NaN empty (missing)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = num(value, decimals)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return f"'{text}"
    return text


def csv_text(
    rows: Iterable[Sequence[Any]],
    decimals: Sequence[int | None],
    *,
    header: Sequence[str] | None = None,
) -> str:
    """Rows as CSV text (``\\r\\n`` line ends, RFC 4180), each cell by :func:`csv_cell` with
    its column's decimals; the header first when given (also defused). Call it a batch of rows
    at a time to stream a large download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(v, d) for v, d in zip(row, decimals, strict=True)] for row in rows)
    return buffer.getvalue()


def float_texts(values: npt.NDArray[np.float64], decimals: int | None = None) -> list[str]:
    """A column of floats (NaN: missing) as :func:`num` writes each one, in one pass: the
    places and the tie test vectorised, the formatting Python's; the values near a tie (and
    large ones) go through :func:`num`. A CSV download formats millions of values."""
    finite = np.isfinite(values)
    magnitude = np.abs(np.where(finite, values, 0.0))
    if decimals is None:
        small = (magnitude < 1) & (magnitude > 0)
        digits = -np.floor(np.log10(np.where(small, magnitude, 1.0))) - 1 + SIGNIFICANT
        places = np.where(small, np.minimum(digits, MAX_DECIMALS), DEFAULT_DECIMALS).astype(int)
    else:
        places = np.full(values.shape, decimals, dtype=int)
    scaled = magnitude * 10.0 ** np.clip(places, 0, MAX_DECIMALS)
    exact = (
        ~finite
        | (places < 0)
        | (places > MAX_DECIMALS)
        | (scaled >= _FAST_LIMIT)
        | (np.abs(scaled - np.floor(scaled) - 0.5) <= _TIE_MARGIN)
    )
    out: list[str] = []
    for value, place, slow in zip(values.tolist(), places.tolist(), exact.tolist(), strict=True):
        if slow:
            out.append("" if math.isnan(value) else num(value, decimals))
            continue
        text = f"{value:.{place}f}"
        if decimals is None and "." in text:
            text = text.rstrip("0").rstrip(".")
        if text[0] == "-" and not text.strip("-0."):
            text = text[1:]
        out.append(text)
    return out


def frame_csv(frame: pl.DataFrame, decimals: Sequence[int | None], *, header: bool = True) -> str:
    """A polars frame as CSV text for people, exactly as :func:`csv_text` writes its rows, a
    column at a time (float columns through :func:`float_texts`). Times should be text first
    (the caller's format)."""
    columns: list[list[str]] = []
    for series, places in zip(frame.iter_columns(), decimals, strict=True):
        if series.dtype.is_float():
            values = series.cast(float).fill_null(float("nan")).to_numpy()
            columns.append(float_texts(values, places))
        else:
            columns.append([csv_cell(v, places) for v in series.to_list()])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow([csv_cell(name) for name in frame.columns])
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()
