"""Heavy-pollution early warning: the domain's public API, for its router, views, CLI and jobs,
for other domains and for tests (``from jingjinji.warnings import service``).

The work lives in topic modules; this one re-exports what is used outside them:

- :mod:`~jingjinji.warnings.criteria` and :mod:`~jingjinji.warnings.measures`: the versioned
  criteria sets and response measures shipped as data, and which set each jurisdiction adopted;
- :mod:`~jingjinji.warnings.lifecycle`: the office's steps (propose, open the consultation,
  issue, change the level, lift, withdraw); :mod:`~jingjinji.warnings.consultation`: the
  agencies' answers; :mod:`~jingjinji.warnings.states`: the states and the steps between them;
- :mod:`~jingjinji.warnings.queries`: reading warnings and the live event feed, as far as the
  reader may see them (:mod:`~jingjinji.warnings.policy`);
- :mod:`~jingjinji.warnings.forecast_store`: forecast models and the forecasts they issue;
- :mod:`~jingjinji.warnings.flows`: the air domain's data the forecasts and replays read;
- :mod:`~jingjinji.warnings.daily`: the daily job (forecasts, then one regional proposal);
- :mod:`~jingjinji.warnings.weather` and :mod:`~jingjinji.warnings.weather_csv`: the
  meteorological service's weather forecasts (intake, storage, the frame the forecast reads);
- :mod:`~jingjinji.warnings.presentation`: the API's warning detail and what the pages show;
- :mod:`~jingjinji.warnings.public_air`: the public air page (the air domain's hourly ranking,
  HJ 633's health advice and the stored forecasts' outlook per city);
- :mod:`~jingjinji.warnings.webhooks`: signed deliveries, which later domains' events (water
  incidents) also use through ``register_webhook_event_types`` and ``dispatch_webhook``.
"""

from __future__ import annotations

from jingjinji.warnings.consultation import answer, answers_of
from jingjinji.warnings.criteria import (
    adopt_criteria,
    criteria_code_for,
    criteria_for,
    get_criteria,
    list_adoptions,
    list_criteria,
    load_criteria,
)
from jingjinji.warnings.daily import ISSUE_FORECASTS_JOB, outlook, propose_from_episodes, run_daily
from jingjinji.warnings.event_labels import EVENT_LABELS as EVENT_LABELS
from jingjinji.warnings.flows import cities_with_data, city_daily, city_grid, replay
from jingjinji.warnings.forecast_store import (
    check_forecast_query,
    ensure_weather_model,
    evaluate_city,
    forecast_chart,
    forecasts_for,
    latest_model,
    store_forecasts,
    train_model,
)
from jingjinji.warnings.lifecycle import (
    change_level,
    issue,
    lift,
    open_consultation,
    propose,
    withdraw,
)
from jingjinji.warnings.measures import load_measures
from jingjinji.warnings.presentation import (
    answer_out,
    overview,
    warning_detail,
    warning_out,
    warning_page,
)
from jingjinji.warnings.public_air import public_air_page
from jingjinji.warnings.queries import (
    events_after,
    events_of,
    get_warning,
    last_event_id,
    list_warnings,
    list_warnings_page,
    poll_events,
)
from jingjinji.warnings.states import TRANSITIONS
from jingjinji.warnings.weather import (
    store_weather_batch,
    store_weather_forecasts,
    weather_forecast_frame,
    weather_forecasts_page,
)
from jingjinji.warnings.weather_csv import MAX_BYTES as WEATHER_CSV_MAX_BYTES
from jingjinji.warnings.weather_csv import load_weather_csv
from jingjinji.warnings.webhooks import dispatch as dispatch_webhook
from jingjinji.warnings.webhooks import register_event_types as register_webhook_event_types

__all__ = [
    "ISSUE_FORECASTS_JOB",
    "TRANSITIONS",
    "WEATHER_CSV_MAX_BYTES",
    "adopt_criteria",
    "answer",
    "answer_out",
    "answers_of",
    "change_level",
    "check_forecast_query",
    "cities_with_data",
    "city_daily",
    "city_grid",
    "criteria_code_for",
    "criteria_for",
    "dispatch_webhook",
    "ensure_weather_model",
    "evaluate_city",
    "events_after",
    "events_of",
    "forecast_chart",
    "forecasts_for",
    "get_criteria",
    "get_warning",
    "issue",
    "last_event_id",
    "latest_model",
    "lift",
    "list_adoptions",
    "list_criteria",
    "list_warnings",
    "list_warnings_page",
    "load_criteria",
    "load_measures",
    "load_weather_csv",
    "open_consultation",
    "outlook",
    "overview",
    "poll_events",
    "propose",
    "propose_from_episodes",
    "public_air_page",
    "register_webhook_event_types",
    "replay",
    "run_daily",
    "store_forecasts",
    "store_weather_batch",
    "store_weather_forecasts",
    "train_model",
    "warning_detail",
    "warning_out",
    "warning_page",
    "weather_forecast_frame",
    "weather_forecasts_page",
    "withdraw",
]
