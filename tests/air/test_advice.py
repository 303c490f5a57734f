"""HJ 633's health effects and recommended measures (air/kernels/advice.py): one entry per
level, in both languages, and every AQI maps to exactly one level by the standard's bounds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.air import kernels

# The standard's six levels, written out here (not imported) so that a changed bound fails.
BOUNDS = {1: (0, 50), 2: (51, 100), 3: (101, 150), 4: (151, 200), 5: (201, 300), 6: (301, None)}


def test_six_levels_each_with_text_in_both_languages() -> None:
    assert sorted(kernels.HEALTH_ADVICE) == [1, 2, 3, 4, 5, 6]
    for level, advice in kernels.HEALTH_ADVICE.items():
        assert advice.level == level
        assert (advice.aqi_level.aqi_min, advice.aqi_level.aqi_max) == BOUNDS[level]
        for zh in (advice.effects_zh, advice.measures_zh):
            assert zh and all(not c.isascii() or not c.isalpha() for c in zh), zh
        for en in (advice.effects_en, advice.measures_en):
            assert en and en.isascii(), en
        assert advice.effects("zh_CN") == advice.effects_zh
        assert advice.measures("en") == advice.measures_en
    texts = [a.measures_en for a in kernels.HEALTH_ADVICE.values()]
    assert len(set(texts)) == 6  # no two levels give the same advice


def test_advice_follows_the_standard_level_by_level() -> None:
    advice = kernels.HEALTH_ADVICE
    assert "usual activities" in advice[1].measures_en
    assert "unusually sensitive" in advice[2].measures_en
    assert "cut down" in advice[3].measures_en and "Children" in advice[3].measures_en
    assert "avoid" in advice[4].measures_en and "everyone else" in advice[4].measures_en
    assert "stay indoors" in advice[5].measures_en and "stop outdoor" in advice[5].measures_en
    assert "avoid outdoor activities" in advice[6].measures_en
    assert "户外" in advice[6].measures_zh and "留在室内" in advice[6].measures_zh


@pytest.mark.parametrize(
    ("aqi", "level"),
    [
        (0, 1),
        (50, 1),
        (50.5, 2),
        (51, 2),
        (100, 2),
        (101, 3),
        (150, 3),
        (151, 4),
        (200, 4),
        (201, 5),
        (300, 5),
        (301, 6),
        (500, 6),
        (999, 6),
    ],
)
def test_boundaries(aqi: float, level: int) -> None:
    found = kernels.advice_for(aqi)
    assert found is not None and found.level == level


@given(st.integers(min_value=0, max_value=2000))
def test_every_integer_aqi_is_in_exactly_one_level(aqi: int) -> None:
    found = kernels.advice_for(aqi)
    assert found is not None
    containing = [
        level for level, (lo, hi) in BOUNDS.items() if lo <= aqi and (hi is None or aqi <= hi)
    ]
    assert containing == [found.level]


@given(st.floats(min_value=0, max_value=2000, allow_nan=False))
def test_every_aqi_value_maps_to_the_level_of_its_ceiling(aqi: float) -> None:
    # HJ 633 rounds IAQIs up: a value between two integers belongs where its ceiling does
    found = kernels.advice_for(aqi)
    assert found is not None
    assert found.level == kernels.advice_for(math.ceil(aqi)).level  # type: ignore[union-attr]
    assert found.level == int(kernels.level_of([aqi])[0])


def test_missing_and_invalid_values() -> None:
    assert kernels.advice_for(None) is None
    assert kernels.advice_for(float("nan")) is None
    assert kernels.advice_for_level(0) is None
    with pytest.raises(ValueError, match="never negative"):
        kernels.advice_for(-1)
    with pytest.raises(ValueError, match=r"0 \(no AQI\) or 1\.\.6"):
        kernels.advice_for_level(7)
