"""AQI kernels (HJ 633-2012 / HJ 633-2026) and GB 3095 daily statistics.

The breakpoint tables below are typed in again from the fact sheet (shared/reference/
standards.md) on purpose: the expected values come from an exact rational oracle over these
tables, not from the module under test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.air import kernels
from jingjinji.air.kernels import compute_aqi, hj633, iaqi

IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
SHEET = {
    "so2_24h": ("0", "50", "150", "475", "800", "1600", "2100", "2620"),
    "so2_1h": ("0", "150", "500", "650", "800"),
    "no2_24h": ("0", "40", "80", "180", "280", "565", "750", "940"),
    "no2_1h": ("0", "100", "200", "700", "1200", "2340", "3090", "3840"),
    "pm10_2012": ("0", "50", "150", "250", "350", "420", "500", "600"),
    "pm10_2026": ("0", "50", "120", "250", "350", "420", "500", "600"),
    "co_24h": ("0", "2", "4", "14", "24", "36", "48", "60"),
    "co_1h": ("0", "5", "10", "35", "60", "90", "120", "150"),
    "o3_1h": ("0", "160", "200", "300", "400", "800", "1000", "1200"),
    "o3_8h": ("0", "100", "160", "215", "265", "800"),
    "pm2_5_2012": ("0", "35", "75", "115", "150", "250", "350", "500"),
    "pm2_5_2026": ("0", "35", "60", "115", "150", "250", "350", "500"),
}

# (standard, report, column key, sheet table, 2026-daily rounding decimals or None)
CASES = [
    ("hj633-2012", "daily", "pm2_5", "pm2_5_2012", None),
    ("hj633-2012", "daily", "pm10", "pm10_2012", None),
    ("hj633-2012", "daily", "so2", "so2_24h", None),
    ("hj633-2012", "daily", "no2", "no2_24h", None),
    ("hj633-2012", "daily", "co", "co_24h", None),
    ("hj633-2012", "daily", "o3_1h", "o3_1h", None),
    ("hj633-2012", "daily", "o3_8h", "o3_8h", None),
    ("hj633-2026", "daily", "pm2_5", "pm2_5_2026", 0),
    ("hj633-2026", "daily", "pm10", "pm10_2026", 0),
    ("hj633-2026", "daily", "so2", "so2_24h", 0),
    ("hj633-2026", "daily", "no2", "no2_24h", 0),
    ("hj633-2026", "daily", "co", "co_24h", 1),
    ("hj633-2026", "daily", "o3_8h", "o3_8h", 0),
    ("hj633-2012", "hourly", "pm2_5_24h", "pm2_5_2012", None),
    ("hj633-2012", "hourly", "pm10_24h", "pm10_2012", None),
    ("hj633-2012", "hourly", "so2", "so2_1h", None),
    ("hj633-2012", "hourly", "no2", "no2_1h", None),
    ("hj633-2012", "hourly", "co", "co_1h", None),
    ("hj633-2012", "hourly", "o3_1h", "o3_1h", None),
    ("hj633-2012", "hourly", "o3_8h", "o3_8h", None),
    ("hj633-2026", "hourly", "pm2_5", "pm2_5_2026", None),
    ("hj633-2026", "hourly", "pm10", "pm10_2026", None),
    ("hj633-2026", "hourly", "so2", "so2_1h", None),
    ("hj633-2026", "hourly", "no2", "no2_1h", None),
    ("hj633-2026", "hourly", "co", "co_1h", None),
    ("hj633-2026", "hourly", "o3_1h", "o3_1h", None),
]
TRUNCATED = {"so2_1h", "o3_8h"}


def oracle(concentration: str, table: str, decimals: int | None) -> int:
    """Exact IAQI by rational arithmetic, within the table's range."""
    c = Decimal(concentration)
    if decimals is not None:
        c = c.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    value = Fraction(c)
    bps = [Fraction(b) for b in SHEET[table]]
    if value > bps[-1]:
        return 500
    for i in range(1, len(bps)):
        if value <= bps[i]:
            lo, hi = bps[i - 1], bps[i]
            return math.ceil(
                Fraction(IAQI[i] - IAQI[i - 1]) / (hi - lo) * (value - lo) + IAQI[i - 1]
            )
    raise AssertionError("unreachable")


def one(standard: str, report: str, key: str, values: list[float]) -> np.ndarray:
    return compute_aqi({key: values}, standard=standard, report=report).iaqi[key]  # type: ignore[arg-type]


