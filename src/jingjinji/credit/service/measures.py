"""Joint measures of the red and black lists (``credit/data/measures.json``).

A list entry (a ``credit_records`` row of kind red_list / black_list) names the measures that
follow from it in its ``measures`` column (codes from the file); an entry without any gets the
defaults of its kind (every measure of that colour). A court enforcement record of a subject
listed as untrustworthy by a court carries the high-consumption restriction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

MeasureKind = Literal["red", "black"]


@dataclass(frozen=True, slots=True)
class Measure:
    code: str
    name_zh: str
    name_en: str
    kind: MeasureKind
    purposes: tuple[str, ...]

    def applies_to(self, purpose: str | None) -> bool:
        """Whether the measure matters for a joint check of this purpose (None: any)."""
        return purpose is None or purpose in self.purposes

    def name(self, language: str) -> str:
        return self.name_zh if language.lower().startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class MeasureCatalogue:
    measures: dict[str, Measure]
    purposes: dict[str, Purpose]


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"measures.json: {what} must be a non-empty string")
    return value


@cache
def catalogue() -> MeasureCatalogue:
    """The measures and purposes from the data file (read once)."""
    raw = json.loads(
        resources.files("jingjinji.credit").joinpath("data", "measures.json").read_text("utf-8")
    )
    purposes = {
        code: Purpose(
            code=code, name_zh=_text(p["name_zh"], code), name_en=_text(p["name_en"], code)
        )
        for code, p in raw["purposes"].items()
    }
    measures: dict[str, Measure] = {}
    for item in raw["measures"]:
        code = _text(item["code"], "code")
        kind = item["kind"]
        if kind not in ("red", "black"):
            raise ValueError(f"measures.json: {code}: kind must be red or black")
        unknown = [p for p in item["purposes"] if p not in purposes]
        if unknown:
            raise ValueError(f"measures.json: {code}: unknown purposes {unknown}")
        if code in measures:
            raise ValueError(f"measures.json: duplicate code {code}")
        measures[code] = Measure(
            code=code,
            name_zh=_text(item["name_zh"], f"{code}.name_zh"),
            name_en=_text(item["name_en"], f"{code}.name_en"),
            kind=kind,
            purposes=tuple(item["purposes"]),
        )
    return MeasureCatalogue(measures=measures, purposes=purposes)


def all_measures() -> list[Measure]:
    return list(catalogue().measures.values())


def purposes() -> dict[str, Purpose]:
    return dict(catalogue().purposes)


def is_measure(code: str) -> bool:
    return code in catalogue().measures


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """The codes that are not measures (for input validation by the record writers)."""
    known = catalogue().measures
    return [c for c in codes if c not in known]


def measures_for(codes: Iterable[str]) -> list[Measure]:
    """The measures of these codes, in the file's order, each once; unknown codes are skipped
    (validate input with ``unknown_codes``)."""
    wanted = set(codes)
    return [m for m in catalogue().measures.values() if m.code in wanted]


def default_codes(record_kind: str) -> list[str]:
    """The measures an entry of this record kind carries when it names none: every measure of
    its colour for list entries, the high-consumption restriction for court enforcement."""
    if record_kind == "black_list":
        return [m.code for m in catalogue().measures.values() if m.kind == "black"]
    if record_kind == "red_list":
        return [m.code for m in catalogue().measures.values() if m.kind == "red"]
    if record_kind == "court_enforcement":
        return ["B05_HIGH_CONSUMPTION"]
    return []


def measures_of_record(record_kind: str, codes: Iterable[str]) -> list[Measure]:
    """The measures a record carries: its own codes, or its kind's defaults when it names none."""
    own = list(codes)
    return measures_for(own if own else default_codes(record_kind))
