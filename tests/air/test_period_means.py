"""Monthly and annual means with GB 3095's day counts (kernels.period_means), against sums
done by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from jingjinji.air.kernels import period_means


def _year(missing: dict[int, int]) -> pl.DataFrame:
    """Every day of 2015, PM2.5 = the month's number; the first ``missing[m]`` days of month
    ``m`` missing (null, or negative: not a valid value)."""
    days = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    values: list[float | None] = []
    for day in days:
        gap = day.day <= missing.get(day.month, 0)
        values.append((None if day.day % 2 else -1.0) if gap else float(day.month))
    return pl.DataFrame({"date": days, "pm2_5": values, "co": [0.5] * 365})


def test_monthly_means_need_27_days_and_25_in_february() -> None:
    out = period_means(_year({2: 3, 3: 5}), period="month", columns=["pm2_5"])
    by_month = {r["month"]: r for r in out.iter_rows(named=True)}
    assert len(by_month) == 12 and out["year"].unique().to_list() == [2015]
    assert (by_month[1]["pm2_5"], by_month[1]["days_pm2_5"]) == (1.0, 31)
    assert (by_month[2]["pm2_5"], by_month[2]["days_pm2_5"]) == (2.0, 25)  # 25 in February
    assert (by_month[3]["pm2_5"], by_month[3]["days_pm2_5"]) == (None, 26)  # 26 < 27
    short_feb = period_means(_year({2: 4}), period="month", columns=["pm2_5"])
    assert short_feb.filter(pl.col("month") == 2)["pm2_5"].to_list() == [None]


def test_annual_mean_needs_324_days_and_every_month() -> None:
    out = period_means(_year({2: 3}), period="year", columns=["pm2_5", "co"])
    (row,) = out.iter_rows(named=True)
    # 31*1 + 25*2 + 31*3 + 30*4 + 31*5 + 30*6 + 31*7 + 31*8 + 30*9 + 31*10 + 30*11 + 31*12
    # = 2376 over 362 days
    assert row["days_pm2_5"] == 362
    assert row["pm2_5"] == pytest.approx(2376 / 362)
    assert (row["co"], row["days_co"]) == (0.5, 365)
    # March with 26 days: 357 days (>= 324) but one month short -> no annual mean
    (short,) = period_means(_year({2: 3, 3: 5}), period="year", columns=["pm2_5"]).iter_rows(
        named=True
    )
    assert (short["pm2_5"], short["days_pm2_5"]) == (None, 357)
    # a year without December: 334 days, but a month with none
    part = _year({}).filter(pl.col("date") < dt.date(2015, 12, 1))
    (partial,) = period_means(part, period="year", columns=["pm2_5"]).iter_rows(named=True)
    assert (partial["pm2_5"], partial["days_pm2_5"]) == (None, 334)


def test_groups_are_averaged_apart_and_bad_input_is_refused() -> None:
    one = _year({}).with_columns(pl.lit("A").alias("station"))
    two = one.with_columns(pl.lit("B").alias("station"), pl.col("pm2_5") * 2)
    out = period_means(
        pl.concat([one, two]), period="year", columns=["pm2_5"], group_cols=["station"]
    )
    assert out["station"].to_list() == ["A", "B"]
    assert out["pm2_5"][1] == pytest.approx(2 * out["pm2_5"][0])
    with pytest.raises(ValueError, match="lacks"):
        period_means(one.drop("co"), period="month", columns=["co"])
    with pytest.raises(ValueError, match="duplicate"):
        period_means(
            pl.concat([one, one]), period="month", columns=["pm2_5"], group_cols=["station"]
        )