def _probes(table: str, decimals: int | None) -> list[tuple[str, str]]:
    """(label, concentration) at, just below and just above every breakpoint."""
    co = table.startswith("co")
    step = Decimal("0.001") if co else Decimal("0.01")
    out = []
    for i, bp in enumerate(SHEET[table]):
        b = Decimal(bp)
        out.append((f"bp{i}", bp))
        if i > 0:
            out.append((f"bp{i}-", str(b - step)))
        if i < len(SHEET[table]) - 1 or table not in TRUNCATED:
            out.append((f"bp{i}+", str(b + step)))
        if decimals is not None:  # exactly on and around the rounding half
            half = Decimal("0.05") if co else Decimal("0.5")
            for delta in (half, -half, half - step, -(half - step) if i > 0 else half):
                c = b + delta
                if c >= 0 and (table not in TRUNCATED or c <= Decimal(SHEET[table][-1])):
                    out.append((f"bp{i}{delta:+}", str(c)))
    return out


BREAKPOINT_PROBES = [
    pytest.param(std, rep, key, table, dec, label, conc, id=f"{std}-{rep}-{key}-{label}")
    for std, rep, key, table, dec in CASES
    for label, conc in _probes(table, dec)
]


@pytest.mark.parametrize(
    ("standard", "report", "key", "table", "decimals", "label", "concentration"),
    BREAKPOINT_PROBES,
)
def test_iaqi_at_and_around_every_breakpoint(
    standard: str,
    report: str,
    key: str,
    table: str,
    decimals: int | None,
    label: str,
    concentration: str,
) -> None:
    got = one(standard, report, key, [float(concentration)])[0]
    assert got == oracle(concentration, table, decimals)
    if label.startswith("bp") and label[2:].isdigit():
        assert got == IAQI[int(label[2:])]


@pytest.mark.parametrize(("standard", "report", "key", "table", "decimals"), CASES)
def test_exact_breakpoints_give_exact_levels(
    standard: str, report: str, key: str, table: str, decimals: int | None
) -> None:
    bps = [float(b) for b in SHEET[table]]
    got = one(standard, report, key, bps)
    assert got.tolist() == [float(v) for v in IAQI[: len(bps)]]


# ---------------------------------------------------------------- hand-worked examples


def test_pm25_60_differs_between_standards() -> None:
    # 2012: 50 + 50/40 * (60 - 35) = 81.25 -> 82; 2026: 60 is the 100-breakpoint
    assert one("hj633-2012", "daily", "pm2_5", [60.0])[0] == 82
    assert one("hj633-2026", "daily", "pm2_5", [60.0])[0] == 100


def test_pm10_breakpoint_change() -> None:
    # 120: 2012 50 + 50/100 * 70 = 85; 2026 the 100-breakpoint
    # 130: 2012 50 + 50/100 * 80 = 90; 2026 100 + 50/130 * 10 = 103.85 -> 104
    assert one("hj633-2012", "daily", "pm10", [120.0, 130.0]).tolist() == [85, 90]
    assert one("hj633-2026", "daily", "pm10", [120.0, 130.0]).tolist() == [100, 104]


@pytest.mark.parametrize(
    ("standard", "report", "key", "value", "expected"),
    [
        # CO 2.2: 50 + 25 * 0.2 = 55 exactly (float interpolation: 55.00000000000001)
        ("hj633-2012", "daily", "co", 2.2, 55),
        # CO 2.25: 2012 56.25 -> 57; 2026 rounds to 2.3 first: 57.5 -> 58
        ("hj633-2012", "daily", "co", 2.25, 57),
        ("hj633-2026", "daily", "co", 2.25, 58),
        # CO 1.15 -> 1.2 (half up, although 1.15 is 1.1499999999999999 in binary): 30
        ("hj633-2026", "daily", "co", 1.15, 30),
        ("hj633-2012", "daily", "co", 1.15, 29),  # 28.75 -> 29
        # SO2 24h 160: 100 + 50/325 * 10 = 101.54 -> 102
        ("hj633-2012", "daily", "so2", 160.0, 102),
        # O3 8h 170: 100 + 50/55 * 10 = 109.09 -> 110
        ("hj633-2026", "daily", "o3_8h", 170.0, 110),
        # NO2 1h 150: 50 + 50/100 * 50 = 75
        ("hj633-2026", "hourly", "no2", 150.0, 75),
        # 2026 daily PM2.5 60.5 -> 61: 100 + 50/55 = 100.9 -> 101; 60.49 -> 60 -> 100
        ("hj633-2026", "daily", "pm2_5", 60.5, 101),
        ("hj633-2026", "daily", "pm2_5", 60.49, 100),
        # 2026 hourly values are not rounded: 60.4 -> 100 + 50/55 * 0.4 = 100.36 -> 101
        ("hj633-2026", "hourly", "pm2_5", 60.4, 101),
        # 2012 hourly PM uses the 24h moving average: 60 -> 82
        ("hj633-2012", "hourly", "pm2_5_24h", 60.0, 82),
        # above the last breakpoint: 500
        ("hj633-2012", "daily", "pm2_5", 600.0, 500),
        ("hj633-2026", "daily", "co", 75.0, 500),
        ("hj633-2026", "hourly", "no2", 4000.0, 500),
        # just above 0 is ceiled to 1
        ("hj633-2012", "daily", "pm2_5", 0.1, 1),
    ],
)
def test_hand_worked_iaqi(
    standard: str, report: str, key: str, value: float, expected: int
) -> None:
    assert one(standard, report, key, [value])[0] == expected


