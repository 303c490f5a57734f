"""Credit risk scoring (credit/kernels/scoring.py, credit/data/scoring.json)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.credit.kernels import scoring
from jingjinji.credit.kernels.scoring import (
    SUPERVISION_FREQUENCY,
    RecordFact,
    ScoringConfig,
    default_config,
    load_config,
    score_subject,
)
from jingjinji.credit.models import RecordKind, RecordStatus

D = dt.date
AS_OF = D(2026, 12, 1)
CONFIG = default_config()


def penalty(
    day: dt.date,
    severity: str | None = "ordinary",
    status: str = "published",
    *,
    publicity_end: dt.date | None = None,
    objection_upheld: bool = False,
) -> RecordFact:
    return RecordFact("penalty", severity, day, status, publicity_end, objection_upheld)


def test_kinds_and_statuses_are_the_model_values() -> None:
    assert {scoring.PENALTY, scoring.LICENCE, scoring.RED_LIST, scoring.BLACK_LIST} <= set(
        RecordKind
    )
    assert {scoring.COURT_ENFORCEMENT, scoring.BROKEN_COMMITMENT} <= set(RecordKind)
    assert set(RecordStatus) >= scoring.NOT_COUNTED_STATUSES


def test_a_clean_subject_is_class_a() -> None:
    result = score_subject([], as_of=AS_OF, config=CONFIG)
    assert (result.score, result.risk_class, result.reasons) == (100.0, "A", ())
    licence = RecordFact("licence", None, D(2026, 1, 5), "published")
    assert score_subject([licence], as_of=AS_OF, config=CONFIG).score == 100.0


def test_penalties_by_severity_and_age() -> None:
    recent = score_subject([penalty(D(2026, 6, 1))], as_of=AS_OF, config=CONFIG)
    assert recent.score == 90.0 and recent.risk_class == "A"
    assert recent.reasons == ("ordinary penalty of 2026-06-01: -10.0 (age factor 1)",)
    serious = score_subject([penalty(D(2026, 6, 1), "serious")], as_of=AS_OF, config=CONFIG)
    assert serious.score == 70.0 and serious.risk_class == "C"
    # 13 months old: factor 0.6; 25 months: 0.3; 37 months: 0.
    assert (
        score_subject([penalty(D(2025, 11, 1), "serious")], as_of=AS_OF, config=CONFIG).score
        == 82.0
    )
    assert (
        score_subject([penalty(D(2024, 11, 1), "serious")], as_of=AS_OF, config=CONFIG).score
        == 91.0
    )
    assert (
        score_subject([penalty(D(2023, 11, 1), "serious")], as_of=AS_OF, config=CONFIG).score
        == 100.0
    )
    # The band changes on the anniversary, not before.
    assert CONFIG.age_factor(D(2025, 12, 2), AS_OF) == 1.0
    assert CONFIG.age_factor(D(2025, 12, 1), AS_OF) == 0.6
    # No severity counts as ordinary.
    assert score_subject([penalty(D(2026, 6, 1), None)], as_of=AS_OF, config=CONFIG).score == 90.0


def test_corrected_withdrawn_expired_and_future_records_do_not_count() -> None:
    for fact in (
        penalty(D(2026, 6, 1), "serious", status="corrected"),
        penalty(D(2026, 6, 1), "serious", status="withdrawn"),
        penalty(D(2026, 6, 1), "serious", publicity_end=D(2026, 12, 1)),
        penalty(D(2026, 12, 2), "serious"),
        # A corrected record never counts, even with an objection marked.
        penalty(D(2026, 6, 1), "serious", status="corrected", objection_upheld=True),
    ):
        assert score_subject([fact], as_of=AS_OF, config=CONFIG).score == 100.0, fact
    pending = penalty(D(2026, 6, 1), "serious", status="pending", publicity_end=D(2026, 12, 2))
    assert score_subject([pending], as_of=AS_OF, config=CONFIG).score == 70.0


def test_lists_commitments_court_and_objections() -> None:
    black = RecordFact("black_list", None, D(2026, 3, 1), "published")
    result = score_subject([black], as_of=AS_OF, config=CONFIG)
    # 50 points off would be class D anyway; a black-list entry forces D whatever the score.
    assert result.score == 50.0 and result.risk_class == "D"
    lenient = dataclasses.replace(CONFIG, black_list=0.0)
    forced = score_subject([black], as_of=AS_OF, config=lenient)
    assert forced.score == 100.0 and forced.risk_class == "D"
    assert forced.reasons[-1] == "on the black list: class D"
    broken = RecordFact("broken_commitment", None, D(2026, 3, 1), "published")
    court = RecordFact("court_enforcement", None, D(2026, 3, 1), "published")
    assert score_subject([broken], as_of=AS_OF, config=CONFIG).score == 85.0
    assert score_subject([court], as_of=AS_OF, config=CONFIG).score == 75.0
    assert score_subject([court], as_of=AS_OF, config=CONFIG).risk_class == "B"
    upheld = penalty(D(2026, 6, 1), objection_upheld=True)
    result = score_subject([upheld], as_of=AS_OF, config=CONFIG)
    assert result.score == 85.0 and result.risk_class == "B"
    assert "objection to the record of 2026-06-01 rejected: -5.0" in result.reasons
    red = RecordFact("red_list", None, D(2026, 3, 1), "published")
    assert score_subject([red], as_of=AS_OF, config=CONFIG).score == 100.0  # clamped
    assert score_subject([red, penalty(D(2026, 6, 1))], as_of=AS_OF, config=CONFIG).score == 95.0


@pytest.mark.parametrize(
    ("score", "risk_class"),
    [(100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (74.9, "C"), (60, "C"), (59.9, "D"), (0, "D")],
)
def test_class_thresholds(score: float, risk_class: str) -> None:
    assert CONFIG.class_for(score) == risk_class


def test_supervision_frequency_per_class() -> None:
    assert set(SUPERVISION_FREQUENCY) == {"A", "B", "C", "D"}
    shares = [CONFIG.supervision[c].random_inspection_share for c in "ABCD"]
    assert shares == sorted(shares) and shares[0] < shares[-1]
    assert SUPERVISION_FREQUENCY["D"].startswith("key supervision")
    assert all(CONFIG.supervision[c].zh for c in "ABCD")


def test_configuration_is_loaded_and_checked(tmp_path: Path) -> None:
    data = json.loads(scoring.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["penalty"]["serious"] = 45
    path = tmp_path / "scoring.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    custom = load_config(path)
    assert (
        score_subject([penalty(D(2026, 6, 1), "serious")], as_of=AS_OF, config=custom).score == 55.0
    )
    assert load_config() is CONFIG
    for broken, message in (
        ({**data, "black_list": -1}, ">= 0"),
        ({**data, "thresholds": {"A": 60, "B": 75, "C": 90}}, "A >= B >= C"),
        ({**data, "thresholds": {"A": 90, "B": 75}}, "A, B and C"),
        ({**data, "black_list_class": "E"}, "black_list_class"),
        ({k: v for k, v in data.items() if k != "base"}, "'base'"),
        (
            {
                **data,
                "age_bands": [
                    {"under_months": 12, "factor": 0.5},
                    {"under_months": 24, "factor": 1.0},
                ],
            },
            "grow",
        ),
    ):
        with pytest.raises(ValueError, match=message):
            ScoringConfig.from_dict(broken)


_KINDS = st.sampled_from(
    ["penalty", "licence", "red_list", "black_list", "court_enforcement", "broken_commitment"]
)
_FACTS = st.builds(
    RecordFact,
    kind=_KINDS,
    severity=st.sampled_from([None, "ordinary", "serious"]),
    decision_date=st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 6, 30)),
    status=st.sampled_from(["pending", "published", "withdrawn", "corrected"]),
    publicity_end=st.none() | st.dates(min_value=D(2021, 1, 1), max_value=D(2030, 1, 1)),
    objection_upheld=st.booleans(),
)


@given(facts=st.lists(_FACTS, max_size=8), extra=_FACTS)
def test_adding_a_penalty_never_improves_the_class(
    facts: list[RecordFact], extra: RecordFact
) -> None:
    extra = dataclasses.replace(extra, kind="penalty")
    before = score_subject(facts, as_of=AS_OF, config=CONFIG)
    after = score_subject([*facts, extra], as_of=AS_OF, config=CONFIG)
    assert after.score <= before.score
    assert "ABCD".index(after.risk_class) >= "ABCD".index(before.risk_class)
    # A counted penalty with a non-zero age factor lowers the score, unless it is 0 already or
    # a red-list bonus above the 100-point ceiling absorbs it (the score is clamped).
    red = any(f.kind == "red_list" and scoring.counts(f, AS_OF) for f in facts)
    if scoring.counts(extra, AS_OF) and extra.decision_date > D(2024, 1, 1) and not red:
        assert after.score < before.score or before.score == 0


@given(facts=st.lists(_FACTS, max_size=8), extra=_FACTS)
def test_only_red_list_entries_can_raise_the_score(
    facts: list[RecordFact], extra: RecordFact
) -> None:
    before = score_subject(facts, as_of=AS_OF, config=CONFIG)
    after = score_subject([*facts, extra], as_of=AS_OF, config=CONFIG)
    if extra.kind != "red_list":
        assert after.score <= before.score
        assert "ABCD".index(after.risk_class) >= "ABCD".index(before.risk_class)
    assert 0 <= after.score <= CONFIG.base


@given(facts=st.lists(_FACTS, max_size=8))
def test_order_does_not_matter(
    facts: list[RecordFact],
) -> None:
    forward = score_subject(facts, as_of=AS_OF, config=CONFIG)
    backward = score_subject(list(reversed(facts)), as_of=AS_OF, config=CONFIG)
    assert forward == backward
