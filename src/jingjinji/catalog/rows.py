"""Checking record rows against a dataset's fields (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from jingjinji.errors import field_error
from jingjinji.i18n import msg
from jingjinji.inputs import TEXT_LIMIT

# Integer values are signed 64-bit: what both databases compare and filter on exactly.
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1


def value_problem(field_type: str, value: Any) -> str | None:
    """Why ``value`` is not a valid value of ``field_type`` (None if it is; null is valid)."""
    if value is None:
        return None
    if field_type == "string":
        return _string_problem(value)
    if field_type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if MIN_INTEGER <= value <= MAX_INTEGER:
                return None
            return "expected an integer within the signed 64-bit range"
        return f"expected an integer, got {_kind(value)}"
    if field_type == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None if math.isfinite(value) else "expected a finite number"
        return f"expected a number, got {_kind(value)}"
    if field_type == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, got {_kind(value)}"
    if field_type == "date":
        if isinstance(value, str) and len(value) == 10:
            try:
                dt.date.fromisoformat(value)
                return None
            except ValueError:
                pass
        return f"expected an ISO date (YYYY-MM-DD), got {_show(value)}"
    if field_type == "datetime":
        if isinstance(value, str) and len(value) > 10:
            try:
                dt.datetime.fromisoformat(value)
                return None
            except ValueError:
                pass
        return f"expected an ISO 8601 date and time, got {_show(value)}"
    return f"unknown field type {field_type!r}"


def _string_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {_kind(value)}"
    if len(value) > TEXT_LIMIT:
        return f"expected at most {TEXT_LIMIT} characters, got {len(value)}"
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {_show(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def row_errors(
    field_types: Mapping[str, str], rows: Sequence[Any], *, loc_prefix: Sequence[str | int] = ()
) -> list[dict[str, Any]]:
    """Every problem of every row: unknown fields and values of the wrong type."""
    errors: list[dict[str, Any]] = []
    prefix = list(loc_prefix)
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors.append(field_error([*prefix, index], msg("a row is a JSON object"), row=index))
            continue
        for name, value in row.items():
            if name not in field_types:
                errors.append(
                    field_error([*prefix, index, name], msg("unknown field"), row=index, field=name)
                )
                continue
            problem = value_problem(field_types[name], value)
            if problem is not None:
                errors.append(field_error([*prefix, index, name], problem, row=index, field=name))
    return errors
