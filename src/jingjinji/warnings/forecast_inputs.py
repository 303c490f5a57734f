"""What a city's forecasts have to go on: its history (:func:`forecast_status`: enough, too
little, none) and the weather forecasts issued before the issue moment (read for the target days
of a forecast, never the observed weather)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.errors import NotFound
from jingjinji.warnings import forecast as fc
from jingjinji.warnings.flows import city_aqi
from jingjinji.warnings.forecast import issue_time, timing
from jingjinji.warnings.models import ForecastModelRow, WeatherForecast
from jingjinji.warnings.weather import weather_forecast_frame

#: China time (UTC+8, no daylight saving): the clock of the issue hour.
CHINA = dt.timezone(dt.timedelta(hours=8))
#: What a weather-input model's summary says about its training input.
WEATHER_TRAINING = "target-day observed weather (training rows only; weather forecasts at issue)"


def weather_hashes() -> list[str]:
    return [issue_time.feature_hash(hour, True) for hour in range(1, 25)]


def weather_model_for(session: Session, row: ForecastModelRow) -> ForecastModelRow | None:
    """The weather-input variant trained with the same cutoff as ``row`` (None if none is
    stored)."""
    hour = timing.parse_issue_time(str(row.summary.get("issue_time", "24:00")))
    return session.scalar(
        select(ForecastModelRow).where(
            ForecastModelRow.city_code == row.city_code,
            ForecastModelRow.cutoff == row.cutoff,
            ForecastModelRow.feature_hash == issue_time.feature_hash(hour, True),
        )
    )


def has_weather_forecasts(session: Session, *, city_code: str) -> bool:
    return (
        session.scalar(
            select(WeatherForecast.id).where(WeatherForecast.city_code == city_code).limit(1)
        )
        is not None
    )


def issue_moment(day: dt.date, hour: int) -> dt.datetime:
    """The issue time of issue day ``day`` at ``hour`` (China time; 24 = midnight after it)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=CHINA) + dt.timedelta(hours=hour)


def target_weather_at_issue(
    session: Session, *, data: timing.CityData, city_code: str, issue: dt.date, hour: int
) -> dict[str, np.ndarray] | None:
    """The weather forecasts of days issue+1..issue+3 issued at or before the issue moment, on
    the daily grid of ``data`` extended by 3 days past its end (NaN elsewhere); None when there
    is none. Observed weather is never read here."""
    last = max(fc.HORIZONS)
    frame = weather_forecast_frame(
        session,
        city_code=city_code,
        issued_at_or_before=issue_moment(issue, hour),
        target_from=issue + dt.timedelta(days=1),
        target_to=issue + dt.timedelta(days=last),
    )
    if frame.is_empty():
        return None
    return issue_time.weather_from_frame(frame, data, days_after=last)


def given(weather: dict[str, np.ndarray] | None, index: int) -> bool:
    """Whether a weather forecast gives at least one of the model's weather values for the
    day at ``index`` of the grid (missing values take the trees' missing-value branches)."""
    if weather is None or not 0 <= index < len(weather[issue_time.MODEL_WEATHER[0]]):
        return False
    return any(not np.isnan(weather[name][index]) for name in issue_time.MODEL_WEATHER)


# ------------------------------------------------------------------------------------ status


@dataclass(frozen=True)
class ForecastStatus:
    """Whether a city gets forecasts, and why not: ``ready`` (enough history),
    ``too_little_history`` (data, but fewer daily AQI values than a model needs) or
    ``no_data``."""

    city_code: str
    status: Literal["ready", "no_data", "too_little_history"]
    days_with_aqi: int
    needed: int
    message: str


def forecast_status(session: Session, *, city_code: str) -> ForecastStatus:
    """What a page or the API shows for a city instead of an empty forecast."""
    needed = fc.MIN_TRAINING_DAYS + max(fc.HORIZONS)
    try:
        frame = city_aqi(session, city_code=city_code)
    except NotFound:
        frame = None
    if frame is None or frame.is_empty():
        return ForecastStatus(
            city_code, "no_data", 0, needed, f"no air-quality data for city {city_code}"
        )
    days = int(frame["aqi"].drop_nulls().len())
    if days < needed:
        return ForecastStatus(
            city_code,
            "too_little_history",
            days,
            needed,
            f"city {city_code} has {days} days with a daily AQI; a forecast model needs at least "
            f"{needed}",
        )
    return ForecastStatus(city_code, "ready", days, needed, f"{days} days with a daily AQI")
