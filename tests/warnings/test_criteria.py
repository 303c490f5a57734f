"""The criteria engine: every level boundary, the merge rule, the shipped data files."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.warnings import kernels
from jingjinji.warnings.kernels import Criteria, CriteriaError, criteria_from_dict, find_episodes


def load(code: str) -> Criteria:
    text = resources.files("jingjinji.warnings").joinpath("data", "criteria", f"{code}.json")
    return criteria_from_dict(json.loads(text.read_text("utf-8")))


BTH17 = load("bth-2017")
BTH19 = load("bth-2019")
START = dt.date(2016, 12, 1)


def days(n: int) -> list[dt.date]:
    return [START + dt.timedelta(days=i) for i in range(n)]


def run(values: list[float], criteria: Criteria = BTH17, **kw: bool) -> list[kernels.Episode]:
    padded = [50.0, *values, 50.0]
    return find_episodes(days(len(padded)), padded, criteria, **kw)


def single_level(values: list[float], criteria: Criteria = BTH17) -> str | None:
    eps = run(values, criteria, include_unwarned=True)
    assert len(eps) == 1, eps
    return eps[0].level


@pytest.mark.parametrize(
    ("values", "bth17", "bth19"),
    [
        ([201], "blue", None),
        ([200], "none", "none"),  # exactly 200 is not over
        ([201, 201], "yellow", "yellow"),
        ([201, 201, 201], "yellow", "orange"),  # 3 days but never > 300: yellow under 2017
        ([201, 301, 201], "orange", "orange"),
        ([301, 300, 201], "orange", "orange"),  # 300 exactly does not count as > 300
        ([201, 201, 201, 201], "yellow", "orange"),
        ([201, 301, 201, 201], "orange", "orange"),  # 4 days, only one > 300
        ([201, 301, 301, 201], "red", "red"),
        ([301, 301, 301, 301], "red", "red"),
        ([500], "red", "red"),  # AQI reaches 500 on a single day
        ([499], "blue", None),
        ([201, 500], "red", "red"),
    ],
)
def test_level_boundaries(values: list[float], bth17: str | None, bth19: str | None) -> None:
    for criteria, expected in ((BTH17, bth17), (BTH19, bth19)):
        if expected == "none":
            assert run(values, criteria, include_unwarned=True) == []
        else:
            assert single_level(values, criteria) == expected, (criteria.code, values)


def test_episode_fields() -> None:
    (ep,) = run([250, 320, 410, 205])
    assert ep.start == START + dt.timedelta(days=1)
    assert ep.end == START + dt.timedelta(days=4)
    assert (ep.level, ep.max_aqi, ep.days_over_200, ep.days_over_300) == ("red", 410, 4, 2)
    assert ep.as_row() == {
        "start": "2016-12-02",
        "end": "2016-12-05",
        "level": "red",
        "max_aqi": 410,
        "days_over_200": 4,
        "days_over_300": 2,
    }


def test_unwarned_episode_left_out_by_default() -> None:
    assert run([250], BTH19) == []
    assert [e.level for e in run([250], BTH19, include_unwarned=True)] == [None]


@pytest.mark.parametrize("gap", [1, 2, 3])
def test_merge_rule_gap_n_minus_1_merges_gap_n_splits(gap: int) -> None:
    data = json.loads(
        resources.files("jingjinji.warnings")
        .joinpath("data", "criteria", "bth-2017.json")
        .read_text("utf-8")
    )
    data["merge_gap_days"] = gap
    criteria = criteria_from_dict(data)
    # gap - 1 clearing days: one episode, the day counts add up (2 + 2 = 4 days, 2 > 300)
    merged = run([310, 250, *([150] * (gap - 1)), 320, 240], criteria)
    # (with N = 1 there are no clearing days in between: one run anyway)
    assert len(merged) == 1
    assert (merged[0].level, merged[0].days_over_200, merged[0].days_over_300) == ("red", 4, 2)
    assert merged[0].days == 4 + gap - 1
    # exactly N clearing days: two episodes
    split = run([310, 250, *([150] * gap), 320, 240], criteria)
    assert [e.level for e in split] == ["yellow", "yellow"]


def test_default_merge_gap_is_two() -> None:
    assert BTH17.merge_gap_days == 2 and BTH19.merge_gap_days == 2


def test_missing_days_are_clearing_days_and_dates_may_have_holes() -> None:
    # 2016-12-02 and 12-03 over; 12-04 and 12-05 absent; 12-06 and 12-07 over
    dates = [dt.date(2016, 12, d) for d in (1, 2, 3, 6, 7, 8)]
    values = [50, 310, 320, 330, 340, 50]
    eps = find_episodes(dates, values, BTH17)
    assert [(e.start.day, e.end.day, e.level) for e in eps] == [(2, 3, "yellow"), (6, 7, "yellow")]
    values_nan = [50, 310, float("nan"), 330, 340, 50]
    eps = find_episodes(dates, values_nan, BTH17)
    assert [(e.start.day, e.end.day) for e in eps] == [(2, 2), (6, 7)]


def test_level_of_short_series() -> None:
    assert kernels.level_of([150, 210, 220], BTH17) == "yellow"
    assert kernels.level_of([150, 210, 220], BTH19) == "yellow"
    assert kernels.level_of([150, 150, 150], BTH17) is None
    assert kernels.level_of([], BTH17) is None


def test_stricter_local_set_warns_earlier() -> None:
    local = load("beijing-local")
    assert single_level([230], local) == "yellow"
    assert single_level([230], BTH19) is None
    assert single_level([230, 310, 240], local) == "red"


@pytest.mark.parametrize(
    "mutation",
    [
        {"levels": []},
        {"merge_gap_days": 0},
        {"levels": [{"level": "x", "rank": 1, "any_of": []}]},
        {"levels": [{"level": "x", "rank": 1, "any_of": [{"days_over": {"100": 1}}]}]},
        {"levels": [{"level": "x", "rank": 1, "any_of": [{"days_over": {"200": 0}}]}]},
    ],
)
def test_bad_definitions_are_refused(mutation: dict[str, object]) -> None:
    data = {"code": "x", "version": 1, "onset_aqi": 200, **mutation}
    with pytest.raises(CriteriaError):
        criteria_from_dict(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=60))
def test_engine_matches_a_day_by_day_reference(values: list[int]) -> None:
    """A slow, obviously-correct scan agrees with the vectorised engine."""
    gap = BTH17.merge_gap_days
    ref: list[tuple[int, int]] = []
    i = 0
    while i < len(values):
        if values[i] > 200:
            j = i
            k = i + 1
            while k < len(values):
                if values[k] > 200:
                    if k - j - 1 < gap:
                        j = k
                    else:
                        break
                k += 1
            ref.append((i, j))
            i = j + 1
        else:
            i += 1
    eps = find_episodes(days(len(values)), values, BTH17, include_unwarned=True)
    assert [((e.start - START).days, (e.end - START).days) for e in eps] == ref
    for e, (a, b) in zip(eps, ref, strict=True):
        seg = values[a : b + 1]
        n200 = sum(v > 200 for v in seg)
        n300 = sum(v > 300 for v in seg)
        assert (e.days_over_200, e.days_over_300, e.max_aqi) == (n200, n300, max(seg))
        expected = (
            "red"
            if (n200 >= 4 and n300 >= 2) or max(seg) >= 500
            else "orange"
            if n200 >= 3 and n300 >= 1
            else "yellow"
            if n200 >= 2
            else "blue"
        )
        assert e.level == expected


def test_scores_and_climatology() -> None:
    s = kernels.scores([100, 250, 300, np.nan], [110, 190, 320, 500])
    assert s.n == 3
    assert s.mae == pytest.approx((10 + 60 + 20) / 3)
    assert s.hit_rate == pytest.approx(0.5) and s.false_alarm_ratio == 0.0
    clim = kernels.climatology([1, 2, 3, 366, 180], [10, 20, 30, 40, 1000], [1, 180], window_days=1)
    assert clim[0] == pytest.approx((10 + 20 + 40) / 3)
    assert clim[1] == pytest.approx(1000)
