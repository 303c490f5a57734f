"""The issue time of a forecast and the city's hourly data: what is known when it is issued.

A forecast of issue day d issued at hour H (China time, 1..24; 24 = midnight after the whole of
day d) may use every hour before H on day d and everything of earlier days. The hourly values of
a city sit in an ``(days, 24)`` matrix per variable (local hours 0..23, NaN = missing); the hour
``d * 24 + h`` of the flattened matrix is hour h of day d, so "before the issue time" is simply
"flat index < d * 24 + H".

Persistence available at the issue time: the AQI of the 24 hours before it (the daily-report AQI
of the means of the last 24 hourly concentrations, O3 as its highest 8-hour mean in the window).
At midnight this is the AQI of day d; at 15:00 the hours 15:00 of d-1 to 14:00 of d.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jingjinji.i18n import msg
from jingjinji.warnings.forecast.baseline import DailyGrid, ForecastError

FloatArray = npt.NDArray[np.float64]

#: Hourly variables of a city: pollutants, weather, wind components (u: towards east, v:
#: towards north, m/s, from the direction the wind blows from and its speed) and the hourly AQI.
POLLUTANTS_HOURLY: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3")
WEATHER_HOURLY: tuple[str, ...] = ("temp", "pres", "dewp", "rain", "wspm", "wind_u", "wind_v")
HOURLY_COLUMNS: tuple[str, ...] = (*POLLUTANTS_HOURLY, *WEATHER_HOURLY)

DEFAULT_ISSUE_TIME = "15:00"
ISSUE_TIME_SETTING = "JJJ_FORECAST_ISSUE_TIME"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

#: The 16 compass points of the source data, clockwise from north.
COMPASS: tuple[str, ...] = (
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
)

#: The daily-report AQI of concentration arrays (pm2_5, pm10, so2, no2, co, o3_8h); supplied by
#: the air domain through ``warnings.flows`` (the AQI is the air domain's business).
DailyAqi = Callable[[Mapping[str, FloatArray], list[dt.date]], FloatArray]


def parse_issue_time(value: str) -> int:
    """``HH:MM`` on the hour -> the issue hour 1..24; "24:00" and "00:00" mean midnight after
    the whole day (24). Raises ValueError with a readable message."""
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a time HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute != 0 or hour > 24:
        raise ValueError(f"{value!r}: the issue time is a full hour 00:00..24:00")
    return 24 if hour in (0, 24) else hour


def issue_time_label(hour: int) -> str:
    return "24:00" if hour == 24 else f"{hour:02d}:00"


def default_issue_hour() -> int:
    """The configured issue hour (setting ``JJJ_FORECAST_ISSUE_TIME``, default 15:00)."""
    return parse_issue_time(os.environ.get(ISSUE_TIME_SETTING) or DEFAULT_ISSUE_TIME)


def wind_components(
    direction: list[str | None], speed: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(u, v) of winds blowing FROM the compass ``direction`` at ``speed`` (NaN where unknown)."""
    angle = np.array(
        [np.deg2rad(22.5 * COMPASS.index(d)) if d in COMPASS else np.nan for d in direction],
        dtype=np.float64,
    )
    return -speed * np.sin(angle), -speed * np.cos(angle)


@dataclass(frozen=True)
class HourlyGrid:
    """Hourly city values on the same days as a :class:`DailyGrid` (``(days, 24)`` each)."""

    start: dt.date
    columns: dict[str, FloatArray]

    @property
    def days(self) -> int:
        return int(next(iter(self.columns.values())).shape[0])

    def flat(self, name: str) -> FloatArray:
        return self.columns[name].reshape(-1)


@dataclass(frozen=True)
class CityData:
    """A city's daily grid, its hourly grid on the same days and its daily-AQI function."""

    daily: DailyGrid
    hourly: HourlyGrid
    daily_aqi: DailyAqi

    def __post_init__(self) -> None:
        if self.hourly.start != self.daily.start or self.hourly.days != self.daily.size:
            raise ForecastError(msg("the hourly and daily grids cover different days"))


def _window(flat: FloatArray, ends: npt.NDArray[np.int64], length: int) -> FloatArray:
    """Rows: flat[end - length : end] for each end (NaN before the start)."""
    offsets = np.arange(-length, 0)
    index = ends[:, None] + offsets[None, :]
    out = np.full(index.shape, np.nan)
    ok = (index >= 0) & (index < flat.size)
    out[ok] = flat[index[ok]]
    return out


def window_mean(flat: FloatArray, ends: npt.NDArray[np.int64], length: int) -> FloatArray:
    """Mean of the available hours among the ``length`` hours before each end."""
    win = _window(flat, ends, length)
    counts = np.sum(~np.isnan(win), axis=1)
    sums = np.nansum(win, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def window_sum(flat: FloatArray, ends: npt.NDArray[np.int64], length: int) -> FloatArray:
    win = _window(flat, ends, length)
    counts = np.sum(~np.isnan(win), axis=1)
    return np.where(counts > 0, np.nansum(win, axis=1), np.nan)


def max_8h_mean(flat: FloatArray, ends: npt.NDArray[np.int64], length: int) -> FloatArray:
    """The highest 8-hour mean (>= 6 valid hours) ending inside the window before each end."""
    win = _window(flat, ends, length + 7)
    best = np.full(ends.shape, np.nan)
    for k in range(length):
        part = win[:, k : k + 8]
        counts = np.sum(~np.isnan(part), axis=1)
        mean = np.where(counts >= 6, np.nansum(part, axis=1) / np.maximum(counts, 1), np.nan)
        best = np.fmax(best, mean)
    return best


def persistence_at_issue(
    data: CityData, issue_days: npt.NDArray[np.int64], hour: int
) -> FloatArray:
    """The AQI of the 24 hours before the issue time of each issue day (see module doc)."""
    ends = issue_days.astype(np.int64) * 24 + hour
    arrays = {
        name: window_mean(data.hourly.flat(name), ends, 24)
        for name in ("pm2_5", "pm10", "so2", "no2", "co")
    }
    arrays["o3_8h"] = max_8h_mean(data.hourly.flat("o3"), ends, 24)
    days = [data.daily.date_at(int(i)) for i in issue_days]
    return np.asarray(data.daily_aqi(arrays, days), dtype=np.float64)
