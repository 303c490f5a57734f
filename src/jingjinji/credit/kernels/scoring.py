"""Credit risk classes A/B/C/D from a documented, configurable scoring (pure; docs/credit.md).

A subject starts at ``base`` points (100). Each counted record changes the score:

- a penalty deducts ``penalty[severity]`` (a missing severity counts as ordinary) times the age
  factor of its decision date (``age_bands``: 1.0 in the first year, then less);
- a black-list entry deducts ``black_list`` and puts the subject in ``black_list_class`` (D)
  whatever the score; a court enforcement record deducts ``court_enforcement``; a broken
  commitment deducts ``broken_commitment`` (all weighted by age like penalties);
- an objection the source agency rejected (the record was upheld) deducts ``objection_upheld``
  more on that record;
- a red-list entry adds ``red_list_bonus``; licences do not count.

A record counts while it is in force on ``as_of``: decided on or before it, not corrected after
an objection (a corrected record never counts), not withdrawn (publicity over, credit repair
approved, list exit) and not past its ``publicity_end``. The score is clamped to ``0 .. base``
and the class is the first of A, B, C whose threshold the score reaches, else D.

Weights must be non-negative, so that adding a negative record never improves the class.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "scoring.json"
CLASSES = ("A", "B", "C", "D")

# Record kinds and statuses (values of jingjinji.credit.models.RecordKind / RecordStatus).
PENALTY = "penalty"
LICENCE = "licence"
RED_LIST = "red_list"
BLACK_LIST = "black_list"
COURT_ENFORCEMENT = "court_enforcement"
BROKEN_COMMITMENT = "broken_commitment"
NOT_COUNTED_STATUSES = frozenset({"corrected", "withdrawn"})


@dataclass(frozen=True)
class RecordFact:
    """What scoring needs to know about one record."""

    kind: str
    severity: str | None
    decision_date: dt.date
    status: str
    publicity_end: dt.date | None = None
    objection_upheld: bool = False


@dataclass(frozen=True)
class AgeBand:
    under_months: int
    factor: float


@dataclass(frozen=True)
class Supervision:
    random_inspection_share: float
    en: str
    zh: str


@dataclass(frozen=True)
class ScoringConfig:
    base: float
    penalty: Mapping[str, float]
    age_bands: tuple[AgeBand, ...]
    older_factor: float
    black_list: float
    court_enforcement: float
    broken_commitment: float
    objection_upheld: float
    red_list_bonus: float
    thresholds: Mapping[str, float]  # A, B, C minimum scores
    black_list_class: str
    supervision: Mapping[str, Supervision]

    def __post_init__(self) -> None:
        weights = [
            *self.penalty.values(),
            self.black_list,
            self.court_enforcement,
            self.broken_commitment,
            self.objection_upheld,
            self.red_list_bonus,
            self.older_factor,
            *(b.factor for b in self.age_bands),
        ]
        if any(w < 0 for w in weights):
            raise ValueError("scoring weights and factors must be >= 0")
        if set(self.thresholds) != {"A", "B", "C"}:
            raise ValueError("thresholds for A, B and C expected")
        a, b, c = (self.thresholds[k] for k in ("A", "B", "C"))
        if not self.base >= a >= b >= c:
            raise ValueError("thresholds must satisfy base >= A >= B >= C")
        if self.black_list_class not in CLASSES:
            raise ValueError(f"black_list_class must be one of {CLASSES}")
        if set(self.supervision) != set(CLASSES):
            raise ValueError("a supervision entry for each of A, B, C, D expected")
        months = [band.under_months for band in self.age_bands]
        if months != sorted(months):
            raise ValueError("age bands must be in increasing order")
        factors = [band.factor for band in self.age_bands] + [self.older_factor]
        if factors != sorted(factors, reverse=True):
            raise ValueError("age factors must not grow with age")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringConfig:
        try:
            return cls(
                base=float(data["base"]),
                penalty={str(k): float(v) for k, v in data["penalty"].items()},
                age_bands=tuple(
                    AgeBand(int(b["under_months"]), float(b["factor"])) for b in data["age_bands"]
                ),
                older_factor=float(data["older_factor"]),
                black_list=float(data["black_list"]),
                court_enforcement=float(data["court_enforcement"]),
                broken_commitment=float(data["broken_commitment"]),
                objection_upheld=float(data["objection_upheld"]),
                red_list_bonus=float(data["red_list_bonus"]),
                thresholds={str(k): float(v) for k, v in data["thresholds"].items()},
                black_list_class=str(data["black_list_class"]),
                supervision={
                    str(k): Supervision(
                        float(v["random_inspection_share"]), str(v["en"]), str(v["zh"])
                    )
                    for k, v in data["supervision"].items()
                },
            )
        except KeyError as exc:
            raise ValueError(f"scoring configuration lacks {exc.args[0]!r}") from exc

    def age_factor(self, decided: dt.date, as_of: dt.date) -> float:
        months = (as_of.year - decided.year) * 12 + as_of.month - decided.month
        if as_of.day < decided.day:
            months -= 1
        for band in self.age_bands:
            if months < band.under_months:
                return band.factor
        return self.older_factor

    def class_for(self, score: float) -> str:
        for name in ("A", "B", "C"):
            if score >= self.thresholds[name]:
                return name
        return "D"


def load_config(path: Path | None = None) -> ScoringConfig:
    """The configuration in ``path`` (default: ``credit/data/scoring.json``)."""
    if path is None:
        return default_config()
    return ScoringConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_config() -> ScoringConfig:
    return ScoringConfig.from_dict(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))


SUPERVISION_FREQUENCY: dict[str, str] = {k: v.en for k, v in default_config().supervision.items()}


@dataclass(frozen=True)
class RiskScore:
    score: float
    risk_class: str
    reasons: tuple[str, ...]


def counts(fact: RecordFact, as_of: dt.date) -> bool:
    """Whether a record is in force on ``as_of`` (see the module documentation)."""
    if fact.status in NOT_COUNTED_STATUSES or fact.decision_date > as_of:
        return False
    return fact.publicity_end is None or as_of < fact.publicity_end


def _order(fact: RecordFact) -> tuple[dt.date, str, str, str, dt.date, bool]:
    """A total order, so that the reasons do not depend on the order of the records given."""
    return (
        fact.decision_date,
        fact.kind,
        fact.severity or "",
        fact.status,
        fact.publicity_end or dt.date.min,
        fact.objection_upheld,
    )


def _fmt(points: float) -> str:
    return f"{points:+.1f}"


def score_subject(
    facts: Sequence[RecordFact], *, as_of: dt.date, config: ScoringConfig
) -> RiskScore:
    """The subject's score and class on ``as_of``; ``reasons`` explain each change (English)."""
    score = config.base
    reasons: list[str] = []
    black_listed = False
    for fact in sorted(facts, key=_order):
        if not counts(fact, as_of) or fact.kind == LICENCE:
            continue
        day = fact.decision_date.isoformat()
        factor = config.age_factor(fact.decision_date, as_of)
        if fact.kind == RED_LIST:
            score += config.red_list_bonus
            reasons.append(f"red-list entry of {day}: {_fmt(config.red_list_bonus)}")
            continue
        if fact.kind == PENALTY:
            severity = fact.severity or "ordinary"
            weight = config.penalty.get(severity, config.penalty.get("ordinary", 0.0))
            label = f"{severity} penalty of {day}"
        elif fact.kind == BLACK_LIST:
            black_listed = True
            weight = config.black_list
            label = f"black-list entry of {day}"
        elif fact.kind == COURT_ENFORCEMENT:
            weight = config.court_enforcement
            label = f"court enforcement record of {day}"
        elif fact.kind == BROKEN_COMMITMENT:
            weight = config.broken_commitment
            label = f"broken commitment of {day}"
        else:
            continue
        points = weight * factor
        if points:
            score -= points
            reasons.append(f"{label}: {_fmt(-points)} (age factor {factor:g})")
        if fact.objection_upheld and config.objection_upheld:
            score -= config.objection_upheld
            reasons.append(
                f"objection to the record of {day} rejected: {_fmt(-config.objection_upheld)}"
            )
    score = round(min(max(score, 0.0), config.base), 2)
    risk_class = config.class_for(score)
    if black_listed and CLASSES.index(config.black_list_class) > CLASSES.index(risk_class):
        risk_class = config.black_list_class
        reasons.append(f"on the black list: class {risk_class}")
    return RiskScore(score=score, risk_class=risk_class, reasons=tuple(reasons))
