"""Feature timing of the issue-time model: nothing at or after the issue time leaks into a
forecast (perturbing it changes nothing), while the hours before it do count; the issue time
setting; the evaluation's event scores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pytest

from jingjinji.warnings.forecast import baseline, evaluation, issue_time, timing

FloatArray = npt.NDArray[np.float64]
PM25_BP = [0, 35, 75, 115, 150, 250, 350, 500]
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
START = dt.date(2014, 1, 1)


def pm25_aqi(arrays: Mapping[str, FloatArray], days: list[dt.date]) -> FloatArray:
    assert len(days) == len(arrays["pm2_5"])
    return np.ceil(np.interp(arrays["pm2_5"], PM25_BP, IAQI, right=500))


def synthetic(days: int = 700, seed: int = 3) -> timing.CityData:
    """Hourly pollution that builds up on calm days and is swept out by windy ones."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    wind = np.repeat(rng.gamma(3, 0.6, days), 24) + rng.normal(0, 0.3, hours).clip(-1, 1)
    pm = np.empty(hours)
    level = 50.0
    for t in range(hours):
        level = 0.97 * level * (1.02 - 0.02 * wind[t]) + 3 + rng.normal(0, 1.5)
        pm[t] = max(3.0, level)
    temp = 10 + 12 * np.sin(np.arange(hours) * 2 * np.pi / (365 * 24)) + rng.normal(0, 1, hours)
    cols = {
        "pm2_5": pm,
        "pm10": pm * 1.3,
        "so2": np.full(hours, 8.0),
        "no2": 30 + pm / 4,
        "co": 0.5 + pm / 200,
        "o3": 60 - pm / 5,
        "temp": temp,
        "pres": 1010 + rng.normal(0, 3, hours),
        "dewp": temp - 8,
        "rain": np.zeros(hours),
        "wspm": wind,
        "wind_u": -wind * 0.5,
        "wind_v": -wind * 0.8,
    }
    hourly = timing.HourlyGrid(START, {k: v.reshape(days, 24) for k, v in cols.items()})
    daily_cols: dict[str, FloatArray] = {}
    for name, daily_name in (
        ("pm2_5", "pm2_5"),
        ("pm10", "pm10"),
        ("so2", "so2"),
        ("no2", "no2"),
        ("co", "co"),
        ("o3", "o3_8h"),
        ("temp", "temp_mean"),
        ("pres", "pres_mean"),
        ("dewp", "dewp_mean"),
        ("rain", "rain_sum"),
        ("wspm", "wspm_mean"),
    ):
        daily_cols[daily_name] = hourly.columns[name].mean(axis=1)
    daily_cols["temp_min"] = hourly.columns["temp"].min(axis=1)
    daily_cols["temp_max"] = hourly.columns["temp"].max(axis=1)
    daily_cols["aqi"] = pm25_aqi({"pm2_5": daily_cols["pm2_5"]}, [START] * days)
    return timing.CityData(baseline.DailyGrid(START, daily_cols), hourly, pm25_aqi)


def perturbed(data: timing.CityData, *, from_hour: int, from_day: int) -> timing.CityData:
    """Every hourly value at flat index >= ``from_hour`` and every daily value of days >=
    ``from_day`` changed."""
    hourly = {}
    for name, matrix in data.hourly.columns.items():
        flat = matrix.reshape(-1).copy()
        flat[from_hour:] = flat[from_hour:] * 3 + 41
        hourly[name] = flat.reshape(matrix.shape)
    daily = {}
    for name, values in data.daily.columns.items():
        changed = values.copy()
        changed[from_day:] = changed[from_day:] * 2 + 77
        daily[name] = changed
    return timing.CityData(
        baseline.DailyGrid(data.daily.start, daily),
        timing.HourlyGrid(data.hourly.start, hourly),
        data.daily_aqi,
    )


@pytest.fixture(scope="module")
def data() -> timing.CityData:
    return synthetic()


ISSUE = np.array([400, 450, 500], dtype=np.int64)


@pytest.mark.parametrize("hour", [15, 24, 1])
def test_nothing_at_or_after_the_issue_time_changes_the_features(
    data: timing.CityData, hour: int
) -> None:
    for d in ISSUE:
        # at an hour before midnight day d is incomplete: its daily values are not known yet
        first_unknown_day = int(d) + 1 if hour == 24 else int(d)
        later = perturbed(data, from_hour=int(d) * 24 + hour, from_day=first_unknown_day)
        for horizon in baseline.HORIZONS:
            a = issue_time.features(data, np.array([d]), issue_hour=hour, horizon=horizon)
            b = issue_time.features(later, np.array([d]), issue_hour=hour, horizon=horizon)
            np.testing.assert_array_equal(a, b)
            assert not np.isnan(a[0, 0])


@pytest.mark.parametrize("hour", [15, 24])
def test_the_last_hour_before_the_issue_time_does_count(data: timing.CityData, hour: int) -> None:
    d = int(ISSUE[0])
    last_known = d * 24 + hour - 1
    changed = perturbed(data, from_hour=last_known, from_day=data.daily.size)
    a = issue_time.features(data, np.array([d]), issue_hour=hour, horizon=1)
    b = issue_time.features(changed, np.array([d]), issue_hour=hour, horizon=1)
    assert not np.array_equal(a, b)
    # and at 15:00 the previous complete day's AQI counts, the issue day's daily AQI does not
    if hour == 15:
        daily = {k: v.copy() for k, v in data.daily.columns.items()}
        daily["aqi"][d - 1] += 50
        prev = dataclasses.replace(data, daily=baseline.DailyGrid(data.daily.start, daily))
        c = issue_time.features(prev, np.array([d]), issue_hour=hour, horizon=1)
        assert not np.array_equal(a, c)


