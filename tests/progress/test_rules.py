"""Validation rules as data: parsing the rule set and evaluating each kind."""

from __future__ import annotations

import json

import pytest

from jingjinji.errors import InvalidInput
from jingjinji.progress import rules
from jingjinji.progress.demo import demo_data

INFOS = {
    "share": rules.IndicatorInfo("share", "%", "year"),
    "count": rules.IndicatorInfo("count", "count", "year"),
    "part": rules.IndicatorInfo("part", "count", "year"),
    "whole": rules.IndicatorInfo("whole", "count", "year"),
    "level": rules.IndicatorInfo("level", "million t", "year"),
    "growth": rules.IndicatorInfo("growth", "% yoy", "year"),
    "q": rules.IndicatorInfo("q", "count", "quarter"),
}


def ruleset(*items: dict[str, object]) -> rules.RuleSet:
    return rules.parse_ruleset(json.dumps({"rules": list(items)}))


def test_range_by_unit_flags_values_outside() -> None:
    rs = ruleset(
        {"id": "share", "kind": "range", "severity": "error", "units": ["%"], "min": 0, "max": 100}
    )
    values = {
        ("share", "120116", "2021"): 101.0,
        ("share", "120116", "2020"): 25.2,
        ("share", "110000", "2021"): -0.1,
        ("count", "120116", "2021"): 500.0,
    }
    found = rules.evaluate(rs, values, INFOS)
    assert [(v.indicator_code, v.jurisdiction_code, v.period) for v in found] == [
        ("share", "110000", "2021"),
        ("share", "120116", "2021"),
    ]
    assert "below the minimum 0" in found[0].message
    assert "above the maximum 100" in found[1].message
    assert {v.severity for v in found} == {"error"}


def test_range_by_indicator_list() -> None:
    rs = ruleset({"id": "c", "kind": "range", "indicators": ["count"], "max": 10})
    found = rules.evaluate(rs, {("count", "x", "2021"): 11.0, ("part", "x", "2021"): 99.0}, INFOS)
    assert [v.indicator_code for v in found] == ["count"]
    assert found[0].severity == "warning"  # the default severity


def test_part_of_whole() -> None:
    rs = ruleset({"id": "pw", "kind": "part_of_whole", "part": "part", "whole": "whole"})
    values = {
        ("part", "a", "2021"): 1472.0,
        ("whole", "a", "2021"): 2367.0,
        ("part", "b", "2021"): 30.0,
        ("whole", "b", "2021"): 20.0,
        ("part", "c", "2021"): 5.0,
    }  # no whole: nothing to compare
    found = rules.evaluate(rs, values, INFOS)
    assert [(v.jurisdiction_code, v.rule_id) for v in found] == [("b", "pw")]
    assert "exceeds whole = 20" in found[0].message


def test_yoy_consistency_within_tolerance() -> None:
    rs = ruleset(
        {
            "id": "y",
            "kind": "yoy_consistency",
            "change": "growth",
            "level": "level",
            "tolerance_pp": 0.1,
        }
    )
    ok = {
        ("level", "t", "2021"): 50.47,
        ("level", "t", "2020"): 28.94,
        ("growth", "t", "2021"): 74.4,
    }
    assert rules.evaluate(rs, ok, INFOS) == []
    bad = dict(ok)
    bad[("growth", "t", "2021")] = 70.0
    found = rules.evaluate(rs, bad, INFOS)
    assert len(found) == 1 and "74.40 %" in found[0].message
    assert set(found[0].keys) == {
        ("growth", "t", "2021"),
        ("level", "t", "2021"),
        ("level", "t", "2020"),
    }
    missing_level = {("growth", "t", "2021"): 70.0, ("level", "t", "2021"): 50.0}
    assert rules.evaluate(rs, missing_level, INFOS) == []


def test_max_change_uses_the_previous_period() -> None:
    rs = ruleset({"id": "m", "kind": "max_change", "max_ratio": 10})
    values = {("q", "a", "2021Q1"): 10.0, ("q", "a", "2021Q2"): 150.0, ("q", "a", "2021Q4"): 1.0}
    found = rules.evaluate(rs, values, INFOS)
    assert [(v.period, v.rule_id) for v in found] == [("2021Q2", "m")]


def test_scope_keeps_violations_that_involve_new_values() -> None:
    rs = ruleset({"id": "pw", "kind": "part_of_whole", "part": "part", "whole": "whole"})
    values = {
        ("part", "a", "2021"): 3.0,
        ("whole", "a", "2021"): 2.0,
        ("part", "b", "2021"): 3.0,
        ("whole", "b", "2021"): 2.0,
    }
    found = rules.evaluate(rs, values, INFOS, scope=[("whole", "b", "2021")])
    assert [v.jurisdiction_code for v in found] == ["b"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"rules": [{"id": "x", "kind": "nope"}]}', "not a valid rule set"),
        ('{"rules": [{"id": "x", "kind": "range", "min": "low"}]}', "not a valid rule set"),
        (
            '{"rules": [{"id": "x", "kind": "max_change", "max_ratio": 0.5}]}',
            "not a valid rule set",
        ),
        (
            '{"rules": [{"id": "x", "kind": "range"}, {"id": "x", "kind": "range"}]}',
            "repeats rule ids",
        ),
        ("not json", "not a valid rule set"),
    ],
)
def test_bad_rule_sets_are_refused(text: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words) as info:
        rules.parse_ruleset(text)
    assert info.value.errors


def test_shipped_rules_name_existing_demo_indicators() -> None:
    shipped = rules.shipped_ruleset()
    codes = {i["code"] for i in demo_data()["indicators"]}
    units = {i["unit"] for i in demo_data()["indicators"]}
    kinds = {r.kind for r in shipped.rules}
    assert kinds == {"range", "part_of_whole", "yoy_consistency", "max_change"}
    for r in shipped.rules:
        if isinstance(r, rules.PartOfWholeRule):
            assert {r.part, r.whole} <= codes
        if isinstance(r, rules.YoyConsistencyRule):
            assert {r.change, r.level} <= codes
        if isinstance(r, rules.RangeRule) and r.units:
            assert set(r.units) & units, r.id
    # every unit of the demo indicators is covered by at least one range rule
    covered = {u for r in shipped.rules if isinstance(r, rules.RangeRule) for u in r.units or []}
    assert units <= covered