DAILY_ROW = {
    "pm2_5": [80.0],
    "pm10": [160.0],
    "so2": [10.0],
    "no2": [45.0],
    "co": [1.0],
    "o3_1h": [150.0],
    "o3_8h": [120.0],
}


def test_full_daily_row_2012() -> None:
    # pm2_5 100 + 50/40*5 = 106.25 -> 107; pm10 100 + 50/100*10 = 105; so2 10;
    # no2 50 + 50/40*5 = 56.25 -> 57; co 25; o3_1h 46.875 -> 47; o3_8h 50 + 50/60*20 -> 67
    r = compute_aqi(DAILY_ROW, standard="hj633-2012", report="daily")
    assert {k: v[0] for k, v in r.iaqi.items()} == {
        "pm2_5": 107,
        "pm10": 105,
        "so2": 10,
        "no2": 57,
        "co": 25,
        "o3_1h": 47,
        "o3_8h": 67,
    }
    assert r.aqi[0] == 107
    assert r.level[0] == 3
    assert r.primary == ["pm2_5"]
    assert r.non_attainment == ["pm2_5;pm10"]


def test_full_daily_row_2026() -> None:
    # pm2_5 100 + 50/55*20 = 118.18 -> 119; pm10 100 + 50/130*40 = 115.38 -> 116; O3 1h unused
    r = compute_aqi(DAILY_ROW, standard="hj633-2026", report="daily")
    assert set(r.iaqi) == {"pm2_5", "pm10", "so2", "no2", "co", "o3_8h"}
    assert r.iaqi["pm2_5"][0] == 119
    assert r.iaqi["pm10"][0] == 116
    assert r.aqi[0] == 119
    assert r.level[0] == 3
    assert r.primary == ["pm2_5"]
    assert r.non_attainment == [""]


def test_2012_daily_o3_1h_counts() -> None:
    row = dict(DAILY_ROW, o3_1h=[300.0])  # 150
    r = compute_aqi(row, standard="hj633-2012", report="daily")
    assert r.aqi[0] == 150
    assert r.primary == ["o3_1h"]
    r26 = compute_aqi(row, standard="hj633-2026", report="daily")
    assert r26.aqi[0] == 119


def test_ties_list_all_and_primary_only_above_50() -> None:
    cols = {
        "pm2_5": [75.0, 35.0, 35.01, 10.0],
        "pm10": [150.0, 50.0, 50.01, 10.0],
        "so2": [1.0] * 4,
        "no2": [1.0] * 4,
        "co": [0.1] * 4,
        "o3_1h": [1.0] * 4,
        "o3_8h": [1.0] * 4,
    }
    r = compute_aqi(cols, standard="hj633-2012", report="daily")
    assert r.aqi.tolist() == [100, 50, 51, 15]  # 50/35 * 10 = 14.3 -> 15
    assert r.primary == ["pm2_5;pm10", "", "pm2_5;pm10", ""]
    assert r.level.tolist() == [2, 1, 2, 1]
    assert r.non_attainment == ["", "", "", ""]


# ---------------------------------------------------------------- special rules


def test_2012_hourly_so2_above_800_uses_24h_mean() -> None:
    cols = {"so2": [850.0, 850.0, 800.0], "so2_24h": [200.0, math.nan, 200.0]}
    got = compute_aqi(cols, standard="hj633-2012", report="hourly").iaqi["so2"]
    # 24h 200: 100 + 50/325 * 50 = 107.7 -> 108; no 24h mean -> not computable; 800 -> 200
    assert got[0] == 108
    assert math.isnan(got[1])
    assert got[2] == 200
    assert "so2_24h" not in compute_aqi(cols, standard="hj633-2012", report="hourly").iaqi


def test_2026_hourly_so2_above_800_is_200() -> None:
    got = one("hj633-2026", "hourly", "so2", [800.0, 800.01, 5000.0])
    assert got.tolist() == [200, 200, 200]


def test_2012_o3_8h_above_800_uses_o3_1h() -> None:
    cols = {"o3_8h": [850.0, 850.0], "o3_1h": [500.0, math.nan]}
    for report in ("daily", "hourly"):
        r = compute_aqi(cols, standard="hj633-2012", report=report)
        # O3 1h 500: 200 + 100/400 * 100 = 225
        assert r.iaqi["o3_8h"][0] == 225
        assert math.isnan(r.iaqi["o3_8h"][1])
        assert r.primary[0] == "o3_1h;o3_8h"


def test_2026_o3_8h_above_800_is_300() -> None:
    assert one("hj633-2026", "daily", "o3_8h", [800.0, 800.4, 800.5, 2000.0]).tolist() == [
        300,
        300,  # rounds to 800: still in the table
        300,
        300,
    ]