def test_target_weather_is_read_on_the_target_day_only(data: timing.CityData) -> None:
    weather = issue_time.observed_target_weather(data)
    d, horizon = int(ISSUE[1]), 2
    a = issue_time.features(
        data, np.array([d]), issue_hour=15, horizon=horizon, target_weather=weather
    )
    other = {k: v.copy() for k, v in weather.items()}
    for values in other.values():
        values[d + horizon + 1 :] += 9
        values[: d + horizon] += 9
    b = issue_time.features(
        data, np.array([d]), issue_hour=15, horizon=horizon, target_weather=other
    )
    np.testing.assert_array_equal(a, b)
    other["pres_mean"][d + horizon] += 9
    c = issue_time.features(
        data, np.array([d]), issue_hour=15, horizon=horizon, target_weather=other
    )
    assert not np.array_equal(a, c)


def test_forecasts_issued_at_15_do_not_see_later_data(data: timing.CityData) -> None:
    cutoff = data.daily.date_at(600)
    model = issue_time.train(data, cutoff=cutoff, city_code="990000", issue_hour=15)
    assert model.version == issue_time.model_version(cutoff, 15, False)
    d = 640
    later = perturbed(data, from_hour=d * 24 + 15, from_day=d)
    a = model.predict(data, np.array([d]))
    b = model.predict(later, np.array([d]))
    for h in baseline.HORIZONS:
        for q in baseline.QUANTILES:
            np.testing.assert_array_equal(a[h].aqi[q], b[h].aqi[q])
        assert a[h].aqi[0.1][0] <= a[h].aqi[0.5][0] <= a[h].aqi[0.9][0]
    # training never reads past its cutoff either
    after = perturbed(
        data,
        from_hour=(data.daily.index_of(cutoff) + 1) * 24,
        from_day=data.daily.index_of(cutoff) + 1,
    )
    again = issue_time.train(after, cutoff=cutoff, city_code="990000", issue_hour=15)
    idx = np.arange(100, 140)
    np.testing.assert_array_equal(
        model.predict(data, idx)[1].aqi[0.5], again.predict(data, idx)[1].aqi[0.5]
    )
    assert model.conformal == again.conformal and model.conformal[1] > 0
    assert model.calibration_days[1] > 200


@pytest.mark.parametrize(
    ("text", "hour"), [("15:00", 15), ("24:00", 24), ("00:00", 24), ("9:00", 9)]
)
def test_issue_time_parsing(text: str, hour: int) -> None:
    assert timing.parse_issue_time(text) == hour


@pytest.mark.parametrize("text", ["15:30", "25:00", "noon", ""])
def test_bad_issue_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"issue time|HH:MM"):
        timing.parse_issue_time(text)


def test_issue_time_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timing.ISSUE_TIME_SETTING, raising=False)
    assert timing.default_issue_hour() == 15
    monkeypatch.setenv(timing.ISSUE_TIME_SETTING, "24:00")
    assert timing.default_issue_hour() == 24


def test_no_event_forecast_gives_a_null_false_alarm_ratio() -> None:
    observed = np.array([250.0, 80.0, 120.0, 310.0])
    low = np.array([100.0, 90.0, 100.0, 150.0])
    high = np.array([260.0, 150.0, 210.0, 320.0])
    row = evaluation.score(observed, low - 50, low, high, observed[[1, 0, 3, 2]], low)
    assert row["hit_rate_gt200_p50"] == 0.0
    assert row["false_alarm_ratio_gt200_p50"] is None and row["forecast_days_gt200_p50"] == 0
    assert row["hit_rate_gt200_q90"] == 1.0
    assert row["false_alarm_ratio_gt200_q90"] == pytest.approx(1 / 3, abs=1e-3)
    assert row["interval_coverage_p10_p90"] == 1.0
    assert row["observed_days_gt200"] == 2 and row["observed_days_gt300"] == 1


def test_wind_components_blow_from_the_named_direction() -> None:
    u, v = timing.wind_components(["N", "E", None], np.array([2.0, 3.0, 1.0]))
    np.testing.assert_allclose(u[:2], [0.0, -3.0], atol=1e-12)
    np.testing.assert_allclose(v[:2], [-2.0, 0.0], atol=1e-12)
    assert np.isnan(u[2]) and np.isnan(v[2])


def test_weather_forecast_rows_land_on_their_target_days(data: timing.CityData) -> None:
    import polars as pl

    day = data.daily.date_at(10)
    frame = pl.DataFrame(
        {
            "target_date": [day, data.daily.date_at(11), dt.date(1990, 1, 1)],
            **{
                name: pl.Series(name, [1.5, None, 9.0], dtype=pl.Float64)
                for name in issue_time.TARGET_WEATHER
            },
        }
    )
    grid = issue_time.weather_from_frame(frame, data)
    assert set(grid) == set(issue_time.TARGET_WEATHER)
    assert grid["pres_mean"][10] == 1.5 and np.isnan(grid["pres_mean"][11])
    assert int(np.sum(~np.isnan(grid["temp_mean"]))) == 1  # the 1990 row is outside the grid
