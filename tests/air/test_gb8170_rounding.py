"""GB/T 8170 rounding (HJ 663) before limits are compared, and the 2018 amendment of GB 3095's
reference state for gaseous pollutants."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from jingjinji.air.kernels.gb3095 import (
    DECIMALS,
    REFERENCE_STATE_FROM,
    STANDARD_TO_REFERENCE,
    compliance_table,
    gbt8170_round,
    to_reference_state,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (75.5, 0, 76.0),  # five, odd before it: up
        (76.5, 0, 76.0),  # five, even before it: stays
        (74.5, 0, 74.0),
        (75.4999, 0, 75.0),  # below five: down
        (75.51, 0, 76.0),  # five followed by more digits: up
        (75.6, 0, 76.0),  # six: up
        (160.5, 0, 160.0),
        (161.5, 0, 162.0),
        (4.05, 1, 4.0),  # decimal 4.05: even 0 stays (binary 4.05 is just below)
        (4.15, 1, 4.2),  # binary 4.15 is just above; decimal rule: odd 1 -> 2
        (4.25, 1, 4.2),
        (4.35, 1, 4.4),  # binary 4.35 is just below 4.35: the decimal rule still goes up
        (4.45, 1, 4.4),
        (-2.5, 0, -2.0),
        (0.0, 0, 0.0),
    ],
)
def test_round_half_to_even_on_the_decimal_value(
    value: float, decimals: int, expected: float
) -> None:
    assert gbt8170_round([value], decimals)[0] == expected


def test_nan_stays_nan() -> None:
    out = gbt8170_round(np.array([np.nan, 1.5]), 0)
    assert np.isnan(out[0]) and out[1] == 2.0


def test_decimals_per_pollutant() -> None:
    assert DECIMALS == {"pm2_5": 0, "pm10": 0, "so2": 0, "no2": 0, "o3": 0, "co": 1}


def year(value: dict[str, float], days: int = 365) -> pl.DataFrame:
    start = dt.date(2025, 1, 1)
    return pl.DataFrame(
        {
            "date": [start + dt.timedelta(days=i) for i in range(days)],
            **{c: [v] * days for c, v in value.items()},
        }
    )


def indicator(table: pl.DataFrame, name: str) -> dict[str, object]:
    return table.filter(pl.col("indicator") == name).row(0, named=True)


@pytest.mark.parametrize(
    ("annual", "rounded_value", "passed_rounded", "passed_raw"),
    [
        (35.4, 35.0, True, False),  # rounds to the limit: passes; unrounded it exceeds
        (35.5, 36.0, False, False),  # five after an odd 5: up to 36
        (34.5, 34.0, True, True),  # five after an even 4: stays 34
        (36.5, 36.0, False, False),
    ],
)
def test_annual_mean_is_rounded_before_the_comparison(
    annual: float, rounded_value: float, passed_rounded: bool, passed_raw: bool
) -> None:
    frame = year({"pm2_5": annual})
    rounded = indicator(compliance_table(frame, standard="gb3095-2012"), "pm2_5_annual")
    raw = indicator(compliance_table(frame, standard="gb3095-2012", rounding=False), "pm2_5_annual")
    assert rounded["value"] == rounded_value
    assert rounded["passed"] is passed_rounded
    assert raw["value"] == pytest.approx(annual)
    assert raw["passed"] is passed_raw


@pytest.mark.parametrize(("daily", "exceeds"), [(75.4, 0), (75.5, 365), (76.5, 365), (74.5, 0)])
def test_daily_values_are_rounded_before_exceedance_is_counted(daily: float, exceeds: int) -> None:
    table = compliance_table(year({"pm2_5": daily}), standard="gb3095-2012")
    assert indicator(table, "pm2_5_exceedance_days")["value"] == exceeds


@pytest.mark.parametrize(("co", "exceeds"), [(4.04, 0), (4.05, 0), (4.15, 365), (4.06, 365)])
def test_co_keeps_one_decimal(co: float, exceeds: int) -> None:
    table = compliance_table(year({"co": co}), standard="gb3095-2012")
    assert indicator(table, "co_exceedance_days")["value"] == exceeds


def test_reference_state_converts_gases_before_the_amendment_only() -> None:
    frame = pl.DataFrame(
        {
            "date": [REFERENCE_STATE_FROM - dt.timedelta(days=1), REFERENCE_STATE_FROM],
            "no2": [100.0, 100.0],
            "co": [2.0, 2.0],
            "o3_8h": [170.0, 170.0],
            "pm2_5": [80.0, 80.0],
        }
    )
    out = to_reference_state(frame)
    assert out["no2"].to_list() == pytest.approx([100.0 * STANDARD_TO_REFERENCE, 100.0])
    assert out["co"].to_list() == pytest.approx([2.0 * STANDARD_TO_REFERENCE, 2.0])
    assert out["o3_8h"].to_list() == pytest.approx([170.0 * STANDARD_TO_REFERENCE, 170.0])
    assert out["pm2_5"].to_list() == [80.0, 80.0]  # particulates: unchanged
    assert round(STANDARD_TO_REFERENCE, 4) == 0.9161


def test_reference_state_changes_a_comparison() -> None:
    """An O3 daily max 8 h of 170 ug/m3 at the standard state (2017) exceeds 160; the same air
    at the reference state is 155.7 and does not."""
    frame = year({"o3_8h": 170.0}).with_columns(pl.col("date").dt.offset_by("-8y"))
    as_reported = compliance_table(frame, standard="gb3095-2012")
    reference = compliance_table(frame, standard="gb3095-2012", gas_reference_state=True)
    assert indicator(as_reported, "o3_8h_exceedance_days")["value"] == 365
    assert indicator(reference, "o3_8h_exceedance_days")["value"] == 0
    assert indicator(reference, "o3_8h_p90")["value"] == 156.0