def test_2026_hourly_ignores_o3_8h_and_2012_hourly_ignores_1h_pm() -> None:
    cols = {"pm2_5": [200.0], "o3_1h": [10.0], "o3_8h": [250.0], "pm2_5_24h": [50.0]}
    r26 = compute_aqi(cols, standard="hj633-2026", report="hourly")
    assert set(r26.iaqi) == {"pm2_5", "o3_1h"}
    r12 = compute_aqi(cols, standard="hj633-2012", report="hourly")
    assert set(r12.iaqi) == {"pm2_5_24h", "o3_1h", "o3_8h"}
    assert r12.iaqi["pm2_5_24h"][0] == 69  # 50 + 50/40 * 15 = 68.75


# ---------------------------------------------------------------- missing data


def test_2026_missing_pollutant_gives_na_unless_others_above_100() -> None:
    nan = math.nan
    cols = {
        "pm2_5": [nan, nan, nan, 10.0],
        "pm10": [10.0, 200.0, 120.0, 10.0],
        "so2": [1.0] * 4,
        "no2": [1.0] * 4,
        "co": [0.1] * 4,
        "o3_8h": [1.0] * 4,
    }
    r = compute_aqi(cols, standard="hj633-2026", report="daily")
    # pm10 200: 100 + 50/130 * 80 = 130.8 -> 131 (published); 120 -> exactly 100 (not > 100)
    assert np.isnan(r.aqi[0]) and r.aqi[1] == 131 and np.isnan(r.aqi[2])
    assert r.aqi[3] == 15
    assert r.level.tolist() == [0, 3, 0, 1]
    assert r.primary == ["", "pm10", "", ""]
    assert r.iaqi["pm10"].tolist() == [10, 131, 100, 10]  # single IAQIs are kept
    assert np.isnan(r.iaqi["pm2_5"][:3]).all()


def test_2026_absent_column_counts_as_missing() -> None:
    r = compute_aqi({"pm2_5": [60.0, 80.0]}, standard="hj633-2026", report="daily")
    assert np.isnan(r.aqi[0]) and r.aqi[1] == 119


def test_2012_missing_takes_max_of_available() -> None:
    nan = math.nan
    r = compute_aqi(
        {"pm2_5": [nan, nan], "pm10": [60.0, nan], "co": [nan, nan]},
        standard="hj633-2012",
        report="daily",
    )
    assert r.aqi[0] == 55 and np.isnan(r.aqi[1])
    assert r.level.tolist() == [2, 0]
    assert r.primary == ["pm10", ""]


@pytest.mark.parametrize("bad", [-1.0, math.inf, -math.inf, math.nan])
def test_negative_and_non_finite_are_missing(bad: float) -> None:
    for standard, report, key, _table, _dec in CASES:
        assert np.isnan(one(standard, report, key, [bad])[0])


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.5, 0, 3.0),
        (0.5, 0, 1.0),
        (3.5, 0, 4.0),
        (59.49, 0, 59.0),
        (59.5, 0, 60.0),
        (1.15, 1, 1.2),
        (1.25, 1, 1.3),
        (0.05, 1, 0.1),
        (2.675, 2, 2.68),
        (-2.5, 0, -3.0),
        (100.0, 0, 100.0),
    ],
)
def test_round_half_up(value: float, decimals: int, expected: float) -> None:
    assert kernels.round_half_up([value], decimals)[0] == expected


def test_round_half_up_differs_from_numpy_banker() -> None:
    assert np.round(2.5) == 2.0 and kernels.round_half_up(2.5)[()] == 3.0


def test_rounding_override() -> None:
    r = compute_aqi(
        {"pm2_5": [60.4]}, standard="hj633-2026", report="hourly", round_concentrations=True
    )
    assert r.iaqi["pm2_5"][0] == 100
    r = compute_aqi(
        {"pm2_5": [60.4]}, standard="hj633-2026", report="daily", round_concentrations=False
    )
    assert r.iaqi["pm2_5"][0] == 101


# ---------------------------------------------------------------- properties

CONC = st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(CASES), a=CONC, b=CONC)
def test_iaqi_monotone_and_bounded(
    case: tuple[str, str, str, str, int | None], a: float, b: float
) -> None:
    standard, report, key, table, _ = case
    lo, hi = sorted((a, b))
    if table in TRUNCATED:  # special rules above 800 are not monotone by design
        top = float(SHEET[table][-1])
        lo, hi = min(lo, top), min(hi, top)
    got = one(standard, report, key, [lo, hi])
    assert got[0] <= got[1]
    for v in got:
        assert 0 <= v <= 500 and v == int(v)


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(CASES), c=st.decimals(min_value=0, max_value=900, places=3))
def test_iaqi_matches_exact_oracle(case: tuple[str, str, str, str, int | None], c: Decimal) -> None:
    standard, report, key, table, decimals = case
    if table in TRUNCATED and c > Decimal(SHEET[table][-1]):
        return
    assert one(standard, report, key, [float(c)])[0] == oracle(str(c), table, decimals)


