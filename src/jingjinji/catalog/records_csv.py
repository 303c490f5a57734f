"""A page of catalog records as CSV for people: each number rounded to its field's precision,
text a spreadsheet would run as a formula defused (``jingjinji.numbers.csv_text``); the JSON
records keep full precision."""

from __future__ import annotations

from collections.abc import Iterable

from jingjinji import numbers
from jingjinji.catalog.schemas import RecordsPage

MEDIA_TYPE = "text/csv; charset=utf-8"


def records_csv(page: RecordsPage, fields: Iterable[numbers.FieldLike]) -> str:
    """The readable fields as columns (in the dataset's order), one line per record."""
    decimals = numbers.field_decimals(fields)
    return numbers.csv_text(
        ([row.get(name) for name in page.fields] for row in page.items),
        [decimals.get(name) for name in page.fields],
        header=page.fields,
    )
