"""Hold-out evaluation of the issue-time model and of the baseline, at one issue time.

Trained on data up to ``train_until`` only; every day after it up to ``until - 1`` is an issue
day (issued at ``issue_hour``); its +1..+3 forecasts are scored against the observed daily AQI.

- persistence = the AQI of the 24 hours before the issue time (what is known then);
- climatology = mean training AQI within +-7 days of the target's day of year;
- baseline = the first model (``hgb-quantile-v1``), which needs the whole issue day: at a
  midnight issue it is issued from day d; at an earlier hour only from day d-1, so its +h
  forecast is its (h+1)-day forecast from d-1 (none for +3);
- ``oracle_weather``: the target day's OBSERVED weather stands in for a weather forecast. That
  is an upper bound, not a forecast: the result says so in ``weather_input = "oracle"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jingjinji.i18n import msg
from jingjinji.warnings import kernels
from jingjinji.warnings.forecast import baseline, issue_time, timing

FloatArray = npt.NDArray[np.float64]

LEVEL_BOUNDS = np.array([50.0, 100.0, 150.0, 200.0, 300.0])
SEASONS = {"DJF": (12, 1, 2), "MAM": (3, 4, 5), "JJA": (6, 7, 8), "SON": (9, 10, 11)}


def aqi_level(values: FloatArray) -> FloatArray:
    """HJ 633 level 1..6 of AQI values (NaN stays NaN)."""
    out = np.searchsorted(LEVEL_BOUNDS, np.ceil(values), side="left").astype(float) + 1
    return np.where(np.isnan(values), np.nan, out)


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), digits)


def _events(observed: FloatArray, forecast: FloatArray, threshold: float) -> dict[str, Any]:
    obs = observed > threshold
    fc = forecast > threshold
    hits = int(np.sum(obs & fc))
    return {
        "hit_rate": _r(hits / obs.sum()) if obs.sum() else None,
        "false_alarm_ratio": _r(1 - hits / fc.sum()) if fc.sum() else None,
        "forecast_events": int(fc.sum()),
        "observed_events": int(obs.sum()),
    }


def _gain(model: float, reference: float) -> float | None:
    return _r(100 * (reference - model) / reference, 1) if reference else None


def score(
    observed: FloatArray,
    p10: FloatArray,
    p50: FloatArray,
    p90: FloatArray,
    persistence: FloatArray,
    climatology: FloatArray,
) -> dict[str, Any]:
    """The scores of one set of days (every array the same length; NaN rows are skipped)."""
    common = ~(np.isnan(observed) | np.isnan(persistence) | np.isnan(p50))
    o, m, p = observed[common], p50[common], persistence[common]
    lo, hi = p10[common], p90[common]
    ms, ps = kernels.scores(o, m), kernels.scores(o, p)
    with_clim = common & ~np.isnan(climatology)
    cs = kernels.scores(observed[with_clim], climatology[with_clim])
    row: dict[str, Any] = {
        "n": ms.n,
        "model_mae": _r(ms.mae, 2),
        "model_rmse": _r(ms.rmse, 2),
        "persistence_mae": _r(ps.mae, 2),
        "persistence_rmse": _r(ps.rmse, 2),
        "climatology_mae": _r(cs.mae, 2),
        "climatology_rmse": _r(cs.rmse, 2),
        "climatology_n": cs.n,
        "mae_gain_over_persistence_pct": _gain(ms.mae, ps.mae),
        "mae_gain_over_climatology_pct": _gain(ms.mae, cs.mae),
        "level_accuracy": _r(float(np.mean(aqi_level(o) == aqi_level(m)))) if o.size else None,
        "persistence_level_accuracy": (
            _r(float(np.mean(aqi_level(o) == aqi_level(p)))) if o.size else None
        ),
        "interval_coverage_p10_p90": (
            _r(float(np.mean((o >= lo) & (o <= hi)))) if o.size else None
        ),
    }
    for threshold in (200, 300):
        for name, values in (("p50", m), ("q90", hi), ("persistence", p)):
            ev = _events(o, values, threshold)
            row[f"hit_rate_gt{threshold}_{name}"] = ev["hit_rate"]
            row[f"false_alarm_ratio_gt{threshold}_{name}"] = ev["false_alarm_ratio"]
            row[f"forecast_days_gt{threshold}_{name}"] = ev["forecast_events"]
        row[f"observed_days_gt{threshold}"] = int(np.sum(o > threshold))
    # the keys of the first evaluation output, kept (same meaning)
    row["model_hit_rate_over_200"] = row["hit_rate_gt200_p50"]
    row["persistence_hit_rate_over_200"] = row["hit_rate_gt200_persistence"]
    row["model_false_alarm_ratio_over_200"] = row["false_alarm_ratio_gt200_p50"]
    row["persistence_false_alarm_ratio_over_200"] = row["false_alarm_ratio_gt200_persistence"]
    return row


@dataclass
class IssueTimeEvaluation:
    metadata: dict[str, Any]
    horizons: list[dict[str, Any]]
    baseline: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {**self.metadata, "horizons": self.horizons, "baseline": self.baseline}


def evaluate(
    data: timing.CityData,
    *,
    train_until: dt.date,
    until: dt.date,
    city_code: str,
    issue_hour: int,
    oracle_weather: bool = False,
) -> IssueTimeEvaluation:
    grid = data.daily
    if until <= train_until:
        raise baseline.ForecastError(msg("the hold-out must end after the training cutoff"))
    first = grid.index_of(train_until) + 1
    last = min(grid.index_of(until), grid.size - 1)
    if first > last - 1:
        raise baseline.ForecastError(msg("no issue days in the hold-out"))
    issue = np.arange(max(first, 0), last, dtype=np.int64)
    model = issue_time.train(
        data,
        cutoff=train_until,
        city_code=city_code,
        issue_hour=issue_hour,
        weather_input=oracle_weather,
    )
    weather = issue_time.observed_target_weather(data) if oracle_weather else None
    pred = model.predict(data, issue, target_weather=weather)
    base = baseline.train(grid, cutoff=train_until, city_code=city_code)
    # the baseline needs the whole issue day: at an earlier hour it is issued from the day before
    shift = 0 if issue_hour == 24 else 1
    base_issue = issue - shift
    base_ok = base_issue >= 0
    base_pred = base.predict(grid, base_issue[base_ok])
    aqi = grid.columns["aqi"]
    train_end = grid.index_of(train_until)
    train_doy = baseline.day_of_year(grid.dates[: train_end + 1])
    persistence = timing.persistence_at_issue(data, issue, issue_hour)
    horizons: list[dict[str, Any]] = []
    base_rows: list[dict[str, Any]] = []
    for horizon in baseline.HORIZONS:
        keep = issue + horizon <= last
        tgt = issue[keep] + horizon
        observed = aqi[tgt]
        clim = kernels.climatology(
            train_doy,
            aqi[: train_end + 1],
            baseline.day_of_year(grid.date_at(int(i)) for i in tgt),
            window_days=baseline.CLIMATOLOGY_WINDOW_DAYS,
        )
        p = pred[horizon]
        q10, q50, q90 = (p.aqi[q][keep] for q in baseline.QUANTILES)
        pers = persistence[keep]
        row = {"horizon_days": horizon, **score(observed, q10, q50, q90, pers, clim)}
        months = np.array([grid.date_at(int(i)).month for i in tgt])
        row["seasons"] = {
            name: {
                k: v
                for k, v in score(
                    observed[sel], q10[sel], q50[sel], q90[sel], pers[sel], clim[sel]
                ).items()
                if k
                in (
                    "n",
                    "model_mae",
                    "persistence_mae",
                    "climatology_mae",
                    "interval_coverage_p10_p90",
                    "hit_rate_gt200_q90",
                    "false_alarm_ratio_gt200_q90",
                    "observed_days_gt200",
                )
            }
            for name, ms in SEASONS.items()
            if (sel := np.isin(months, ms)).any()
        }
        horizons.append(row)
        lead = horizon + shift
        if lead in base_pred:
            b = base_pred[lead]
            vals = {q: np.full(issue.size, np.nan) for q in baseline.QUANTILES}
            for q in baseline.QUANTILES:
                vals[q][base_ok] = b.aqi[q]
            brow = score(
                observed,
                vals[0.1][keep],
                vals[0.5][keep],
                vals[0.9][keep],
                pers,
                clim,
            )
            base_rows.append({"horizon_days": horizon, "baseline_lead_days": lead, **brow})
        else:
            base_rows.append({"horizon_days": horizon, "baseline_lead_days": lead, "n": 0})
    metadata = {
        "city": city_code,
        "train_until": train_until.isoformat(),
        "until": until.isoformat(),
        "issue_time": timing.issue_time_label(issue_hour),
        "issue_days": int(issue.size),
        "oracle_weather": oracle_weather,
        "weather_input": "oracle" if oracle_weather else "none",
        "model_version": model.version,
        "baseline_model_version": base.version,
        "persistence": "AQI of the 24 hours before the issue time",
        "conformal_widening_log": {str(h): round(w, 4) for h, w in model.conformal.items()},
        "calibration_days": {str(h): n for h, n in model.calibration_days.items()},
    }
    return IssueTimeEvaluation(metadata=metadata, horizons=horizons, baseline=base_rows)
