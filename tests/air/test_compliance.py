"""GB 3095 grade II compliance: limits, validity of annual statistics, exceedances, percentiles."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from jingjinji.air import kernels
from jingjinji.air.kernels import compliance, compliance_table
from jingjinji.air.kernels.gb3095 import gbt8170_round
from jingjinji.air.service.compliance import reason_message
from jingjinji.i18n import translate

# Grade II limits typed in from the fact sheet (ug/m3, CO mg/m3).
SHEET_LIMITS = {
    "gb3095-2012": {
        "pm2_5": (35, 75),
        "pm10": (70, 150),
        "so2": (60, 150, 500),
        "no2": (40, 80, 200),
        "co": (4, 10),
        "o3": (160, 200),
    },
    "gb3095-2026": {
        "pm2_5": (30, 60),
        "pm10": (60, 120),
        "so2": (60, 150, 500),
        "no2": (40, 80, 200),
        "co": (4, 10),
        "o3": (160, 200),
    },
    "gb3095-2026-2031": {
        "pm2_5": (25, 50),
        "pm10": (50, 100),
        "so2": (20, 50, 150),
        "no2": (30, 50, 200),
        "co": (4, 10),
        "o3": (160, 200),
    },
}
PERIODS = {
    "pm2_5": ("annual", "24h"),
    "pm10": ("annual", "24h"),
    "so2": ("annual", "24h", "1h"),
    "no2": ("annual", "24h", "1h"),
    "co": ("24h", "1h"),
    "o3": ("8h", "1h"),
}


@pytest.mark.parametrize("standard", list(SHEET_LIMITS))
def test_limits_match_fact_sheet(standard: str) -> None:
    expected = {
        p: dict(zip(PERIODS[p], values, strict=True))
        for p, values in SHEET_LIMITS[standard].items()
    }
    assert kernels.LIMITS[standard] == expected  # type: ignore[index]


def year_frame(year: int, value: float = 20.0, drop: dict[int, int] | None = None) -> pl.DataFrame:
    """One row per day of ``year`` with every daily column at ``value`` (CO a tenth of it);
    ``drop`` removes the first n days of the given months."""
    days = []
    d = date(year, 1, 1)
    while d.year == year:
        days.append(d)
        d += timedelta(days=1)
    drop = drop or {}
    days = [d for d in days if d.day > drop.get(d.month, 0)]
    n = len(days)
    return pl.DataFrame(
        {
            "date": days,
            **{c: [value] * n for c in ("pm2_5", "pm10", "so2", "no2", "o3_8h")},
            "co": [value / 10] * n,  # mg/m3
        }
    )


def row(table: pl.DataFrame, indicator: str) -> dict[str, object]:
    found = table.filter(pl.col("indicator") == indicator)
    assert found.height == 1, indicator
    return found.row(0, named=True)


# Months with 31 days: 1 3 5 7 8 10 12; with 30: 4 6 9 11.
DROP_324 = {2: 3, 4: 3, 6: 3, 9: 3, 11: 3, 1: 4, 3: 4, 5: 4, 7: 4, 8: 4, 10: 4, 12: 2}


def test_324_daily_values_are_enough() -> None:
    frame = year_frame(2025, drop=DROP_324)
    assert frame.height == 324
    table = compliance_table(frame, standard="gb3095-2012")
    r = row(table, "pm2_5_annual")
    assert r["valid"] is True and r["value"] == 20.0 and r["passed"] is True
    assert r["reason"] is None and r["valid_days"] == 324


def test_323_daily_values_are_not() -> None:
    frame = year_frame(2025, drop={**DROP_324, 12: 3})
    assert frame.height == 323
    table = compliance_table(frame, standard="gb3095-2012")
    r = row(table, "pm2_5_annual")
    assert r["valid"] is False and r["value"] is None and r["passed"] is None
    assert "323 valid daily values (< 324)" in str(r["reason"])
    assert "months short" not in str(r["reason"])
    # the percentile needs the same completeness
    assert row(table, "pm2_5_p95")["value"] is None


@pytest.mark.parametrize(("kept", "valid"), [(24, False), (25, True)])
def test_february_needs_25(kept: int, valid: bool) -> None:
    frame = year_frame(2025, drop={2: 28 - kept})
    assert frame.height >= 324
    r = row(compliance_table(frame, standard="gb3095-2026"), "pm10_annual")
    assert r["valid"] is valid
    if not valid:
        assert r["reason"] == f"{frame.height} valid daily values; months short: February 24 (< 25)"


def test_february_of_a_leap_year() -> None:
    frame = year_frame(2024, drop={2: 4})  # 25 of 29 days
    assert row(compliance_table(frame, standard="gb3095-2012"), "so2_annual")["valid"] is True


@pytest.mark.parametrize(("kept", "valid"), [(26, False), (27, True)])
def test_other_months_need_27(kept: int, valid: bool) -> None:
    frame = year_frame(2025, drop={7: 31 - kept})
    r = row(compliance_table(frame, standard="gb3095-2012"), "no2_annual")
    assert r["valid"] is valid
    if not valid:
        assert "July 26 (< 27)" in str(r["reason"])


def test_missing_months_count_as_zero() -> None:
    frame = year_frame(2025).filter(pl.col("date").dt.month() >= 3)
    r = row(compliance_table(frame, standard="gb3095-2012"), "pm2_5_annual")
    assert r["valid"] is False
    assert "January 0 (< 27)" in str(r["reason"]) and "February 0 (< 25)" in str(r["reason"])


def test_null_nan_and_negative_are_missing() -> None:
    frame = year_frame(2025)
    values = frame["pm2_5"].to_list()
    values[0], values[1], values[2] = None, math.nan, -1.0
    frame = frame.with_columns(pl.Series("pm2_5", values))
    r = row(compliance_table(frame, standard="gb3095-2012"), "pm2_5_annual")
    assert r["valid_days"] == 362
    assert r["valid"] is True and r["reason"] is None  # January keeps 28 >= 27
    assert r["value"] == 20.0


def test_pass_fail_differs_between_standards() -> None:
    frame = year_frame(2025, value=32.0)
    by = {s: compliance_table(frame, standard=s) for s in kernels.COMPLIANCE_STANDARDS}
    assert row(by["gb3095-2012"], "pm2_5_annual")["passed"] is True  # 32 <= 35
    assert row(by["gb3095-2026"], "pm2_5_annual")["passed"] is False  # 32 > 30
    assert row(by["gb3095-2026-2031"], "pm2_5_annual")["passed"] is False
    assert row(by["gb3095-2012"], "so2_annual")["passed"] is True
    assert row(by["gb3095-2026-2031"], "so2_annual")["passed"] is False  # 32 > 20
    assert row(by["gb3095-2026-2031"], "no2_annual")["passed"] is False  # 32 > 30
    assert row(by["gb3095-2026"], "no2_annual")["passed"] is True  # 32 <= 40


def test_exceedance_days_and_limit_is_not_exceeded_when_equal() -> None:
    frame = year_frame(2025, value=10.0)
    pm = np.full(frame.height, 10.0)
    pm[:5] = 75.0  # equal to the 2012 limit: no exceedance in 2012, exceedance in 2026
    pm[5:8] = 75.1
    o3 = np.full(frame.height, 100.0)
    o3[:4] = 160.5
    frame = frame.with_columns(pl.Series("pm2_5", pm), pl.Series("o3_8h", o3))
    # the raw comparison (GB/T 8170 rounding off): 75.1 > 75 and 160.5 > 160
    t12 = compliance_table(frame, standard="gb3095-2012", rounding=False)
    t26 = compliance_table(frame, standard="gb3095-2026", rounding=False)
    assert row(t12, "pm2_5_exceedance_days")["value"] == 3
    assert row(t26, "pm2_5_exceedance_days")["value"] == 8
    assert row(t12, "o3_8h_exceedance_days")["value"] == 4
    assert row(t12, "o3_8h_exceedance_days")["limit"] == 160.0
    assert row(t12, "pm2_5_exceedance_days")["passed"] is None
    # HJ 663 rounds first (default): 75.1 -> 75 and 160.5 -> 160 (half to even) do not exceed
    r12 = compliance_table(frame, standard="gb3095-2012")
    assert row(r12, "pm2_5_exceedance_days")["value"] == 0
    assert row(r12, "o3_8h_exceedance_days")["value"] == 0


def test_percentiles_follow_hj663_linear_formula() -> None:
    frame = year_frame(2025)
    rng = np.random.default_rng(7)
    pm = rng.lognormal(3.5, 0.6, frame.height).round(1)
    o3 = rng.lognormal(4.5, 0.4, frame.height).round(1)
    frame = frame.with_columns(pl.Series("pm2_5", pm), pl.Series("o3_8h", o3))
    table = compliance_table(frame, standard="gb3095-2012", rounding=False)

    def hj663(values: np.ndarray, p: float) -> float:
        x = np.sort(values)
        k = 1 + (len(x) - 1) * p / 100  # 1-based ordinal of HJ 663
        s = math.floor(k)
        upper = x[min(s, len(x) - 1)]
        return float(x[s - 1] + (upper - x[s - 1]) * (k - s))

    p95 = row(table, "pm2_5_p95")
    assert p95["value"] == pytest.approx(hj663(pm, 95))
    assert p95["value"] == pytest.approx(np.percentile(pm, 95))
    assert p95["passed"] is (hj663(pm, 95) <= 75)
    p90 = row(table, "o3_8h_p90")
    assert p90["value"] == pytest.approx(hj663(o3, 90))
    assert p90["limit"] == 160.0
    assert row(table, "so2_p98")["value"] == 20.0
    nearest = compliance_table(
        frame, standard="gb3095-2012", percentile_method="nearest", rounding=False
    )
    assert row(nearest, "pm2_5_p95")["value"] in set(pm.tolist())
    rounded = compliance_table(frame, standard="gb3095-2012")
    assert row(rounded, "pm2_5_p95")["value"] == gbt8170_round([hj663(pm, 95)], 0)[0]


def test_compliance_dataclasses_per_year_and_group() -> None:
    a = year_frame(2025, value=20.0).with_columns(pl.lit("A").alias("station"))
    b = year_frame(2025, value=90.0).with_columns(pl.lit("B").alias("station"))
    b2 = year_frame(2026, value=20.0, drop={5: 10}).with_columns(pl.lit("B").alias("station"))
    result = compliance(pl.concat([a, b, b2]), standard="gb3095-2012", group_cols=["station"])
    assert set(result) == {("A", 2025), ("B", 2025), ("B", 2026)}
    ok = result[("A", 2025)]
    assert ok.year == 2025 and ok.group == ("A",)
    assert ok.annual_mean == {"pm2_5": 20.0, "pm10": 20.0, "so2": 20.0, "no2": 20.0}
    assert ok.exceedance_days["pm2_5"] == 0
    assert ok.passed is True
    bad = result[("B", 2025)]
    assert bad.exceedance_days["pm2_5"] == 365  # 90 > 75
    assert bad.indicators["pm2_5_annual"].passed is False
    assert bad.passed is False
    short = result[("B", 2026)]
    assert short.annual_mean["pm2_5"] is None
    assert "May 21 (< 27)" in str(short.annual_mean_reason["pm2_5"])
    assert short.passed is None
    plain = compliance(a.drop("station"), standard="gb3095-2026")
    assert list(plain) == [2025]
    assert set(plain[2025].indicators) == {
        "pm2_5_annual",
        "pm2_5_p95",
        "pm10_annual",
        "pm10_p95",
        "so2_annual",
        "so2_p98",
        "no2_annual",
        "no2_p98",
        "co_p95",
        "o3_8h_p90",
    }


def test_one_hour_maxima_give_exceedance_days_only() -> None:
    frame = year_frame(2025).with_columns(
        pl.Series("o3_1h", [210.0] * 3 + [100.0] * 362), pl.Series("so2_1h", [10.0] * 365)
    )
    table = compliance_table(frame, standard="gb3095-2012")
    assert row(table, "o3_1h_exceedance_days")["value"] == 3
    assert row(table, "so2_1h_exceedance_days")["limit"] == 500.0
    assert table.filter(pl.col("column") == "o3_1h").height == 1


def test_errors() -> None:
    frame = year_frame(2025)
    with pytest.raises(ValueError, match="unknown standard"):
        compliance_table(frame, standard="gb3095-1996")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate"):
        compliance_table(pl.concat([frame, frame]), standard="gb3095-2012")
    with pytest.raises(ValueError, match="lacks"):
        compliance_table(frame.drop("date"), standard="gb3095-2012")
    with pytest.raises(ValueError, match="percentile"):
        compliance_table(frame, standard="gb3095-2012", percentile_method="weibull")  # type: ignore[arg-type]


def test_daily_means_feed_compliance() -> None:
    # hourly -> daily -> annual for a full year of constant values
    hours = pl.datetime_range(datetime(2025, 1, 1), datetime(2025, 12, 31, 23), "1h", eager=True)
    hourly = pl.DataFrame({"station": "A", "ts": hours, "pm2_5": 40.0, "o3": 170.0, "co": 1.0})
    daily = kernels.daily_means(hourly, group_cols=["station"])
    result = compliance(daily, standard="gb3095-2012", group_cols=["station"])[("A", 2025)]
    assert result.annual_mean["pm2_5"] == 40.0
    assert result.indicators["pm2_5_annual"].passed is False
    assert result.exceedance_days["o3_8h"] == 365
    assert result.indicators["co_p95"].passed is True


def test_the_api_passes_the_kernels_reason_on_as_written() -> None:
    # The service turns the reason into a message a page translates; its English text, which
    # the API returns, must stay the kernel's own ("; " between the short months).
    frame = year_frame(2026, value=20.0, drop={3: 10, 4: 9})
    reason = str(row(compliance_table(frame, standard="gb3095-2012"), "pm2_5_annual")["reason"])
    assert "March 21 (< 27); April 21 (< 27)" in reason
    message = reason_message(reason)
    assert str(message) == reason
    assert translate("zh-CN", message) == (
        "有效日均值 346 个；有效日均值不足的月份："
        "3 月 21 个（少于 27 个）、4 月 21 个（少于 27 个）"
    )