ROW_VALUE = st.one_of(st.just(math.nan), st.floats(min_value=0, max_value=1500))


@settings(max_examples=200, deadline=None)
@given(
    standard=st.sampled_from(["hj633-2012", "hj633-2026"]),
    report=st.sampled_from(["daily", "hourly"]),
    rows=st.lists(st.fixed_dictionaries({k: ROW_VALUE for k in kernels.KNOWN_KEYS}), min_size=1),
)
def test_aqi_consistency(standard: str, report: str, rows: list[dict[str, float]]) -> None:
    cols = {k: [r[k] for r in rows] for k in kernels.KNOWN_KEYS}
    r = compute_aqi(cols, standard=standard, report=report)  # type: ignore[arg-type]
    stacked = np.vstack(list(r.iaqi.values()))
    for i in range(len(rows)):
        values = stacked[:, i]
        available = values[~np.isnan(values)]
        aqi = r.aqi[i]
        if np.isnan(aqi):
            assert r.level[i] == 0 and r.primary[i] == ""
            if standard == "hj633-2012":
                assert available.size == 0
            else:
                assert available.size < values.size or available.size == 0
                assert available.size == 0 or available.max() <= 100
            continue
        assert (aqi >= available).all()
        assert aqi == available.max()
        expected_level = 1 + sum(aqi > t for t in (50, 100, 150, 200, 300))
        assert r.level[i] == expected_level
        names = [k for k, v in r.iaqi.items() if v[i] == aqi]
        assert r.primary[i] == (";".join(names) if aqi > 50 else "")
        if standard == "hj633-2012":
            assert r.non_attainment[i] == ";".join(k for k, v in r.iaqi.items() if v[i] > 100)
        else:
            assert r.non_attainment[i] == ""


@settings(max_examples=200, deadline=None)
@given(c=st.floats(min_value=0, max_value=700), key=st.sampled_from(["pm2_5", "co", "o3_8h"]))
def test_2026_daily_iaqi_is_that_of_the_rounded_concentration(c: float, key: str) -> None:
    rounded = kernels.round_half_up([c], 1 if key == "co" else 0)[0]
    a = one("hj633-2026", "daily", key, [c])
    b = one("hj633-2026", "daily", key, [rounded])
    assert a[0] == b[0]


# ---------------------------------------------------------------- levels, API, errors


def test_levels_table() -> None:
    assert [kernels.category_en(i) for i in range(1, 7)] == [
        "Excellent",
        "Good",
        "Lightly polluted",
        "Moderately polluted",
        "Heavily polluted",
        "Severely polluted",
    ]
    assert [kernels.category_zh(i) for i in range(1, 7)] == [
        "优",
        "良",
        "轻度污染",
        "中度污染",
        "重度污染",
        "严重污染",
    ]
    assert [kernels.colour_hex(i) for i in range(1, 7)] == [
        "#00E400",
        "#FFFF00",
        "#FF7E00",
        "#FF0000",
        "#99004C",
        "#7E0023",
    ]
    assert kernels.LEVELS[5].rgb == (153, 0, 76)
    assert kernels.category_en(0) == "" and kernels.colour_hex(0) == ""
    with pytest.raises(ValueError):
        kernels.category_en(7)


def test_level_boundaries() -> None:
    aqi = [0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500, math.nan]
    assert kernels.level_of(aqi).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 0]


def test_result_types() -> None:
    r = compute_aqi(DAILY_ROW, standard="hj633-2012", report="daily")
    assert r.aqi.dtype == np.float64 and r.level.dtype == np.int8
    assert all(v.dtype == np.float64 for v in r.iaqi.values())


def test_accepts_polars_series_with_nulls() -> None:
    s = pl.Series([60.0, None])
    r = compute_aqi({"pm2_5": s}, standard="hj633-2012", report="daily")
    assert r.iaqi["pm2_5"][0] == 82 and np.isnan(r.iaqi["pm2_5"][1])


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown pollutant"):
        compute_aqi({"pm1": [1.0]}, standard="hj633-2012", report="daily")
    with pytest.raises(ValueError, match="unknown standard"):
        compute_aqi({"pm2_5": [1.0]}, standard="hj633-2099", report="daily")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown report"):
        compute_aqi({"pm2_5": [1.0]}, standard="hj633-2012", report="weekly")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows"):
        compute_aqi({"pm2_5": [1.0], "pm10": [1.0, 2.0]}, standard="hj633-2012", report="daily")


def test_empty_input() -> None:
    r = compute_aqi({"pm2_5": []}, standard="hj633-2026", report="daily")
    assert r.aqi.size == 0 and r.primary == []


