"""Strict input types for API schemas and query parameters.

Pydantic's lax mode reads ``0`` (or ``"0"``) as the date 1970-01-01 and ``0``, ``1``, ``"yes"``
or ``"off"`` as booleans: a client's mistake (a count or a flag in the wrong field) became a
stored fact. These types take dates and date-times only as ISO 8601 text (or as the Python
objects that server-side callers pass), and booleans only as JSON ``true``/``false`` (bodies) or
``true``/``false`` text (query parameters, which are always text). Anything else is a 422
naming the field. HTML forms are parsed by the views and keep their own conventions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StrictBool, StringConstraints

from jingjinji.i18n import msg

__all__ = [
    "MAX_CURSOR",
    "TEXT_LIMIT",
    "Code",
    "Cursor",
    "IsoDate",
    "IsoDateTime",
    "QueryBool",
    "StrictBool",
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError(
        msg("a date is written YYYY-MM-DD (ISO 8601), not {value}", value=_shown(value))
    )


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        return value
    raise ValueError(
        msg(
            "a date and time is written YYYY-MM-DDTHH:MM[:SS][+08:00] (ISO 8601), not {value}",
            value=_shown(value),
        )
    )


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ValueError(msg("a flag is true or false, not {value}", value=_shown(value)))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


# ---------------------------------------------------------------- bounded text
# Every free-text input has a length limit: the column's for String(n) columns, and TEXT_LIMIT
# for Text columns and JSON values (a 1 MB "title" was stored whole and sent back to every
# reader). A longer value is a 422 naming the field.

#: The longest text stored in a Text column or a record's string value (characters).
TEXT_LIMIT = 10_000
#: Codes of jurisdictions, datasets, criteria, indicators, levels, statuses, event types.
Code = Annotated[str, StringConstraints(max_length=64)]
#: The longest pagination cursor taken (``jingjinji.pagination`` writes a few dozen characters).
MAX_CURSOR = 1000
#: A pagination cursor.
Cursor = Annotated[str, StringConstraints(max_length=MAX_CURSOR)]
