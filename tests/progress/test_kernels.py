"""The pure progress mathematics: period strings, changes, CAGR and the status method."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jingjinji.progress import kernels
from jingjinji.progress.kernels import Direction, PeriodType, Status, assess

H = Direction.HIGHER_IS_BETTER
L = Direction.LOWER_IS_BETTER

# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "kind", "year", "sub"),
    [
        ("2021", PeriodType.YEAR, 2021, 1),
        ("1900", PeriodType.YEAR, 1900, 1),
        ("2100", PeriodType.YEAR, 2100, 1),
        ("2021Q1", PeriodType.QUARTER, 2021, 1),
        ("2021Q3", PeriodType.QUARTER, 2021, 3),
        ("2021Q4", PeriodType.QUARTER, 2021, 4),
        ("2021-01", PeriodType.MONTH, 2021, 1),
        ("2021-07", PeriodType.MONTH, 2021, 7),
        ("2021-12", PeriodType.MONTH, 2021, 12),
    ],
)
def test_valid_periods(text: str, kind: PeriodType, year: int, sub: int) -> None:
    p = kernels.parse_period(text)
    assert (p.kind, p.year, p.sub) == (kind, year, sub)
    assert str(p) == text
    assert kernels.parse_period(text, kind) == p


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("21", "not a valid period"),
        ("2021Q0", "not a valid period"),
        ("2021Q5", "not a valid period"),
        ("2021q3", "not a valid period"),
        ("2021-7", "not a valid period"),
        ("2021-13", "not a valid period"),
        ("2021-00", "not a valid period"),
        ("2021/07", "not a valid period"),
        ("2021-07-01", "not a valid period"),
        (" 2021", "not a valid period"),
        ("2021 ", "not a valid period"),
        ("", "not a valid period"),
        ("１２３４", "not a valid period"),  # full-width digits are not ASCII digits
        ("1899", "outside 1900-2100"),
        ("2101Q1", "outside 1900-2100"),
        ("H1 2021", "not a valid period"),
    ],
)
def test_invalid_periods(text: str, words: str) -> None:
    with pytest.raises(kernels.PeriodError, match=words):
        kernels.parse_period(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("2021", "quarter"), ("2021Q3", "year"), ("2021-07", "quarter"), ("2021Q3", "month")],
)
def test_period_of_the_wrong_type_names_both(text: str, kind: str) -> None:
    with pytest.raises(kernels.PeriodError) as info:
        kernels.parse_period(text, kind)
    assert f"reported by {kind}" in str(info.value)


@pytest.mark.parametrize("value", [2021, 2021.0, None, ["2021"]])
def test_non_string_period(value: object) -> None:
    with pytest.raises(kernels.PeriodError, match="is a string"):
        kernels.parse_period(value)


@pytest.mark.parametrize(
    ("text", "previous", "year_before", "time"),
    [
        ("2021", "2020", "2020", 2021.0),
        ("2021Q1", "2020Q4", "2020Q1", 2021.0),
        ("2021Q3", "2021Q2", "2020Q3", 2021.5),
        ("2021-01", "2020-12", "2020-01", 2021.0),
        ("2021-07", "2021-06", "2020-07", 2021.5),
    ],
)
def test_period_arithmetic(text: str, previous: str, year_before: str, time: float) -> None:
    p = kernels.parse_period(text)
    assert str(p.previous()) == previous
    assert str(p.year_before()) == year_before
    assert p.time == pytest.approx(time)
    assert p.ordinal - p.previous().ordinal == 1


@given(st.sampled_from(list(PeriodType)), st.integers(1900 * 12, 2100 * 12 - 1))
def test_period_ordinal_round_trip(kind: PeriodType, ordinal: int) -> None:
    per = kernels.PERIODS_PER_YEAR[kind]
    ordinal = ordinal // (12 // per)
    p = kernels.from_ordinal(kind, ordinal)
    assume(kernels.YEAR_MIN <= p.year <= kernels.YEAR_MAX)
    assert kernels.parse_period(str(p), kind) == p
    assert p.ordinal == ordinal


def test_periods_sort_in_time() -> None:
    texts = ["2021Q3", "2020Q4", "2021Q1", "2019Q2"]
    assert [str(p) for p in sorted(kernels.parse_period(t) for t in texts)] == [
        "2019Q2",
        "2020Q4",
        "2021Q1",
        "2021Q3",
    ]


def test_target_time_is_last_period_of_year() -> None:
    assert kernels.target_time(PeriodType.YEAR, 2025) == 2025
    assert kernels.target_time(PeriodType.QUARTER, 2025) == pytest.approx(2025.75)
    assert kernels.target_time(PeriodType.MONTH, 2025) == pytest.approx(2025 + 11 / 12)


# ---------------------------------------------------------------- changes and rates


@pytest.mark.parametrize(
    ("old", "new", "absolute", "percent"),
    [
        (100, 110, 10, 10.0),
        (28.94, 50.47, 21.53, 74.395),
        (54, 38, -16, -29.63),
        (0, 5, 5, None),
        (-10, -5, 5, 50.0),
        (-10, 10, 20, 200.0),
        (7, 7, 0, 0.0),
    ],
)
def test_change(old: float, new: float, absolute: float, percent: float | None) -> None:
    ch = kernels.change(old, new)
    assert ch.absolute == pytest.approx(absolute)
    if percent is None:
        assert ch.percent is None
    else:
        assert ch.percent == pytest.approx(percent, abs=0.01)


@pytest.mark.parametrize(
    ("x0", "x1", "years", "expected"),
    [
        (100, 121, 2, 0.10),
        (100, 100, 5, 0.0),
        (100, 81, 2, -0.10),
        (0, 10, 2, None),
        (10, 0, 2, None),
        (-5, 10, 2, None),
        (10, 20, 0, None),
    ],
)
def test_cagr(x0: float, x1: float, years: float, expected: float | None) -> None:
    got = kernels.cagr(x0, x1, years)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_yoy_percent_matches_stated_change_in_the_binhai_review() -> None:
    # 2021 carbon trading volume 50.47 million t, "+74.4 %": the derived 2020 level is 28.94.
    assert kernels.yoy_percent(28.94, 50.47) == pytest.approx(74.4, abs=0.01)
    assert kernels.yoy_percent(0, 5) is None


# ---------------------------------------------------------------- status: worked cases


@pytest.mark.parametrize(
    ("series", "direction", "target", "status", "method"),
    [
        # no values at all
        ([], H, None, Status.NO_DATA, "none"),
        ([], H, (100, 2025), Status.NO_DATA, "none"),
        # a single value: no trend yet; with a target already met it is achieved
        ([(2021, 50)], H, None, Status.NO_DATA, "trend"),
        ([(2021, 50)], H, (60, 2025), Status.NO_DATA, "target"),
        ([(2021, 70)], H, (60, 2025), Status.TARGET_ACHIEVED, "target"),
        ([(2021, 30)], L, (35, 2025), Status.TARGET_ACHIEVED, "target"),
        # target already exceeded (higher and lower is better), also beyond the target
        ([(2019, 50), (2021, 120)], H, (100, 2025), Status.TARGET_ACHIEVED, "target"),
        ([(2019, 54), (2021, 30)], L, (35, 2025), Status.TARGET_ACHIEVED, "target"),
        # exactly on target counts as achieved
        ([(2019, 50), (2021, 100)], H, (100, 2025), Status.TARGET_ACHIEVED, "target"),
        # on track: required 100->200 over 5 y (14.87 %/y), achieved 100->150 in 2 y (22.5 %/y)
        ([(2020, 100), (2022, 150)], H, (200, 2025), Status.SUBSTANTIAL, "target_cagr"),
        # ratio ~0.56: moderate
        ([(2020, 100), (2022, 117)], H, (200, 2025), Status.MODERATE, "target_cagr"),
        # ratio ~0.14: limited
        ([(2020, 100), (2022, 104)], H, (200, 2025), Status.LIMITED, "target_cagr"),
        # standing still: limited (the gap did not widen)
        ([(2020, 100), (2022, 100)], H, (200, 2025), Status.LIMITED, "target_cagr"),
        # moving away: deterioration
        ([(2020, 100), (2022, 90)], H, (200, 2025), Status.DETERIORATION, "target_cagr"),
        # lower is better: PM2.5 54 (2019) -> 38 (2021), target 35 by 2025: ratio > 1
        ([(2019, 54), (2021, 38)], L, (35, 2025), Status.SUBSTANTIAL, "target_cagr"),
        # lower is better, slow: 54 -> 52 towards 35: ratio ~0.26
        ([(2019, 54), (2021, 52)], L, (35, 2025), Status.LIMITED, "target_cagr"),
        # lower is better, rising: deterioration
        ([(2019, 54), (2021, 60)], L, (35, 2025), Status.DETERIORATION, "target_cagr"),
        # zero base: CAGR undefined -> linear: 0 -> 6 in 2 y vs 0 -> 10 in 5 y (ratio 1.5)
        ([(2020, 0), (2022, 6)], H, (10, 2025), Status.SUBSTANTIAL, "target_linear"),
        ([(2020, 0), (2022, 1)], H, (10, 2025), Status.LIMITED, "target_linear"),
        # negative values: linear; net balance -10 -> -6 towards 0 by 2025: ratio 1.0
        ([(2020, -10), (2022, -6)], H, (0, 2025), Status.SUBSTANTIAL, "target_linear"),
        ([(2020, -10), (2022, -12)], H, (0, 2025), Status.DETERIORATION, "target_linear"),
        # target equal to the base value but the latest is worse: deterioration
        ([(2020, 100), (2022, 90)], H, (100, 2025), Status.DETERIORATION, "target_cagr"),
        # deadline passed (target year before the base year): pace over the observed span
        ([(2020, 100), (2022, 150)], H, (200, 2018), Status.MODERATE, "target_cagr"),
        # missing years do not matter: time is measured in years between the values
        ([(2015, 100), (2021, 130)], H, (200, 2025), Status.MODERATE, "target_cagr"),
        # without a target: trend thresholds 2 % and 0.5 % a year
        ([(2019, 66), (2021, 73)], H, None, Status.SUBSTANTIAL, "trend_cagr"),
        ([(2019, 100), (2021, 101.5)], H, None, Status.MODERATE, "trend_cagr"),
        ([(2019, 100), (2021, 100.5)], H, None, Status.LIMITED, "trend_cagr"),
        ([(2016, 100), (2021, 100)], H, None, Status.LIMITED, "trend_cagr"),
        ([(2019, 100), (2021, 90)], H, None, Status.DETERIORATION, "trend_cagr"),
        ([(2019, 54), (2021, 38)], L, None, Status.SUBSTANTIAL, "trend_cagr"),
        ([(2019, 38), (2021, 54)], L, None, Status.DETERIORATION, "trend_cagr"),
        # without a target and a zero or negative value: symmetric relative change
        ([(2019, 0), (2021, 5)], H, None, Status.SUBSTANTIAL, "trend_symmetric"),
        ([(2019, 0), (2021, 0)], H, None, Status.LIMITED, "trend_symmetric"),
        ([(2019, -5), (2021, -8)], H, None, Status.DETERIORATION, "trend_symmetric"),
        ([(2019, -5), (2021, -8)], L, None, Status.SUBSTANTIAL, "trend_symmetric"),
    ],
)
def test_status_cases(
    series: list[tuple[float, float]],
    direction: Direction,
    target: tuple[float, float] | None,
    status: Status,
    method: str,
) -> None:
    result = assess(series, direction, target=target)
    assert result.status is status, result
    assert result.method == method


def test_ratio_and_rates_are_reported() -> None:
    result = assess([(2020, 100), (2022, 121)], H, target=(200, 2025))
    assert result.achieved_rate == pytest.approx(0.10)
    assert result.required_rate == pytest.approx(2 ** (1 / 5) - 1)
    assert result.ratio == pytest.approx(0.10 / (2 ** (1 / 5) - 1))
    assert result.latest_value == 121 and result.base_time == 2020


def test_base_time_selects_the_base_value() -> None:
    series = [(2015, 10), (2019, 100), (2021, 121)]
    from_2019 = assess(series, H, base_time=2019)
    assert from_2019.achieved_rate == pytest.approx(0.10)
    from_first = assess(series, H)
    assert from_first.base_time == 2015
    # an unknown base time falls back to the earliest value
    assert assess(series, H, base_time=1990).base_time == 2015


def test_unsorted_series_and_non_finite_values() -> None:
    ordered = assess([(2019, 66), (2021, 73)], H)
    assert assess([(2021, 73), (2019, 66)], H) == ordered
    assert assess([(2019, 66), (2020, math.nan), (2021, 73)], H) == ordered


def test_quarterly_series_uses_fractional_years() -> None:
    p0, p1 = kernels.parse_period("2020Q1"), kernels.parse_period("2021Q1")
    result = assess([(p0.time, 100), (p1.time, 110)], H)
    assert result.achieved_rate == pytest.approx(0.10)


def test_status_counts_lists_every_status_best_first() -> None:
    counts = kernels.status_counts(["limited", "limited", "no_data"])
    assert list(counts) == [
        "target_achieved",
        "substantial",
        "moderate",
        "limited",
        "deterioration",
        "no_data",
    ]
    assert counts["limited"] == 2 and counts["no_data"] == 1 and counts["substantial"] == 0


# ---------------------------------------------------------------- status: properties

values = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
any_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2000, max_value=2030)


@given(
    st.lists(st.tuples(years, any_values), max_size=8),
    st.sampled_from(list(Direction)),
    st.one_of(st.none(), st.tuples(any_values, years)),
)
def test_assess_never_fails_and_returns_a_status(
    series: list[tuple[int, float]],
    direction: Direction,
    target: tuple[float, int] | None,
) -> None:
    result = assess(series, direction, target=target)
    assert result.status in Status
    if not series:
        assert result.status is Status.NO_DATA


@given(values, values, values, st.sampled_from(list(Direction)))
def test_achieved_exactly_when_the_latest_value_meets_the_target(
    x0: float,
    x1: float,
    goal: float,
    direction: Direction,
) -> None:
    result = assess([(2018, x0), (2021, x1)], direction, target=(goal, 2025))
    met = x1 >= goal if direction is H else x1 <= goal
    assert (result.status is Status.TARGET_ACHIEVED) == met


@given(values, values, values, st.floats(min_value=0.01, max_value=1000))
def test_scaling_all_values_does_not_change_the_status(
    x0: float,
    x1: float,
    goal: float,
    factor: float,
) -> None:
    a = assess([(2018, x0), (2021, x1)], H, target=(goal, 2026))
    b = assess([(2018, x0 * factor), (2021, x1 * factor)], H, target=(goal * factor, 2026))
    if a.ratio is not None and b.ratio is not None:
        # thresholds are sharp: allow float noise right at a threshold
        assume(all(abs(a.ratio - t) > 1e-9 for t in (0, 0.4, 0.75)))
    assert a.status is b.status


@given(any_values, any_values, any_values)
def test_negating_values_swaps_the_direction(x0: float, x1: float, goal: float) -> None:
    # with a zero or negative value the method is linear, which is exactly symmetric; both the
    # series and its negation must hold one (else the negated series is all positive: CAGR)
    assume(min(x0, x1, goal) <= 0 <= max(x0, x1, goal))
    a = assess([(2018, x0), (2021, x1)], H, target=(goal, 2026))
    b = assess([(2018, -x0), (2021, -x1)], L, target=(-goal, 2026))
    assert a.status is b.status


@given(values, values, values)
def test_a_higher_latest_value_never_lowers_the_status(x0: float, x1: float, bump: float) -> None:
    goal = max(x0, x1) * 3  # a target not yet met
    low = assess([(2018, x0), (2021, x1)], H, target=(goal, 2026))
    high = assess([(2018, x0), (2021, x1 + bump)], H, target=(goal, 2026))
    assert kernels.STATUS_RANK[high.status] >= kernels.STATUS_RANK[low.status]


@given(values, values)
def test_trend_is_mirrored_by_the_direction(x0: float, x1: float) -> None:
    assume(abs(x1 / x0 - 1) > 1e-6)
    up = assess([(2018, x0), (2021, x1)], H)
    down = assess([(2018, x0), (2021, x1)], L)
    # exactly one direction sees deterioration
    assert (up.status is Status.DETERIORATION) != (down.status is Status.DETERIORATION)
