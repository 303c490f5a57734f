"""Record sources: datasets whose rows live in another domain's tables.

Such a domain registers a reader for a dataset code prefix (air registers ``AIR-``); the catalog
still decides who reads which fields.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy.orm import Session

from jingjinji import i18n, labels
from jingjinji.errors import NotFound
from jingjinji.i18n import msg


class RecordReader(Protocol):
    """Reads rows of datasets whose data lives in another domain's tables."""

    def __call__(
        self,
        session: Session,
        *,
        dataset_code: str,
        filters: dict[str, str],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]: ...


class ScopedRecordReader(Protocol):
    """A reader that honours row scopes: it returns only rows lying in one of ``row_scopes``
    (each a mapping field -> accepted values, compared as text), paging over those alone."""

    def __call__(
        self,
        session: Session,
        *,
        dataset_code: str,
        filters: dict[str, str],
        cursor: str | None,
        limit: int,
        row_scopes: tuple[Mapping[str, Sequence[str]], ...] | None,
    ) -> tuple[list[dict[str, Any]], str | None]: ...


_record_sources: dict[str, RecordReader | ScopedRecordReader] = {}
_scoped_prefixes: set[str] = set()


def register_record_source(
    dataset_code_prefix: str,
    reader: RecordReader | ScopedRecordReader,
    *,
    honours_row_scopes: bool = False,
) -> None:
    """Serve the records of every dataset whose code starts with the prefix from ``reader``.

    The catalog still decides who reads which fields: it passes only filters on fields the
    reader may see and drops withheld fields from the rows the reader returns. The longest
    matching prefix wins. Records of such datasets cannot be written through the catalog.
    A reader that ``honours_row_scopes`` (a ``ScopedRecordReader``) is given the rows a scoped
    grant covers as ``row_scopes``; the catalog drops any row outside them in any case.
    """
    if not dataset_code_prefix:
        raise ValueError("a record source needs a non-empty dataset code prefix")
    _record_sources[dataset_code_prefix] = reader
    if honours_row_scopes:
        _scoped_prefixes.add(dataset_code_prefix)
    else:
        _scoped_prefixes.discard(dataset_code_prefix)


def read_source(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
    row_scopes: tuple[Mapping[str, Sequence[str]], ...] | None,
) -> tuple[list[dict[str, Any]], str | None] | None:
    """One page of the registered source of ``dataset_code`` (None: the dataset has none).

    A reader that does not honour row scopes pages over every row; the caller drops those
    outside the scopes, so such a page may hold fewer rows than ``limit``."""
    matches = [p for p in _record_sources if dataset_code.startswith(p)]
    if not matches:
        return None
    prefix = max(matches, key=len)
    reader = _record_sources[prefix]
    if prefix in _scoped_prefixes:
        return cast(ScopedRecordReader, reader)(
            session,
            dataset_code=dataset_code,
            filters=filters,
            cursor=cursor,
            limit=limit,
            row_scopes=row_scopes,
        )
    return cast(RecordReader, reader)(
        session, dataset_code=dataset_code, filters=filters, cursor=cursor, limit=limit
    )


def record_source_for(dataset_code: str) -> RecordReader | ScopedRecordReader | None:
    matches = [p for p in _record_sources if dataset_code.startswith(p)]
    if not matches:
        return None
    return _record_sources[max(matches, key=len)]


@dataclass(frozen=True)
class ValueLabels:
    """A field whose values are an enumeration: the dataset page shows each value by its label
    of ``kind`` (``jingjinji.labels``) in the reader's language; ``separator`` splits a cell
    that holds several (``measured;synthetic``). Rows keep their values (API, downloads)."""

    kind: str
    separator: str | None = None

    def shown(self, lang: str, value: object) -> object:
        """The value as the page shows it (a value that is no text as it is)."""
        if not isinstance(value, str):
            return value
        if self.separator is None:
            return labels.label(lang, self.kind, value)
        parts = [p.strip() for p in value.split(self.separator) if p.strip()]
        joiner = i18n.gettext_for(lang, i18n.LIST_SEPARATOR)
        return joiner.join(labels.label(lang, self.kind, p) for p in parts)


_value_labels: dict[str, dict[str, ValueLabels]] = {}


def register_value_labels(dataset_code_prefix: str, fields: Mapping[str, ValueLabels]) -> None:
    """Show the enumerations of the datasets whose code starts with the prefix (a whole code
    does too) by their labels: ``fields`` maps a field to its values' labels. Identifiers, names
    and numbers are left out (shown as they are); a longer prefix wins for a field both name."""
    if not dataset_code_prefix:
        raise ValueError("value labels need a non-empty dataset code prefix")
    _value_labels.setdefault(dataset_code_prefix, {}).update(fields)


def value_labels_for(dataset_code: str) -> dict[str, ValueLabels]:
    """The fields of ``dataset_code`` shown by their values' labels."""
    found: dict[str, ValueLabels] = {}
    for prefix in sorted((p for p in _value_labels if dataset_code.startswith(p)), key=len):
        found.update(_value_labels[prefix])
    return found


def provincial_code(prefix: str, province_code: str, kind: str) -> str:
    """The code of a domain's dataset for one province: ``AIR-`` ``110000`` ``AQI-DAILY`` ->
    ``AIR-110000-AQI-DAILY`` (the record sources' naming)."""
    return f"{prefix}{province_code}-{kind}"


def split_provincial_code(
    code: str, *, prefix: str, provinces: Container[str], kinds: Container[str], what: str
) -> tuple[str, str]:
    """``WATER-130000-SECTION-MONTHLY`` -> (``130000``, ``SECTION-MONTHLY``); a 404 naming
    ``what`` (e.g. "water dataset") for a code of another shape, province or kind."""
    rest = code[len(prefix) :] if code.startswith(prefix) else ""
    province, _, kind = rest.partition("-")
    if province not in provinces or kind not in kinds:
        raise NotFound(msg("no {what} with code {code}", what=what, code=repr(code)))
    return province, kind
