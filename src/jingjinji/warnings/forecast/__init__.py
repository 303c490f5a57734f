"""Per-city daily AQI forecasts 1-3 days ahead with calibrated intervals.

- :mod:`.baseline`: the first model (``hgb-quantile-v1``), issued at the end of day d; kept as
  the baseline of the evaluation and as the model the daily job stores.
- :mod:`.timing`: the issue time and the hourly city data: what is known at the issue time.
- :mod:`.issue_time`: the issue-time model (``hgb-quantile-v2``): gradient-boosted quantile
  regression on features available at the issue time (optionally with target-day weather from a
  weather forecast), intervals calibrated by split conformal prediction.
- :mod:`.evaluation`: the hold-out evaluation of both against persistence and climatology.
"""

from jingjinji.warnings.forecast.baseline import (
    CLIMATOLOGY_WINDOW_DAYS,
    CONCENTRATIONS,
    FEATURES,
    HORIZONS,
    HYPER,
    INPUT_COLUMNS,
    MIN_TRAINING_DAYS,
    MODEL_NAME,
    QUANTILES,
    WEATHER,
    DailyGrid,
    Evaluation,
    ForecastError,
    ForecastModel,
    Prediction,
    day_of_year,
    evaluate,
    feature_hash,
    feature_matrix,
    grid_from_frame,
    model_version,
    train,
)

__all__ = [
    "CLIMATOLOGY_WINDOW_DAYS",
    "CONCENTRATIONS",
    "FEATURES",
    "HORIZONS",
    "HYPER",
    "INPUT_COLUMNS",
    "MIN_TRAINING_DAYS",
    "MODEL_NAME",
    "QUANTILES",
    "WEATHER",
    "DailyGrid",
    "Evaluation",
    "ForecastError",
    "ForecastModel",
    "Prediction",
    "day_of_year",
    "evaluate",
    "feature_hash",
    "feature_matrix",
    "grid_from_frame",
    "model_version",
    "train",
]
