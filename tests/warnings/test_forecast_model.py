"""The forecasting model on a synthetic-but-realistic series: it beats persistence, gives
ordered intervals, and never looks past its cutoff."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from jingjinji.warnings import forecast

PM25_BP = [0, 35, 75, 115, 150, 250, 350, 500]
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]


def synthetic_city(days: int = 1461, seed: int = 7) -> pl.DataFrame:
    """A Beijing-like winter cycle: pollution builds up over still, humid days under high
    pressure and is swept out by cold fronts (strong north wind, rising pressure, dry air).
    Fronts announce themselves the day before by falling pressure; emissions peak in winter."""
    rng = np.random.default_rng(seed)
    start = dt.date(2013, 3, 1)
    doy = np.array([(start + dt.timedelta(days=i)).timetuple().tm_yday for i in range(days)])
    season = np.cos(2 * np.pi * (doy - 15) / 365.25)  # +1 mid-January, -1 mid-July
    front = rng.random(days) < 0.16
    temp = 13 - 15 * season + rng.normal(0, 2, days) - 4 * front
    wind = np.where(front, rng.uniform(3.5, 6.0, days), rng.gamma(4, 0.35, days))
    pres_anom = np.zeros(days)
    for i in range(days):
        prev = pres_anom[i - 1] if i else 0.0
        upcoming = front[i + 1] if i + 1 < days else False
        pres_anom[i] = (
            0.6 * prev + rng.normal(0, 1.5) + (6 if front[i] else 0) - (4 if upcoming else 0)
        )
    pres = 1012 + 10 * season + pres_anom
    dewp = temp - 6 - 10 * front - 2 * (wind - 1.4) + rng.normal(0, 1.5, days)
    rain = np.where(rng.random(days) < 0.12 * (1 - season), rng.gamma(1.5, 6, days), 0.0)
    pm = np.empty(days)
    level = 60.0
    for i in range(days):
        emission = 28 + 26 * season[i]
        keep = 0.12 if front[i] else np.clip(1.02 - 0.12 * wind[i] - 0.02 * rain[i], 0.3, 0.97)
        level = keep * level + emission * np.exp(rng.normal(0, 0.25))
        pm[i] = max(5.0, level)
    aqi = np.ceil(np.interp(pm, PM25_BP, IAQI, right=500))
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    frame = pl.DataFrame(
        {
            "date": dates,
            "pm2_5": pm,
            "pm10": pm * 1.4,
            "so2": 10 + 8 * season,
            "no2": 40 + pm / 5,
            "co": 0.8 + pm / 150,
            "o3_1h": 100 - 40 * season,
            "o3_8h": 80 - 35 * season,
            "aqi": aqi,
            "temp_mean": temp,
            "temp_min": temp - 5,
            "temp_max": temp + 5,
            "pres_mean": pres,
            "dewp_mean": dewp,
            "rain_sum": rain,
            "wspm_mean": wind,
        }
    )
    # a few missing days, as in real data
    drop = set(rng.choice(days, 12, replace=False).tolist())
    return frame.filter(~pl.Series(range(days)).is_in(list(drop)))


@pytest.fixture(scope="module")
def grid() -> forecast.DailyGrid:
    return forecast.grid_from_frame(synthetic_city())


@pytest.fixture(scope="module")
def evaluation(grid: forecast.DailyGrid) -> forecast.Evaluation:
    return forecast.evaluate(
        grid, train_until=dt.date(2015, 12, 31), until=dt.date(2017, 2, 28), city_code="990000"
    )


def test_evaluation_rows_have_the_agreed_keys(evaluation: forecast.Evaluation) -> None:
    required = {
        "horizon_days",
        "model_mae",
        "persistence_mae",
        "climatology_mae",
        "model_rmse",
        "model_hit_rate_over_200",
        "persistence_hit_rate_over_200",
    }
    assert [r["horizon_days"] for r in evaluation.rows] == [1, 2, 3]
    for row in evaluation.rows:
        assert required <= set(row)
        assert row["n"] > 400


def test_model_beats_persistence_at_every_horizon(evaluation: forecast.Evaluation) -> None:
    for row in evaluation.rows:
        assert row["model_mae"] < row["persistence_mae"], row
        assert row["model_rmse"] < row["persistence_rmse"], row


def test_model_beats_climatology_at_short_lead(evaluation: forecast.Evaluation) -> None:
    assert evaluation.rows[0]["model_mae"] < evaluation.rows[0]["climatology_mae"]


def test_interval_is_ordered_and_covers_a_real_share(
    grid: forecast.DailyGrid, evaluation: forecast.Evaluation
) -> None:
    idx = np.arange(grid.index_of(dt.date(2016, 1, 1)), grid.index_of(dt.date(2016, 3, 1)))
    pred = evaluation.model.predict(grid, idx)
    for p in pred.values():
        assert np.all(p.aqi[0.1] <= p.aqi[0.5]) and np.all(p.aqi[0.5] <= p.aqi[0.9])
        assert np.all(p.aqi[0.9] - p.aqi[0.1] > 0)
        assert set(p.concentrations) == set(forecast.CONCENTRATIONS)
    for row in evaluation.rows:
        assert 0.4 < row["interval_coverage_p10_p90"] <= 1.0


def test_training_never_reads_past_the_cutoff(grid: forecast.DailyGrid) -> None:
    cutoff = dt.date(2014, 12, 31)
    a = forecast.train(grid, cutoff=cutoff, city_code="990000")
    changed = {k: v.copy() for k, v in grid.columns.items()}
    after = grid.index_of(cutoff) + 1
    for values in changed.values():
        values[after:] = values[after:] * 3 + 17
    b = forecast.train(forecast.DailyGrid(grid.start, changed), cutoff=cutoff, city_code="990000")
    idx = np.arange(100, 200)
    for h in forecast.HORIZONS:
        assert np.array_equal(a.predict(grid, idx)[h].aqi[0.5], b.predict(grid, idx)[h].aqi[0.5])
    assert a.version == b.version == forecast.model_version(cutoff)


def test_model_version_names_model_cutoff_and_features() -> None:
    version = forecast.model_version(dt.date(2015, 12, 31))
    name, cutoff, digest = version.split(":")
    assert (name, cutoff) == (forecast.MODEL_NAME, "2015-12-31")
    assert digest == forecast.feature_hash() and len(digest) == 12


def test_too_little_data_is_refused() -> None:
    small = forecast.grid_from_frame(synthetic_city(days=120))
    with pytest.raises(forecast.ForecastError, match="usable training days"):
        forecast.train(small, cutoff=dt.date(2013, 6, 30), city_code="990000")


def test_artifact_round_trip(grid: forecast.DailyGrid, evaluation: forecast.Evaluation) -> None:
    again = forecast.ForecastModel.from_bytes(evaluation.model.to_bytes())
    idx = np.arange(1000, 1010)
    assert np.array_equal(
        again.predict(grid, idx)[2].aqi[0.9], evaluation.model.predict(grid, idx)[2].aqi[0.9]
    )