def test_standard_for() -> None:
    assert date(2026, 3, 1) == kernels.SWITCH_DATE
    assert kernels.standard_for(date(2026, 2, 28)) == "hj633-2012"
    assert kernels.standard_for(date(2026, 3, 1)) == "hj633-2026"
    # 16:00 UTC on 28 February is 00:00 on 1 March in Beijing
    assert kernels.standard_for(datetime(2026, 2, 28, 16, tzinfo=UTC)) == "hj633-2026"
    assert kernels.standard_for(datetime(2026, 2, 28, 15, tzinfo=UTC)) == "hj633-2012"
    days = np.array(["2025-12-31", "2026-02-28", "2026-03-01", "NaT"], dtype="datetime64[D]")
    assert kernels.standards_for(days).tolist() == [
        "hj633-2012",
        "hj633-2012",
        "hj633-2026",
        None,
    ]


def test_compute_aqi_by_date_switches_on_1_march() -> None:
    days = np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[D]")
    r = kernels.compute_aqi_by_date({"pm2_5": [60.0, 60.0]}, days=days, report="daily")
    assert r.iaqi["pm2_5"].tolist() == [82, 100]
    # 2012 row: max of available; 2026 row: PM2.5 alone (others missing), IAQI 100 -> NA
    assert r.aqi[0] == 82 and np.isnan(r.aqi[1])


# ---------------------------------------------------------------- GB 3095 daily statistics


def _hourly(
    values: Mapping[str, Sequence[float | None]], start: datetime, station: str = "A"
) -> pl.DataFrame:
    n = len(next(iter(values.values())))
    return pl.DataFrame(
        {"station": [station] * n, "ts": [start + timedelta(hours=h) for h in range(n)], **values},
        schema_overrides={k: pl.Float64 for k in values},
    )


def test_daily_means_24h_validity_20_hours() -> None:
    day = datetime(2026, 1, 10)
    full = [10.0] * 20 + [None] * 4  # 20 valid hours -> valid
    short = [10.0] * 19 + [None] * 5  # 19 -> invalid
    frame = pl.concat(
        [
            _hourly({"pm2_5": full}, day, "A"),
            _hourly({"pm2_5": short}, day, "B"),
        ]
    )
    out = kernels.daily_means(frame, group_cols=["station"])
    assert out["station"].to_list() == ["A", "B"]
    assert out["date"].to_list() == [date(2026, 1, 10)] * 2
    assert out["pm2_5"].to_list() == [10.0, None]
    assert out["valid_hours_pm2_5"].to_list() == [20, 19]


def test_daily_means_mean_and_missing_rows() -> None:
    day = datetime(2026, 1, 10)
    frame = _hourly({"so2": [float(h) for h in range(24)]}, day)
    frame = frame.filter(pl.col("ts").dt.hour() != 5)  # an absent row is a missing hour
    out = kernels.daily_means(frame, group_cols=["station"])
    assert out["so2"][0] == pytest.approx((sum(range(24)) - 5) / 23)
    assert out["valid_hours_so2"][0] == 23
    assert out["so2_1h"][0] == 23.0


def test_daily_means_nan_negative_missing() -> None:
    values: list[float | None] = [10.0] * 24
    values[0], values[1], values[2], values[3], values[4] = None, math.nan, -3.0, None, None
    out = kernels.daily_means(_hourly({"co": values}, datetime(2026, 1, 1)), group_cols=["station"])
    assert out["valid_hours_co"][0] == 19 and out["co"][0] is None


def test_o3_daily_max_8h_windows_within_the_day() -> None:
    # O3 high in the last hours of the previous day must not count (windows inside the day)
    prev = [0.0] * 16 + [400.0] * 8
    today = [100.0] * 8 + [20.0] * 16
    frame = _hourly({"o3": prev + today}, datetime(2026, 6, 1))
    out = kernels.daily_means(frame, group_cols=["station"])
    assert out["o3_8h"].to_list()[1] == 100.0  # hours 00-07
    assert out["o3_1h"].to_list() == [400.0, 100.0]
    assert out["valid_windows_o3_8h"].to_list() == [17, 17]


