"""Per-city daily AQI forecasts for the next 1-3 days, with an 80 % interval.

Model: for each horizon h in 1..3 one scikit-learn ``HistGradientBoostingRegressor`` per
quantile (0.1, 0.5, 0.9, ``loss="quantile"``) of log(1 + AQI) on day d+h, and one median model
per daily concentration (PM2.5, PM10, SO2, NO2, CO, O3 8h) so that the forecast shows the
concentrations behind the AQI. Quantiles survive the monotone log transform, so the back-
transformed quantiles are quantiles of the AQI itself.

Features of issue day d use only what is known at the end of day d: AQI of d, d-1, d-2, d-6
and its 3- and 7-day means, the concentrations of d (and PM2.5 of d-1), the weather of d
(temperature mean/min/max, pressure, dew point, rain, wind speed), its change from d-1
(pressure, dew point, temperature, wind), the dew-point depression, and the calendar of the
target day (day of year as sin/cos, weekday). Missing values stay NaN (the learner handles
them natively).

A model version names the model, its training cutoff and a hash of the feature list and
hyper-parameters: ``hgb-quantile-v1:2015-12-31:1a2b3c4d5e6f``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from threadpoolctl import threadpool_limits

from jingjinji.i18n import Msg, msg
from jingjinji.warnings import kernels

MODEL_NAME = "hgb-quantile-v1"
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
HORIZONS: tuple[int, ...] = (1, 2, 3)
CONCENTRATIONS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3_8h")
WEATHER: tuple[str, ...] = (
    "temp_mean",
    "temp_min",
    "temp_max",
    "pres_mean",
    "dewp_mean",
    "rain_sum",
    "wspm_mean",
)
INPUT_COLUMNS: tuple[str, ...] = ("aqi", *CONCENTRATIONS, *WEATHER)
HYPER = {
    "learning_rate": 0.1,
    "max_iter": 80,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
    "random_state": 0,
}
MIN_TRAINING_DAYS = 200
CLIMATOLOGY_WINDOW_DAYS = 7

FloatArray = npt.NDArray[np.float64]


class ForecastError(ValueError):
    """Not enough or unusable data for a forecast; its reason is a
    :func:`jingjinji.i18n.msg` (pages show it in the reader's language)."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason)
        self.reason = reason


def _feature_names() -> list[str]:
    names = ["aqi_0", "aqi_1", "aqi_2", "aqi_6", "aqi_mean3", "aqi_mean7", "pm2_5_1"]
    names += [f"{c}_0" for c in CONCENTRATIONS]
    names += [f"{c}_0" for c in WEATHER]
    names += ["d_pres", "d_dewp", "d_temp", "d_wspm", "dewp_depression"]
    names += ["doy_sin", "doy_cos", "weekday"]
    return names


FEATURES: tuple[str, ...] = tuple(_feature_names())


def feature_hash() -> str:
    material = json.dumps(
        {
            "features": FEATURES,
            "quantiles": QUANTILES,
            "horizons": HORIZONS,
            "concentrations": CONCENTRATIONS,
            "hyper": HYPER,
            "target": "log1p(aqi)",
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def model_version(cutoff: dt.date) -> str:
    return f"{MODEL_NAME}:{cutoff.isoformat()}:{feature_hash()}"


@dataclass(frozen=True)
class DailyGrid:
    """A city's daily values on a contiguous date range (missing days are NaN)."""

    start: dt.date
    columns: dict[str, FloatArray]

    @property
    def size(self) -> int:
        return len(self.columns["aqi"])

    def date_at(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)

    def index_of(self, day: dt.date) -> int:
        return (day - self.start).days

    @property
    def end(self) -> dt.date:
        return self.date_at(self.size - 1)

    @property
    def dates(self) -> list[dt.date]:
        return [self.date_at(i) for i in range(self.size)]


def grid_from_frame(frame: pl.DataFrame) -> DailyGrid:
    """The daily frame of ``air.service.city_daily_frame`` (only days with data) on a grid."""
    if frame.is_empty():
        raise ForecastError(msg("no daily data"))
    missing = [c for c in ("date", *INPUT_COLUMNS) if c not in frame.columns]
    if missing:
        raise ForecastError(msg("the daily frame lacks columns {missing}", missing=missing))
    frame = frame.sort("date")
    dates = frame["date"].to_list()
    start: dt.date = dates[0]
    offsets = np.array([(d - start).days for d in dates], dtype=np.int64)
    size = int(offsets[-1]) + 1
    columns: dict[str, FloatArray] = {}
    for name in INPUT_COLUMNS:
        values = frame[name].cast(pl.Float64).fill_nan(None).to_numpy()
        grid = np.full(size, np.nan)
        grid[offsets] = np.asarray(values, dtype=np.float64)
        columns[name] = grid
    return DailyGrid(start=start, columns=columns)


def _lag(values: FloatArray, k: int) -> FloatArray:
    if k == 0:
        return values
    out = np.full(values.shape, np.nan)
    out[k:] = values[:-k]
    return out


def _trailing_mean(values: FloatArray, window: int) -> FloatArray:
    stacked = np.vstack([_lag(values, k) for k in range(window)])
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(stacked), axis=0)
        sums = np.nansum(stacked, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def feature_matrix(grid: DailyGrid, horizon: int) -> FloatArray:
    """Row i: the features of issue day i for target day i + horizon."""
    c = grid.columns
    aqi = c["aqi"]
    cols: list[FloatArray] = [
        _lag(aqi, 0),
        _lag(aqi, 1),
        _lag(aqi, 2),
        _lag(aqi, 6),
        _trailing_mean(aqi, 3),
        _trailing_mean(aqi, 7),
        _lag(c["pm2_5"], 1),
    ]
    cols += [c[name] for name in CONCENTRATIONS]
    cols += [c[name] for name in WEATHER]
    cols += [
        c["pres_mean"] - _lag(c["pres_mean"], 1),
        c["dewp_mean"] - _lag(c["dewp_mean"], 1),
        c["temp_mean"] - _lag(c["temp_mean"], 1),
        c["wspm_mean"] - _lag(c["wspm_mean"], 1),
        c["temp_mean"] - c["dewp_mean"],
    ]
    target_ordinal = grid.start.toordinal() + np.arange(grid.size) + horizon
    doy = np.array(
        [dt.date.fromordinal(int(o)).timetuple().tm_yday for o in target_ordinal], dtype=float
    )
    weekday = (target_ordinal % 7).astype(float)  # 0 = Sunday for proleptic ordinals
    cols += [np.sin(2 * np.pi * doy / 365.25), np.cos(2 * np.pi * doy / 365.25), weekday]
    return np.column_stack(cols)


def _target(values: FloatArray, horizon: int) -> FloatArray:
    out = np.full(values.shape, np.nan)
    out[:-horizon] = values[horizon:]
    return out


def _load_learner() -> None:
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)


def _regressor(quantile: float) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(loss="quantile", quantile=quantile, **HYPER)


@dataclass
class Prediction:
    """Forecasts of one horizon for a list of issue days."""

    horizon: int
    issue_dates: list[dt.date]
    aqi: dict[float, FloatArray]  # quantile -> values
    concentrations: dict[str, FloatArray]

    @property
    def target_dates(self) -> list[dt.date]:
        return [d + dt.timedelta(days=self.horizon) for d in self.issue_dates]


@dataclass
class ForecastModel:
    cutoff: dt.date
    city_code: str
    trained_at: dt.datetime
    training_days: int
    models: dict[int, dict[float, Any]] = field(default_factory=dict)
    concentration_models: dict[int, dict[str, Any]] = field(default_factory=dict)
    name: str = MODEL_NAME
    features_hash: str = field(default_factory=feature_hash)

    @property
    def version(self) -> str:
        return f"{self.name}:{self.cutoff.isoformat()}:{self.features_hash}"

    def predict(
        self, grid: DailyGrid, issue_indices: Sequence[int] | npt.NDArray[np.int64]
    ) -> dict[int, Prediction]:
        """Forecasts for the given issue days (indices into ``grid``)."""
        idx = np.asarray(list(issue_indices), dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= grid.size):
            raise ForecastError(msg("issue day outside the data"))
        _load_learner()
        with threadpool_limits(limits=1):
            return self._predict(grid, idx)

    def _predict(self, grid: DailyGrid, idx: npt.NDArray[np.int64]) -> dict[int, Prediction]:
        dates = [grid.date_at(int(i)) for i in idx]
        out: dict[int, Prediction] = {}
        for horizon in HORIZONS:
            x = feature_matrix(grid, horizon)[idx] if idx.size else np.empty((0, len(FEATURES)))
            quant = {}
            for q in QUANTILES:
                quant[q] = np.expm1(self.models[horizon][q].predict(x)) if idx.size else np.empty(0)
            # quantile models are fitted separately: keep them ordered
            stacked = np.sort(np.vstack([quant[q] for q in QUANTILES]), axis=0)
            stacked = np.clip(stacked, 0.0, 500.0)
            quant = {q: stacked[i] for i, q in enumerate(QUANTILES)}
            conc = {
                name: (np.expm1(m.predict(x)) if idx.size else np.empty(0))
                for name, m in self.concentration_models[horizon].items()
            }
            out[horizon] = Prediction(
                horizon=horizon, issue_dates=dates, aqi=quant, concentrations=conc
            )
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        pickle.dump(self, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> ForecastModel:
        # Artifacts are only ever read from this platform's own database/var directory, and
        # their SHA-256 is checked by the caller before unpickling.
        model = pickle.loads(data)
        if not isinstance(model, ForecastModel):
            raise ForecastError(msg("stored artifact is not a forecast model"))
        return model


def train(grid: DailyGrid, *, cutoff: dt.date, city_code: str) -> ForecastModel:
    """Fit on issue days whose target day is on or before ``cutoff`` (no later data used)."""
    _load_learner()
    # The data are small (about 1,000 rows): one thread avoids OpenMP start-up and spin costs,
    # which dominate on a shared, busy machine. (threadpoolctl only limits libraries already
    # loaded, hence the import above.)
    with threadpool_limits(limits=1):
        return _train(grid, cutoff=cutoff, city_code=city_code)


def _train(grid: DailyGrid, *, cutoff: dt.date, city_code: str) -> ForecastModel:
    last = min(grid.index_of(cutoff), grid.size - 1)
    if last < 0:
        raise ForecastError(msg("no data on or before {cutoff}", cutoff=cutoff))
    model = ForecastModel(
        cutoff=cutoff, city_code=city_code, trained_at=dt.datetime.now(dt.UTC), training_days=0
    )
    log_aqi = np.log1p(grid.columns["aqi"])
    for horizon in HORIZONS:
        x = feature_matrix(grid, horizon)
        y = _target(log_aqi, horizon)
        rows = np.arange(grid.size)
        usable = (rows + horizon <= last) & ~np.isnan(y) & ~np.isnan(x[:, 0])
        if usable.sum() < MIN_TRAINING_DAYS:
            raise ForecastError(
                msg(
                    "only {days} usable training days up to {cutoff} (at least {needed} needed)",
                    days=int(usable.sum()),
                    cutoff=cutoff,
                    needed=MIN_TRAINING_DAYS,
                )
            )
        model.training_days = max(model.training_days, int(usable.sum()))
        model.models[horizon] = {q: _regressor(q).fit(x[usable], y[usable]) for q in QUANTILES}
        model.concentration_models[horizon] = {}
        for name in CONCENTRATIONS:
            yc = _target(np.log1p(grid.columns[name]), horizon)
            ok = usable & ~np.isnan(yc)
            if ok.sum() >= MIN_TRAINING_DAYS:
                model.concentration_models[horizon][name] = _regressor(0.5).fit(x[ok], yc[ok])
    return model


def day_of_year(days: Iterable[dt.date]) -> npt.NDArray[np.int64]:
    return np.array([d.timetuple().tm_yday for d in days], dtype=np.int64)


@dataclass
class Evaluation:
    rows: list[dict[str, Any]]
    model: ForecastModel
    issue_days: int


def evaluate(
    grid: DailyGrid,
    *,
    train_until: dt.date,
    until: dt.date,
    city_code: str,
    model: ForecastModel | None = None,
) -> Evaluation:
    """Time-ordered hold-out evaluation.

    The model is trained on data up to ``train_until`` only. Every day after it up to
    ``until - 1`` is an issue day; its forecasts for days +1..+3 (up to ``until``) use only data
    of the issue day and earlier. Baselines: persistence (the issue day's AQI) and the
    same-calendar-period climatology (mean training AQI within +-7 days of the target's day of
    year).
    """
    if until <= train_until:
        raise ForecastError(msg("the hold-out must end after the training cutoff"))
    if model is None:
        model = train(grid, cutoff=train_until, city_code=city_code)
    first = grid.index_of(train_until) + 1
    last = min(grid.index_of(until), grid.size - 1)
    if first > last - 1:
        raise ForecastError(msg("no issue days in the hold-out"))
    issue = np.arange(max(first, 0), last)
    aqi = grid.columns["aqi"]
    train_end = grid.index_of(train_until)
    train_doy = day_of_year(grid.dates[: train_end + 1])
    predictions = model.predict(grid, issue)
    rows: list[dict[str, Any]] = []
    for horizon in HORIZONS:
        target = issue + horizon
        keep = target <= last
        tgt = target[keep]
        observed = aqi[tgt]
        pred = predictions[horizon]
        p50 = pred.aqi[0.5][keep]
        p10, p90 = pred.aqi[0.1][keep], pred.aqi[0.9][keep]
        persistence = aqi[issue[keep]]
        clim = kernels.climatology(
            train_doy,
            aqi[: train_end + 1],
            day_of_year(grid.date_at(int(i)) for i in tgt),
            window_days=CLIMATOLOGY_WINDOW_DAYS,
        )
        # model and persistence are scored on the same days; climatology on those of them whose
        # calendar window has training data (all of them once a full year has been trained on)
        common = ~(np.isnan(observed) | np.isnan(persistence) | np.isnan(p50))
        m = kernels.scores(observed[common], p50[common])
        upper = kernels.scores(observed[common], p90[common])
        p = kernels.scores(observed[common], persistence[common])
        with_clim = common & ~np.isnan(clim)
        c = kernels.scores(observed[with_clim], clim[with_clim])
        inside = (observed[common] >= p10[common]) & (observed[common] <= p90[common])
        rows.append(
            {
                "horizon_days": horizon,
                "n": m.n,
                "model_mae": _round(m.mae, 2),
                "persistence_mae": _round(p.mae, 2),
                "climatology_mae": _round(c.mae, 2),
                "model_rmse": _round(m.rmse, 2),
                "persistence_rmse": _round(p.rmse, 2),
                "climatology_rmse": _round(c.rmse, 2),
                "climatology_n": c.n,
                "model_hit_rate_over_200": _round(m.hit_rate),
                "persistence_hit_rate_over_200": _round(p.hit_rate),
                "climatology_hit_rate_over_200": _round(c.hit_rate),
                "model_false_alarm_ratio_over_200": _round(m.false_alarm_ratio),
                "persistence_false_alarm_ratio_over_200": _round(p.false_alarm_ratio),
                "model_p90_hit_rate_over_200": _round(upper.hit_rate),
                "model_p90_false_alarm_ratio_over_200": _round(upper.false_alarm_ratio),
                "observed_days_over_200": m.observed_events,
                "interval_coverage_p10_p90": round(float(inside.mean()), 3)
                if inside.size
                else None,
                "mae_improvement_over_persistence_pct": (
                    _round(100 * (p.mae - m.mae) / p.mae, 1) if p.mae else None
                ),
            }
        )
    return Evaluation(rows=rows, model=model, issue_days=int(issue.size))


def _round(value: float | None, digits: int = 3) -> float | None:
    """Rounded, or None for no value (JSON has no NaN)."""
    return None if value is None or np.isnan(value) else round(value, digits)
