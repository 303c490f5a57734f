"""2020 technical rules: reporting decimals, half-even rounding on the written value, period
values (pH through the hydrogen ion, values below detection)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jingjinji.water import kernels

EXPECTED_DECIMALS = {
    "ph": 0,
    "do": 1,
    "codmn": 1,
    "cod": 1,
    "bod5": 1,
    "nh3n": 2,
    "tp": 3,
    "tn": 2,
    "cu": 3,
    "zn": 3,
    "f": 3,
    "se": 4,
    "as": 4,
    "hg": 5,
    "cd": 5,
    "cr6": 3,
    "pb": 3,
    "cn": 3,
    "phenol": 4,
    "petroleum": 2,
    "las": 2,
    "sulfide": 3,
    "fecal_coliform": 0,
}


def test_decimals_per_item_in_table_order() -> None:
    assert dict(kernels.DECIMALS) == EXPECTED_DECIMALS
    assert tuple(kernels.DECIMALS) == kernels.ITEMS


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        ("nh3n", 0.125, 0.12),  # half: to the even digit
        ("nh3n", 0.135, 0.14),
        ("nh3n", 2.675, 2.68),  # the written 2.675, although its float is 2.67499999...
        ("nh3n", 0.1251, 0.13),  # more than half
        ("nh3n", 9.745, 9.74),
        ("ph", 7.5, 8.0),
        ("ph", 6.5, 6.0),
        ("do", 5.25, 5.2),
        ("do", 5.35, 5.4),
        ("cod", 32.95, 33.0),
        ("tp", 0.0405, 0.040),
        ("hg", 0.000045, 0.00004),
        ("fecal_coliform", 2500.5, 2500.0),
        ("fecal_coliform", 2501.5, 2502.0),
    ],
)
def test_round_half_to_even(item: str, value: float, expected: float) -> None:
    assert kernels.round_item(item, [value]).tolist() == [expected]


def test_rounding_keeps_missing_values_and_shape() -> None:
    got = kernels.round_item("cod", np.array([[1.25, math.nan], [2.35, 0.0]]))
    assert got.shape == (2, 2)
    assert got[0, 0] == 1.2
    assert math.isnan(got[0, 1])
    assert got[1].tolist() == [2.4, 0.0]
    with pytest.raises(ValueError, match="'temperature'"):
        kernels.round_item("temperature", [1.0])
    with pytest.raises(ValueError, match="0 or more"):
        kernels.round_decimals([1.0], -1)


def test_period_value_is_the_mean_of_present_values() -> None:
    assert kernels.period_value("cod", [10.0, math.nan, 20.0]) == 15.0
    assert math.isnan(kernels.period_value("cod", [math.nan]))
    assert math.isnan(kernels.period_value("cod", []))


def test_ph_is_averaged_through_the_hydrogen_ion() -> None:
    got = kernels.period_value("ph", [6.0, 8.0])
    assert got == pytest.approx(-math.log10((1e-6 + 1e-8) / 2))
    assert got == pytest.approx(6.2967, abs=1e-4)  # the plain mean would say 7
    assert kernels.period_value("ph", [7.2, 7.2]) == pytest.approx(7.2)


@pytest.mark.parametrize(("rule", "expected"), [("half", 5.5), ("zero", 5.0), ("limit", 6.0)])
def test_values_below_detection(rule: str, expected: float) -> None:
    got = kernels.period_value(
        "cod",
        [10.0, 0.0],
        below=[False, True],
        detection_limit=2.0,
        below_detection=rule,
    )
    assert got == expected


def test_below_detection_with_one_limit_per_value_and_errors() -> None:
    got = kernels.period_value(
        "nh3n", [0.5, 0.01, 0.02], below=[False, True, True], detection_limit=[0.0, 0.02, 0.04]
    )
    assert got == pytest.approx((0.5 + 0.01 + 0.02) / 3)
    with pytest.raises(ValueError, match="'median'"):
        kernels.period_value("cod", [1.0], below_detection="median")
    with pytest.raises(ValueError, match="detection limit"):
        kernels.period_value("cod", [1.0], below=[True])
    with pytest.raises(ValueError, match="1 below-detection flags for 2 values"):
        kernels.period_value("cod", [1.0, 2.0], below=[True], detection_limit=1.0)
    with pytest.raises(ValueError, match="'xx'"):
        kernels.period_value("xx", [1.0])
    assert kernels.BELOW_DETECTION_RULES == ("half", "zero", "limit")