def test_o3_8h_window_needs_6_hours_and_day_needs_14_windows() -> None:
    # 2 missing hours in every window of 8 still leaves 6: all 17 windows valid
    hours: list[float | None] = [50.0] * 24
    for h in (3, 4):
        hours[h] = None
    hours[10] = 170.0
    out = kernels.daily_means(_hourly({"o3": hours}, datetime(2026, 6, 1)), group_cols=["station"])
    # max window: hours 3..10 -> values 50*5 + 170 over 6 valid = 70
    assert out["o3_8h"][0] == pytest.approx((50 * 5 + 170) / 6)
    # 3 missing hours inside a window -> that window is invalid
    hours = [50.0] * 24
    for h in (0, 1, 2):
        hours[h] = None
    out = kernels.daily_means(_hourly({"o3": hours}, datetime(2026, 6, 1)), group_cols=["station"])
    assert out["valid_windows_o3_8h"][0] == 16  # window 00-07 has 5 valid hours
    # only hours 00-12 measured -> windows starting 0..7 have >= 6 hours (8 windows < 14)
    hours = [50.0] * 13 + [None] * 11
    out = kernels.daily_means(_hourly({"o3": hours}, datetime(2026, 6, 1)), group_cols=["station"])
    assert out["valid_windows_o3_8h"][0] == 8
    assert out["o3_8h"][0] is None
    # ... unless the maximum already exceeds the 8h limit (160)
    hours = [200.0] * 13 + [None] * 11
    out = kernels.daily_means(_hourly({"o3": hours}, datetime(2026, 6, 1)), group_cols=["station"])
    assert out["o3_8h"][0] == 200.0
    out = kernels.daily_means(
        _hourly({"o3": hours}, datetime(2026, 6, 1)),
        group_cols=["station"],
        o3_8h_valid_above=None,
    )
    assert out["o3_8h"][0] is None


def test_daily_means_converts_aware_ts_to_china_time() -> None:
    start = datetime(2026, 1, 9, 16, tzinfo=UTC)  # 2026-01-10 00:00 in Beijing
    frame = _hourly({"pm10": [30.0] * 24}, start).with_columns(
        pl.col("ts").dt.replace_time_zone("UTC")
    )
    out = kernels.daily_means(frame, group_cols=["station"])
    assert out["date"].to_list() == [date(2026, 1, 10)]
    assert out["pm10"][0] == 30.0


def test_daily_means_rejects_bad_frames() -> None:
    frame = _hourly({"pm10": [30.0] * 2}, datetime(2026, 1, 1, 0, 30))
    with pytest.raises(ValueError, match="on the hour"):
        kernels.daily_means(frame, group_cols=["station"])
    dup = pl.concat([_hourly({"pm10": [1.0]}, datetime(2026, 1, 1))] * 2)
    with pytest.raises(ValueError, match="duplicate"):
        kernels.daily_means(dup, group_cols=["station"])
    with pytest.raises(ValueError, match="lacks"):
        kernels.daily_means(dup, group_cols=["city"])


def test_moving_average_8h_crosses_days_and_needs_6_hours() -> None:
    values: list[float | None] = [float(h) for h in range(30)]
    values[20] = None
    frame = _hourly({"o3": values}, datetime(2026, 6, 1, 0))
    out = kernels.moving_average_8h(frame, group_cols=["station"])
    got = out["o3_8h"].to_list()
    assert got[:5] == [None] * 5  # fewer than 6 hours so far
    assert got[5] == pytest.approx(sum(range(6)) / 6)
    assert got[7] == pytest.approx(sum(range(8)) / 8)
    assert got[25] == pytest.approx((sum(range(18, 26)) - 20) / 7)  # crosses midnight


def test_moving_average_respects_groups_gaps_and_order() -> None:
    a = _hourly({"pm2_5": [10.0] * 30}, datetime(2026, 1, 1), "A")
    b = _hourly({"pm2_5": [40.0] * 30}, datetime(2026, 1, 1), "B")
    frame = pl.concat([b, a]).sample(fraction=1.0, shuffle=True, seed=3)
    out = kernels.moving_average_24h(frame, group_cols=["station"], column="pm2_5")
    assert out.select("station", "ts").equals(frame.select("station", "ts"))
    for station, expected in (("A", 10.0), ("B", 40.0)):
        sub = out.filter(pl.col("station") == station).sort("ts")["pm2_5_24h"].to_list()
        assert sub[:19] == [None] * 19 and sub[19:] == [expected] * 11
    # absent rows are missing clock hours, not skipped: the window is 24 clock hours
    values = [1000.0] + [10.0] * 29
    gap = _hourly({"pm2_5": values}, datetime(2026, 1, 1), "A").filter(
        ~((pl.col("ts").dt.day() == 1) & pl.col("ts").dt.hour().is_between(1, 6))
    )
    out = kernels.moving_average_24h(gap, group_cols=["station"], column="pm2_5")
    by_ts = dict(zip(out["ts"].to_list(), out["pm2_5_24h"].to_list(), strict=True))
    assert by_ts[datetime(2026, 1, 1, 23)] is None  # 18 valid hours
    assert by_ts[datetime(2026, 1, 2, 5)] == 10.0  # 01-01 06:00 .. 01-02 05:00, 23 valid


