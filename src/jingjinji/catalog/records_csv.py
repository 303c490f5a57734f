"""A page of catalog records as CSV for people: each number rounded to its field's precision
(``jingjinji.numbers``); the JSON records keep full precision."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from jingjinji import numbers
from jingjinji.catalog.schemas import RecordsPage

MEDIA_TYPE = "text/csv; charset=utf-8"
#: A spreadsheet runs a cell starting with one of these as a formula ("CSV injection", OWASP):
#: such text is written with a leading apostrophe, which spreadsheets show as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(row: dict[str, object], text: dict[str, str]) -> dict[str, str]:
    """Text cells that a spreadsheet would run as formulas, defused (numbers stay numbers)."""
    return {
        name: f"'{cell}"
        if isinstance(row.get(name), str) and cell.startswith(FORMULA_STARTS)
        else cell
        for name, cell in text.items()
    }


def records_csv(page: RecordsPage, fields: Iterable[numbers.FieldLike]) -> str:
    """The readable fields as columns (in the dataset's order), one line per record."""
    decimals = numbers.field_decimals(fields)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=page.fields, lineterminator="\r\n")
    writer.writeheader()
    for row in page.items:
        values = {name: row.get(name) for name in page.fields}
        writer.writerow(neutralised(values, numbers.row_text(values, decimals)))
    return buffer.getvalue()
