"""A page of catalog records as CSV for people: each number rounded to its field's precision
(``jingjinji.numbers``); the JSON records keep full precision."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from jingjinji import numbers
from jingjinji.catalog.schemas import RecordsPage

MEDIA_TYPE = "text/csv; charset=utf-8"


def records_csv(page: RecordsPage, fields: Iterable[numbers.FieldLike]) -> str:
    """The readable fields as columns (in the dataset's order), one line per record."""
    decimals = numbers.field_decimals(fields)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=page.fields, lineterminator="\r\n")
    writer.writeheader()
    for row in page.items:
        writer.writerow(numbers.row_text({name: row.get(name) for name in page.fields}, decimals))
    return buffer.getvalue()
