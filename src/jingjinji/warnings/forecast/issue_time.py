"""The issue-time model (``hgb-quantile-v2``): AQI quantiles of days d+1..d+3 from what is known
at the issue hour H of day d, with split-conformal calibrated intervals.

Features of issue day d (:func:`features`), all from before the issue time:

- the persistence available then (AQI of the last 24 hours), the mean of the hours of day d so
  far and of the last 3 hours for PM2.5, PM10, NO2, CO, O3, SO2 and the weather (temperature,
  dew point, pressure, wind speed, wind u/v), rain so far; the 3-hour change of pressure,
  temperature and dew point against the same hours a day earlier;
- the daily AQI of the last complete day k (k = d at midnight, else d-1), k-1 and k-5, its 3- and
  7-day means, PM2.5 of k;
- the target day's day of year (sin/cos), weekday and heating-season flag (15 Nov - 15 Mar);
- with ``weather_input``: the target day's weather (temperature mean/min/max, dew point,
  relative humidity, pressure, wind speed, wind u/v, rain; NaN where not given; the
  boundary-layer height is not used: the observations to learn from have none) and its change
  from the last 3 hours. Trained on the observed weather of the target days (a
  perfect-prognosis set-up); at issue time it takes a weather forecast.

Intervals: conformalised quantile regression. The quantile models are fitted on the training
span less its last ``CALIBRATION_DAYS`` days; on those days the conformity score
``max(q10 - y, y - q90)`` (log scale) gives the widening ``c`` (its ceil((n+1)0.8)/n empirical
quantile); the models are then refitted on the whole training span and p10/p90 widened by ``c``
(p50 is left as it is). Everything is chosen on the training span only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from threadpoolctl import threadpool_limits

from jingjinji.i18n import msg
from jingjinji.warnings.forecast import timing
from jingjinji.warnings.forecast.baseline import (
    CONCENTRATIONS,
    HORIZONS,
    MIN_TRAINING_DAYS,
    QUANTILES,
    ForecastError,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MODEL_NAME = "hgb-quantile-v2"
CALIBRATION_DAYS = 365
COVERAGE = 0.8
HYPER: dict[str, Any] = {
    "learning_rate": 0.05,
    "max_iter": 200,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "random_state": 0,
}
SAME_HOURS = ("pm2_5", "pm10", "no2", "co", "o3", "so2", "temp", "dewp", "pres", "wspm")
LAST_HOURS = ("pm2_5", "pm10", "no2", "co", "temp", "dewp", "pres", "wspm", "wind_u", "wind_v")
#: Target-day weather (the columns of ``warnings.weather.weather_forecast_frame``).
TARGET_WEATHER: tuple[str, ...] = (
    "temp_mean",
    "temp_min",
    "temp_max",
    "dewp_mean",
    "rh_mean",
    "pres_mean",
    "wspm_mean",
    "wind_u",
    "wind_v",
    "rain_sum",
    "blh_mean",
)
#: The target-day weather the model learns from: the observations hold no boundary-layer height,
#: so the model cannot learn from it (it is accepted and stored, not used).
MODEL_WEATHER: tuple[str, ...] = tuple(c for c in TARGET_WEATHER if c != "blh_mean")


def feature_names(weather_input: bool) -> list[str]:
    names = ["persist_24h"]
    names += [f"{c}_sofar" for c in SAME_HOURS] + ["wind_u_sofar", "wind_v_sofar", "rain_sofar"]
    names += [f"{c}_last3" for c in LAST_HOURS]
    names += ["d_pres_24h", "d_temp_24h", "d_dewp_24h"]
    names += ["aqi_k", "aqi_k1", "aqi_k5", "aqi_mean3", "aqi_mean7", "pm2_5_k"]
    names += ["doy_sin", "doy_cos", "weekday", "heating"]
    if weather_input:
        names += [f"target_{c}" for c in MODEL_WEATHER]
        names += ["target_d_pres", "target_d_temp", "target_d_dewp"]
    return names


def feature_hash(issue_hour: int, weather_input: bool) -> str:
    material = json.dumps(
        {
            "features": feature_names(weather_input),
            "issue_hour": issue_hour,
            "quantiles": QUANTILES,
            "horizons": HORIZONS,
            "hyper": HYPER,
            "calibration_days": CALIBRATION_DAYS,
            "target": "log1p(aqi)",
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def model_version(cutoff: dt.date, issue_hour: int, weather_input: bool) -> str:
    return f"{MODEL_NAME}:{cutoff.isoformat()}:{feature_hash(issue_hour, weather_input)}"


def heating_season(days: list[dt.date]) -> FloatArray:
    """1 from 15 November to 15 March (Beijing's central heating), else 0."""
    return np.array(
        [1.0 if (d.month, d.day) >= (11, 15) or (d.month, d.day) <= (3, 15) else 0.0 for d in days]
    )


def observed_target_weather(data: timing.CityData) -> dict[str, FloatArray]:
    """The observed weather of each day (the oracle, and the training input of the weather
    features), on the daily grid; no boundary-layer height in the observations (NaN)."""
    c = data.daily.columns
    h = data.hourly.columns
    with np.errstate(invalid="ignore", divide="ignore"):
        temp, dewp = c["temp_mean"], c["dewp_mean"]
        rh = 100 * np.exp(17.625 * dewp / (243.04 + dewp)) / np.exp(17.625 * temp / (243.04 + temp))
    return {
        "temp_mean": temp,
        "temp_min": c["temp_min"],
        "temp_max": c["temp_max"],
        "dewp_mean": dewp,
        "rh_mean": rh,
        "pres_mean": c["pres_mean"],
        "wspm_mean": c["wspm_mean"],
        "wind_u": _row_mean(h["wind_u"]),
        "wind_v": _row_mean(h["wind_v"]),
        "rain_sum": c["rain_sum"],
        "blh_mean": np.full(data.daily.size, np.nan),
    }


def _row_mean(matrix: FloatArray) -> FloatArray:
    counts = np.sum(~np.isnan(matrix), axis=1)
    return np.where(counts > 0, np.nansum(matrix, axis=1) / np.maximum(counts, 1), np.nan)


def weather_from_frame(
    frame: pl.DataFrame, data: timing.CityData, *, days_after: int = 0
) -> dict[str, FloatArray]:
    """Weather-forecast rows (``target_date`` and the :data:`TARGET_WEATHER` columns) on the
    daily grid of ``data``, extended by ``days_after`` days past its end (the target days of an
    issue on the grid's last day); NaN on days without a forecast or where a value is not
    given."""
    size = data.daily.size + max(days_after, 0)
    out = {name: np.full(size, np.nan) for name in TARGET_WEATHER}
    for row in frame.iter_rows(named=True):
        i = data.daily.index_of(row["target_date"])
        if 0 <= i < size:
            for name in TARGET_WEATHER:
                value = row.get(name)
                out[name][i] = np.nan if value is None else float(value)
    return out


def _lagged(values: FloatArray, index: IntArray) -> FloatArray:
    out = np.full(index.shape, np.nan)
    ok = (index >= 0) & (index < values.size)
    out[ok] = values[index[ok]]
    return out


def _mean_of_lags(values: FloatArray, index: IntArray, window: int) -> FloatArray:
    stacked = np.vstack([_lagged(values, index - k) for k in range(window)])
    counts = np.sum(~np.isnan(stacked), axis=0)
    return np.where(counts > 0, np.nansum(stacked, axis=0) / np.maximum(counts, 1), np.nan)


def features(
    data: timing.CityData,
    issue_days: IntArray,
    *,
    issue_hour: int,
    horizon: int,
    target_weather: dict[str, FloatArray] | None = None,
) -> FloatArray:
    """Rows: the features of the given issue days (indices of the daily grid) for target day
    issue + ``horizon``, from the hours before ``issue_hour`` of the issue day and earlier days
    only. ``target_weather`` (per day of the grid; see :data:`TARGET_WEATHER`) adds the target
    day's weather; it is read on target days only."""
    issue_days = np.asarray(issue_days, dtype=np.int64)
    ends = issue_days * 24 + issue_hour
    hourly = data.hourly
    cols: list[FloatArray] = [timing.persistence_at_issue(data, issue_days, issue_hour)]
    for name in SAME_HOURS:
        cols.append(timing.window_mean(hourly.flat(name), ends, issue_hour))
    cols.append(timing.window_mean(hourly.flat("wind_u"), ends, issue_hour))
    cols.append(timing.window_mean(hourly.flat("wind_v"), ends, issue_hour))
    cols.append(timing.window_sum(hourly.flat("rain"), ends, issue_hour))
    last3 = {name: timing.window_mean(hourly.flat(name), ends, 3) for name in LAST_HOURS}
    cols += [last3[name] for name in LAST_HOURS]
    for name in ("pres", "temp", "dewp"):
        cols.append(last3[name] - timing.window_mean(hourly.flat(name), ends - 24, 3))
    # the last complete day: d itself at midnight, else d-1
    complete = issue_days if issue_hour == 24 else issue_days - 1
    aqi = data.daily.columns["aqi"]
    cols += [
        _lagged(aqi, complete),
        _lagged(aqi, complete - 1),
        _lagged(aqi, complete - 5),
        _mean_of_lags(aqi, complete, 3),
        _mean_of_lags(aqi, complete, 7),
        _lagged(data.daily.columns["pm2_5"], complete),
    ]
    targets = [data.daily.date_at(int(i) + horizon) for i in issue_days]
    doy = np.array([d.timetuple().tm_yday for d in targets], dtype=np.float64)
    cols += [
        np.sin(2 * np.pi * doy / 365.25),
        np.cos(2 * np.pi * doy / 365.25),
        np.array([float(d.weekday()) for d in targets]),
        heating_season(targets),
    ]
    if target_weather is not None:
        t_index = issue_days + horizon
        tw = {name: _lagged(target_weather[name], t_index) for name in MODEL_WEATHER}
        cols += [tw[name] for name in MODEL_WEATHER]
        cols += [
            tw["pres_mean"] - last3["pres"],
            tw["temp_mean"] - last3["temp"],
            tw["dewp_mean"] - last3["dewp"],
        ]
    if not issue_days.size:
        return np.empty((0, len(feature_names(target_weather is not None))))
    return np.column_stack(cols)


def _regressor(quantile: float) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(loss="quantile", quantile=quantile, **HYPER)


@dataclass
class IssuePrediction:
    horizon: int
    issue_dates: list[dt.date]
    aqi: dict[float, FloatArray]
    concentrations: dict[str, FloatArray] = field(default_factory=dict)

    @property
    def target_dates(self) -> list[dt.date]:
        return [d + dt.timedelta(days=self.horizon) for d in self.issue_dates]


@dataclass
class IssueTimeModel:
    cutoff: dt.date
    city_code: str
    issue_hour: int
    weather_input: bool
    trained_at: dt.datetime
    training_days: int = 0
    models: dict[int, dict[float, Any]] = field(default_factory=dict)
    #: log-scale widening of p10/p90 per horizon (split conformal, calibration year)
    conformal: dict[int, float] = field(default_factory=dict)
    calibration_days: dict[int, int] = field(default_factory=dict)
    #: median models of the daily concentrations (what the stored forecasts show)
    concentration_models: dict[int, dict[str, Any]] = field(default_factory=dict)
    name: str = MODEL_NAME

    @property
    def features_hash(self) -> str:
        return feature_hash(self.issue_hour, self.weather_input)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        pickle.dump(self, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @property
    def version(self) -> str:
        return model_version(self.cutoff, self.issue_hour, self.weather_input)

    def predict(
        self,
        data: timing.CityData,
        issue_days: IntArray,
        *,
        target_weather: dict[str, FloatArray] | None = None,
    ) -> dict[int, IssuePrediction]:
        if self.weather_input and target_weather is None:
            raise ForecastError(msg("this model needs the target days' weather"))
        idx = np.asarray(issue_days, dtype=np.int64)
        dates = [data.daily.date_at(int(i)) for i in idx]
        out: dict[int, IssuePrediction] = {}
        _load_learner()
        with threadpool_limits(limits=1):
            for horizon in HORIZONS:
                x = features(
                    data,
                    idx,
                    issue_hour=self.issue_hour,
                    horizon=horizon,
                    target_weather=target_weather if self.weather_input else None,
                )
                conc = {
                    name: np.expm1(m.predict(x)) if x.shape[0] else np.empty(0)
                    for name, m in self.concentration_models.get(horizon, {}).items()
                }
                out[horizon] = IssuePrediction(
                    horizon,
                    dates,
                    _quantiles(self.models[horizon], x, self.conformal[horizon]),
                    conc,
                )
        return out


def _quantiles(models: dict[float, Any], x: FloatArray, widen: float) -> dict[float, FloatArray]:
    if not x.shape[0]:
        return {q: np.empty(0) for q in QUANTILES}
    logq = np.sort(np.vstack([models[q].predict(x) for q in QUANTILES]), axis=0)
    logq[0] -= widen
    logq[-1] += widen
    values = np.clip(np.expm1(logq), 0.0, 500.0)
    return {q: values[i] for i, q in enumerate(QUANTILES)}


def _load_learner() -> None:
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)


def train(
    data: timing.CityData,
    *,
    cutoff: dt.date,
    city_code: str,
    issue_hour: int,
    weather_input: bool = False,
    concentrations: bool = False,
) -> IssueTimeModel:
    """Fit on issue days whose target day is on or before ``cutoff``; calibrate the intervals
    on the last :data:`CALIBRATION_DAYS` of them (see the module doc). ``concentrations`` adds a
    median model per daily concentration (for the stored forecasts)."""
    _load_learner()
    with threadpool_limits(limits=1):
        return _train(
            data,
            cutoff=cutoff,
            city_code=city_code,
            issue_hour=issue_hour,
            weather_input=weather_input,
            concentrations=concentrations,
        )


def _train(
    data: timing.CityData,
    *,
    cutoff: dt.date,
    city_code: str,
    issue_hour: int,
    weather_input: bool,
    concentrations: bool,
) -> IssueTimeModel:
    grid = data.daily
    last = min(grid.index_of(cutoff), grid.size - 1)
    if last < 0:
        raise ForecastError(msg("no data on or before {cutoff}", cutoff=cutoff))
    model = IssueTimeModel(
        cutoff=cutoff,
        city_code=city_code,
        issue_hour=issue_hour,
        weather_input=weather_input,
        trained_at=dt.datetime.now(dt.UTC),
    )
    weather = observed_target_weather(data) if weather_input else None
    log_aqi = np.log1p(grid.columns["aqi"])
    for horizon in HORIZONS:
        rows = np.arange(0, max(last - horizon + 1, 0), dtype=np.int64)
        x = features(data, rows, issue_hour=issue_hour, horizon=horizon, target_weather=weather)
        y = log_aqi[rows + horizon] if rows.size else np.empty(0)
        usable = ~np.isnan(y) & ~np.isnan(x[:, 0]) if rows.size else np.zeros(0, dtype=bool)
        n = int(usable.sum())
        if n < MIN_TRAINING_DAYS:
            raise ForecastError(
                msg(
                    "only {days} usable training days up to {cutoff} (at least {needed} needed)",
                    days=n,
                    cutoff=cutoff,
                    needed=MIN_TRAINING_DAYS,
                )
            )
        model.training_days = max(model.training_days, n)
        calib = usable & (rows + horizon > last - CALIBRATION_DAYS)
        fit = usable & ~calib
        widen = 0.0
        if fit.sum() >= MIN_TRAINING_DAYS and calib.sum() >= 30:
            first = {q: _regressor(q).fit(x[fit], y[fit]) for q in QUANTILES}
            logq = np.sort(np.vstack([first[q].predict(x[calib]) for q in QUANTILES]), axis=0)
            score = np.maximum(logq[0] - y[calib], y[calib] - logq[-1])
            k = int(calib.sum())
            level = min(1.0, np.ceil((k + 1) * COVERAGE) / k)
            widen = float(np.quantile(score, level, method="higher"))
            model.calibration_days[horizon] = k
        else:
            model.calibration_days[horizon] = 0
        model.conformal[horizon] = widen
        model.models[horizon] = {q: _regressor(q).fit(x[usable], y[usable]) for q in QUANTILES}
        model.concentration_models[horizon] = {}
        for name in CONCENTRATIONS if concentrations else ():
            yc = np.log1p(grid.columns[name][rows + horizon])
            ok = usable & ~np.isnan(yc)
            if ok.sum() >= MIN_TRAINING_DAYS:
                model.concentration_models[horizon][name] = _regressor(0.5).fit(x[ok], yc[ok])
    return model


def load_artifact(data: bytes) -> Any:
    """A stored model: :class:`IssueTimeModel` or the baseline's ``ForecastModel``.

    Artifacts are only ever read from this platform's own database, and their SHA-256 is
    checked by the caller before unpickling."""
    from jingjinji.warnings.forecast.baseline import ForecastModel

    model = pickle.loads(data)
    if not isinstance(model, IssueTimeModel | ForecastModel):
        raise ForecastError(msg("stored artifact is not a forecast model"))
    return model
