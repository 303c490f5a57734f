"""Validation rules as data: the shipped rule set (``data/rules.json``) and a pure evaluator.

A rule set is JSON: ``{"rules": [{...}, ...]}``. Every rule has ``id``, ``kind``, ``severity``
(``error``: a value breaking it is rejected on entry; ``warning``: it is stored with a flag) and
``description``. Kinds:

- ``range``: ``min`` and/or ``max``; applies to the indicators listed in ``indicators``, or to
  every indicator whose unit is one of ``units`` (or to all indicators when neither is given).
- ``part_of_whole``: ``part`` <= ``whole`` (indicator codes) for the same jurisdiction and period.
- ``yoy_consistency``: ``change`` (a year-on-year change indicator, in percent) must equal the
  change implied by ``level`` in the period and the same period a year earlier, within
  ``tolerance_pp`` percentage points.
- ``max_change``: a value more than ``max_ratio`` times (or less than 1/``max_ratio`` of) the
  previous period's value is suspicious (positive values only); selected by ``indicators``
  and/or ``units`` like ``range``.

The evaluator works on plain mappings so that it is easy to test and is the same for entry-time
checks, ``jjj progress validate`` and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from jingjinji import problems
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.progress import kernels

Severity = Literal["error", "warning"]
# (indicator code, jurisdiction code, period string)
Key = tuple[str, str, str]


class _RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=80)
    severity: Severity = "warning"
    description: str = ""


class RangeRule(_RuleBase):
    kind: Literal["range"]
    indicators: list[str] | None = None
    units: list[str] | None = None
    min: float | None = None
    max: float | None = None


class PartOfWholeRule(_RuleBase):
    kind: Literal["part_of_whole"]
    part: str
    whole: str


class YoyConsistencyRule(_RuleBase):
    kind: Literal["yoy_consistency"]
    change: str
    level: str
    tolerance_pp: float = Field(default=0.5, ge=0)


class MaxChangeRule(_RuleBase):
    kind: Literal["max_change"]
    indicators: list[str] | None = None
    units: list[str] | None = None
    max_ratio: float = Field(gt=1)


Rule = Annotated[
    RangeRule | PartOfWholeRule | YoyConsistencyRule | MaxChangeRule, Field(discriminator="kind")
]


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]


_RULESET = TypeAdapter(RuleSet)


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    unit: str
    period_type: str


@dataclass(frozen=True)
class Violation:
    rule_id: str
    kind: str
    severity: str
    indicator_code: str
    jurisdiction_code: str
    period: str
    message: str
    keys: tuple[Key, ...]

    def as_dict(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "severity": self.severity,
            "indicator_code": self.indicator_code,
            "jurisdiction_code": self.jurisdiction_code,
            "period": self.period,
            "message": self.message,
        }


def parse_ruleset(text: str, *, source: str = "rule set") -> RuleSet:
    try:
        ruleset = _RULESET.validate_json(text)
    except ValidationError as exc:
        errors = [
            field_error(["rules", *[str(p) for p in e["loc"]]], problems.error_message(e))
            for e in exc.errors()
        ]
        raise InvalidInput(
            msg("{source} is not a valid rule set", source=source), errors=errors
        ) from exc
    ids = [r.id for r in ruleset.rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InvalidInput(
            msg("{source} repeats rule ids {dupes}", source=source, dupes=dupes),
            errors=[field_error(["rules", "id"], msg("duplicate id {d}", d=d)) for d in dupes],
        )
    return ruleset


def shipped_ruleset() -> RuleSet:
    text = resources.files("jingjinji.progress").joinpath("data", "rules.json").read_text("utf-8")
    return parse_ruleset(text, source="data/rules.json")


def load_ruleset(path: Path | None) -> RuleSet:
    if path is None:
        return shipped_ruleset()
    return parse_ruleset(path.read_text("utf-8"), source=str(path))


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _applies(rule: RangeRule | MaxChangeRule, info: IndicatorInfo) -> bool:
    if rule.indicators is not None and info.code not in rule.indicators:
        return False
    return rule.units is None or info.unit in rule.units


@dataclass(frozen=True)
class _Finding:
    """A breach of one rule: the value it concerns, why, and the other values involved."""

    key: Key
    message: str
    others: tuple[Key, ...] = ()


@dataclass
class _Values:
    """What the checks of every kind read: the values, the indicators, parsed periods."""

    values: Mapping[Key, float]
    indicators: Mapping[str, IndicatorInfo]
    periods: dict[str, kernels.Period | None] = field(default_factory=dict)

    def period_of(self, text: str) -> kernels.Period | None:
        """The period a key names (None if it is not a valid period string)."""
        if text not in self.periods:
            try:
                self.periods[text] = kernels.parse_period(text)
            except kernels.PeriodError:
                return None
        return self.periods[text]


def _range_findings(rule: RangeRule, data: _Values) -> Iterator[_Finding]:
    for key, value in data.values.items():
        info = data.indicators.get(key[0])
        if info is None or not _applies(rule, info):
            continue
        if rule.min is not None and value < rule.min:
            yield _Finding(
                key,
                f"{_fmt(value)} {info.unit} is below the minimum "
                f"{_fmt(rule.min)} ({rule.description or rule.id})",
            )
        if rule.max is not None and value > rule.max:
            yield _Finding(
                key,
                f"{_fmt(value)} {info.unit} is above the maximum "
                f"{_fmt(rule.max)} ({rule.description or rule.id})",
            )


def _part_of_whole_findings(rule: PartOfWholeRule, data: _Values) -> Iterator[_Finding]:
    for key, value in data.values.items():
        if key[0] != rule.part:
            continue
        whole_key = (rule.whole, key[1], key[2])
        whole = data.values.get(whole_key)
        if whole is not None and value > whole:
            yield _Finding(
                key,
                f"{rule.part} = {_fmt(value)} exceeds {rule.whole} = {_fmt(whole)}, "
                "of which it is a part",
                (whole_key,),
            )


def _yoy_consistency_findings(rule: YoyConsistencyRule, data: _Values) -> Iterator[_Finding]:
    for key, stated in data.values.items():
        if key[0] != rule.change:
            continue
        period = data.period_of(key[2])
        if period is None:
            continue
        now_key = (rule.level, key[1], key[2])
        before_key = (rule.level, key[1], str(period.year_before()))
        now, before = data.values.get(now_key), data.values.get(before_key)
        if now is None or before is None:
            continue
        implied = kernels.yoy_percent(before, now)
        if implied is not None and abs(implied - stated) > rule.tolerance_pp:
            yield _Finding(
                key,
                f"stated change {_fmt(stated)} % but {rule.level} went from "
                f"{_fmt(before)} ({before_key[2]}) to {_fmt(now)} ({key[2]}), a change "
                f"of {implied:.2f} % (tolerance {_fmt(rule.tolerance_pp)} points)",
                (now_key, before_key),
            )


def _max_change_findings(rule: MaxChangeRule, data: _Values) -> Iterator[_Finding]:
    for key, value in data.values.items():
        info = data.indicators.get(key[0])
        if info is None or not _applies(rule, info) or value <= 0:
            continue
        period = data.period_of(key[2])
        if period is None:
            continue
        prev_key = (key[0], key[1], str(period.previous()))
        prev = data.values.get(prev_key)
        if prev is None or prev <= 0:
            continue
        ratio = value / prev
        if ratio > rule.max_ratio or ratio < 1 / rule.max_ratio:
            yield _Finding(
                key,
                f"{_fmt(value)} is {ratio:.2f} times the previous period's "
                f"{_fmt(prev)} (allowed factor {_fmt(rule.max_ratio)})",
                (prev_key,),
            )


def _findings(rule: Rule, data: _Values) -> Iterator[_Finding]:
    """The breaches of one rule, by its kind."""
    match rule:
        case RangeRule():
            return _range_findings(rule, data)
        case PartOfWholeRule():
            return _part_of_whole_findings(rule, data)
        case YoyConsistencyRule():
            return _yoy_consistency_findings(rule, data)
        case MaxChangeRule():
            return _max_change_findings(rule, data)


def evaluate(
    ruleset: RuleSet,
    values: Mapping[Key, float],
    indicators: Mapping[str, IndicatorInfo],
    *,
    scope: Iterable[Key] | None = None,
) -> list[Violation]:
    """Every violation among ``values``; with ``scope``, only those involving a scoped key."""
    scoped = set(scope) if scope is not None else None
    data = _Values(values, indicators)
    out: list[Violation] = []
    for rule in ruleset.rules:
        for found in _findings(rule, data):
            involved = (found.key, *found.others)
            if scoped is not None and not any(k in scoped for k in involved):
                continue
            out.append(
                Violation(rule.id, rule.kind, rule.severity, *found.key, found.message, involved)
            )
    out.sort(key=lambda v: (v.indicator_code, v.jurisdiction_code, v.period, v.rule_id))
    return out