def test_blocks_give_the_same_result_as_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    n = 5_000
    cols = {k: rng.lognormal(4.0, 1.0, n).round(1) for k in kernels.KNOWN_KEYS}
    cols["pm2_5"][::7] = np.nan
    cols["o3_8h"][::11] = 900.0  # the special rule inside blocks
    serial = compute_aqi(cols, standard="hj633-2012", report="daily")
    serial26 = compute_aqi(cols, standard="hj633-2026", report="daily")
    monkeypatch.setattr(hj633, "CHUNK_ROWS", 700)  # several blocks, the last one partial
    for before, standard in ((serial, "hj633-2012"), (serial26, "hj633-2026")):
        after = compute_aqi(cols, standard=standard, report="daily")  # type: ignore[arg-type]
        assert before.iaqi.keys() == after.iaqi.keys()
        for key in before.iaqi:
            np.testing.assert_array_equal(before.iaqi[key], after.iaqi[key])
        np.testing.assert_array_equal(before.aqi, after.aqi)
        np.testing.assert_array_equal(before.level, after.level)
        assert before.primary == after.primary
        assert before.non_attainment == after.non_attainment
        assert len(after.primary) == n


HOUR_VALUE = st.one_of(st.none(), st.integers(min_value=0, max_value=400).map(float))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(HOUR_VALUE, min_size=48, max_size=48))
def test_daily_means_match_a_naive_reference(values: list[float | None]) -> None:
    start = datetime(2026, 7, 1)
    frame = _hourly({"o3": values, "no2": values}, start)
    out = kernels.daily_means(frame, group_cols=["station"])
    for day in range(2):
        hours = values[24 * day : 24 * day + 24]
        valid = [v for v in hours if v is not None]
        expected_mean = sum(valid) / len(valid) if len(valid) >= 20 else None
        assert out["no2"][day] == (None if expected_mean is None else pytest.approx(expected_mean))
        windows = []
        for s in range(17):
            w = [v for v in hours[s : s + 8] if v is not None]
            if len(w) >= 6:
                windows.append(sum(w) / len(w))
        best = max(windows) if windows else None
        ok = best is not None and (len(windows) >= 14 or best > 160)
        assert out["o3_8h"][day] == (pytest.approx(best) if ok else None)
        assert out["valid_windows_o3_8h"][day] == len(windows)


def test_infinite_o3_1h_does_not_leak_into_o3_8h_rule() -> None:
    r = compute_aqi(
        {"o3_8h": [850.0, 850.0], "o3_1h": [math.inf, 500.0], "pm2_5": [10.0, 10.0]},
        standard="hj633-2012",
        report="daily",
    )
    assert np.isnan(r.iaqi["o3_1h"][0]) and np.isnan(r.iaqi["o3_8h"][0])
    assert r.aqi.tolist() == [15, 225]


GRID_VALUE = st.one_of(
    st.tuples(st.integers(min_value=-50, max_value=400_000), st.integers(0, 3)).map(
        lambda t: t[0] / 10 ** t[1]
    ),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 2.2, 1.15, 800.0, 800.1, 60.0]),
)


@settings(max_examples=150, deadline=None)
@given(
    standard=st.sampled_from(["hj633-2012", "hj633-2026"]),
    report=st.sampled_from(["daily", "hourly"]),
    values=st.lists(st.lists(GRID_VALUE, min_size=11, max_size=11), min_size=1, max_size=40),
    same_grid=st.booleans(),
)
def test_lookup_path_equals_interpolation_path(
    standard: str,
    report: str,
    values: list[list[float]],
    same_grid: bool,
) -> None:
    matrix = np.array(values)
    if same_grid:  # whole columns on one decimal grid, so that the lookup path is taken
        matrix = np.where(np.isfinite(matrix), np.round(matrix, 1), matrix)
    cols = {k: matrix[:, i] for i, k in enumerate(kernels.KNOWN_KEYS)}
    with pytest.MonkeyPatch.context() as m:
        m.setattr(hj633, "CHUNK_ROWS", 7)
        fast = compute_aqi(cols, standard=standard, report=report)  # type: ignore[arg-type]
        m.setattr(hj633, "USE_LOOKUP", False)
        slow = compute_aqi(cols, standard=standard, report=report)  # type: ignore[arg-type]
    for key in slow.iaqi:
        np.testing.assert_array_equal(fast.iaqi[key], slow.iaqi[key])
    np.testing.assert_array_equal(fast.aqi, slow.aqi)
    assert fast.primary == slow.primary and fast.non_attainment == slow.non_attainment


def test_lookup_tables_are_exact_on_their_grid() -> None:
    for std, rep, key, table, _dec in CASES:
        kernel_table = kernels.INDICATORS[(std, rep)][key]  # type: ignore[index]
        for decimals in (0, 1, 2):
            lut = iaqi.lookup_table(kernel_table, decimals)
            if lut is None:  # too many grid points: that grid uses np.interp
                continue
            step = Decimal(1).scaleb(-decimals)
            bps = [Decimal(b) for b in SHEET[table]]
            for c in bps + [b + step for b in bps[:-1]] + [b - step for b in bps[1:]]:
                assert lut[int(c / step) + 1] == oracle(str(c), table, None), (table, c)
            assert np.isnan(lut[0])
            above = lut[-1]
            assert np.isnan(above) if table in TRUNCATED else above == 500
