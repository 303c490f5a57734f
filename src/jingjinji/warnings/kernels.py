"""The warning-criteria engine: pure, vectorised, no database.

A criteria set is declarative data (``warnings/data/criteria/*.json``); this module only
interprets it. Given a daily AQI series (observed or forecast), :func:`find_episodes` returns
the heavy-pollution episodes and the warning level each one reaches.

Semantics (see docs/warnings.md):

- A day is *over* when its AQI is strictly greater than the set's ``onset_aqi`` (200 in the
  regional sets). AQI exactly 200 is not over.
- Runs of over-days form episodes. Two runs separated by fewer than ``merge_gap_days`` clearing
  days (days that are not over, missing days included) count as one episode; with the default
  ``merge_gap_days`` of 2 a single clearing day does not end an episode. The published regional
  text does not fix this number (OPEN), hence it is data.
- Inside an episode the day counts of each threshold are summed over the whole episode (merged
  runs included). A level is reached when any of its conditions holds: every ``days_over``
  threshold has at least the given number of days strictly above it, and ``max_aqi_at_least``
  (when given) is reached on at least one day (AQI 500 reaches 500). The episode's level is the
  highest-ranked level reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class CriteriaError(ValueError):
    """A criteria definition that cannot be interpreted."""


@dataclass(frozen=True)
class Condition:
    """All parts must hold: day counts above thresholds and, optionally, a peak."""

    days_over: tuple[tuple[float, int], ...] = ()
    max_aqi_at_least: float | None = None

    def describe(self) -> str:
        parts = [f">{threshold:g} for {days} day(s)" for threshold, days in self.days_over]
        if self.max_aqi_at_least is not None:
            parts.append(f"AQI reaches {self.max_aqi_at_least:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class LevelRule:
    level: str
    rank: int
    any_of: tuple[Condition, ...]

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.any_of)


@dataclass(frozen=True)
class Criteria:
    code: str
    version: int
    onset_aqi: float
    merge_gap_days: int
    levels: tuple[LevelRule, ...]  # ascending rank
    name_en: str = ""
    name_zh: str = ""

    @property
    def level_names(self) -> list[str]:
        return [rule.level for rule in self.levels]

    def rank_of(self, level: str | None) -> int:
        if level is None:
            return 0
        for rule in self.levels:
            if rule.level == level:
                return rule.rank
        raise CriteriaError(f"criteria {self.code} has no level {level!r}")

    @property
    def thresholds(self) -> list[float]:
        found = {self.onset_aqi, 200.0, 300.0}
        for rule in self.levels:
            for cond in rule.any_of:
                found.update(t for t, _ in cond.days_over)
        return sorted(found)


LEVEL_ORDER = ("blue", "yellow", "orange", "red")


def criteria_from_dict(data: Mapping[str, Any]) -> Criteria:
    """Validate and build a :class:`Criteria` from its JSON form."""
    try:
        code = str(data["code"])
        version = int(data["version"])
        onset = float(data.get("onset_aqi", 200))
        gap = int(data.get("merge_gap_days", 2))
        raw_levels = data["levels"]
    except (KeyError, TypeError, ValueError) as exc:
        raise CriteriaError(f"criteria definition is incomplete: {exc}") from exc
    if gap < 1:
        raise CriteriaError("merge_gap_days must be at least 1 (1 = never merge)")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise CriteriaError("levels must be a non-empty list")
    levels: list[LevelRule] = []
    for raw in raw_levels:
        conditions: list[Condition] = []
        for cond in raw.get("any_of", []):
            days_over = tuple(
                sorted((float(t), int(n)) for t, n in dict(cond.get("days_over", {})).items())
            )
            peak = cond.get("max_aqi_at_least")
            if any(n < 1 for _, n in days_over):
                raise CriteriaError(f"level {raw.get('level')}: day counts must be >= 1")
            if any(t < onset for t, _ in days_over):
                raise CriteriaError(
                    f"level {raw.get('level')}: a threshold below onset_aqi {onset:g} can never "
                    "be counted inside an episode"
                )
            if not days_over and peak is None:
                raise CriteriaError(f"level {raw.get('level')}: an empty condition")
            conditions.append(
                Condition(
                    days_over=days_over, max_aqi_at_least=None if peak is None else float(peak)
                )
            )
        if not conditions:
            raise CriteriaError(f"level {raw.get('level')} has no conditions")
        levels.append(
            LevelRule(level=str(raw["level"]), rank=int(raw["rank"]), any_of=tuple(conditions))
        )
    levels.sort(key=lambda r: r.rank)
    if len({r.rank for r in levels}) != len(levels) or len({r.level for r in levels}) != len(
        levels
    ):
        raise CriteriaError("level names and ranks must be unique")
    return Criteria(
        code=code,
        version=version,
        onset_aqi=onset,
        merge_gap_days=gap,
        levels=tuple(levels),
        name_en=str(data.get("name_en", "")),
        name_zh=str(data.get("name_zh", "")),
    )


@dataclass(frozen=True)
class Episode:
    start: dt.date
    end: dt.date
    level: str | None
    max_aqi: float
    days_over_200: int
    days_over_300: int
    days: int = 0  # calendar days from start to end, clearing days included
    days_over: Mapping[float, int] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "level": self.level or "",
            "max_aqi": round(self.max_aqi),
            "days_over_200": self.days_over_200,
            "days_over_300": self.days_over_300,
        }


def daily_grid(
    dates: Sequence[dt.date] | npt.NDArray[Any], values: Sequence[float] | npt.ArrayLike
) -> tuple[npt.NDArray[np.datetime64], FloatArray]:
    """Place values on a contiguous daily grid (missing days are NaN); duplicates: last wins."""
    days = np.asarray(dates, dtype="datetime64[D]")
    vals = np.asarray(values, dtype=np.float64)
    if days.shape != vals.shape or days.ndim != 1:
        raise ValueError("dates and values must be 1-d and of equal length")
    if days.size == 0:
        return days, vals
    order = np.argsort(days, kind="stable")
    days, vals = days[order], vals[order]
    first = days[0]
    offsets = (days - first).astype(np.int64)
    grid = np.full(int(offsets[-1]) + 1, np.nan)
    grid[offsets] = vals
    return first + np.arange(grid.size).astype("timedelta64[D]"), grid


def _counts(
    flags: npt.NDArray[np.bool_], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]
) -> npt.NDArray[np.int64]:
    cum = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    result: npt.NDArray[np.int64] = cum[ends + 1] - cum[starts]
    return result


def find_episodes(
    dates: Sequence[dt.date] | npt.NDArray[Any],
    values: Sequence[float] | npt.ArrayLike,
    criteria: Criteria,
    *,
    include_unwarned: bool = False,
) -> list[Episode]:
    """Episodes of the daily AQI series under ``criteria``, in date order.

    ``include_unwarned`` also returns episodes that reach no level (e.g. a single day over 200
    under a set without blue).
    """
    grid_days, v = daily_grid(dates, values)
    if v.size == 0:
        return []
    filled = np.where(np.isnan(v), -np.inf, v)
    over = filled > criteria.onset_aqi
    idx = np.flatnonzero(over)
    if idx.size == 0:
        return []
    clearing_between = np.diff(idx) - 1
    breaks = np.flatnonzero(clearing_between >= criteria.merge_gap_days)
    starts = idx[np.concatenate(([0], breaks + 1))]
    ends = idx[np.concatenate((breaks, [idx.size - 1]))]
    # Between episodes every value is <= onset, so a segment max from start to the next start
    # is the episode's max.
    maxima = np.maximum.reduceat(filled, starts)
    counts = {t: _counts(filled > t, starts, ends) for t in criteria.thresholds}
    rank = np.zeros(starts.size, dtype=np.int64)
    level_by_rank = {rule.rank: rule.level for rule in criteria.levels}
    for rule in criteria.levels:
        reached = np.zeros(starts.size, dtype=bool)
        for cond in rule.any_of:
            ok = np.ones(starts.size, dtype=bool)
            for threshold, days in cond.days_over:
                ok &= counts[threshold] >= days
            if cond.max_aqi_at_least is not None:
                ok &= maxima >= cond.max_aqi_at_least
            reached |= ok
        rank = np.where(reached & (rule.rank > rank), rule.rank, rank)
    start_days: list[dt.date] = grid_days[starts].tolist()
    end_days: list[dt.date] = grid_days[ends].tolist()
    ranks = rank.tolist()
    peaks = maxima.tolist()
    lengths = (ends - starts + 1).tolist()
    by_threshold = {t: c.tolist() for t, c in counts.items()}
    n200, n300 = by_threshold[200.0], by_threshold[300.0]
    episodes: list[Episode] = []
    for i in range(starts.size):
        level = level_by_rank.get(ranks[i])
        if level is None and not include_unwarned:
            continue
        episodes.append(
            Episode(
                start=start_days[i],
                end=end_days[i],
                level=level,
                max_aqi=peaks[i],
                days_over_200=n200[i],
                days_over_300=n300[i],
                days=lengths[i],
                days_over={t: c[i] for t, c in by_threshold.items()},
            )
        )
    return episodes


def level_of(values: Sequence[float] | npt.ArrayLike, criteria: Criteria) -> str | None:
    """The highest level reached by any episode of a short series (e.g. a 3-day forecast)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return None
    days = np.datetime64("2000-01-01") + np.arange(arr.size).astype("timedelta64[D]")
    best: str | None = None
    for ep in find_episodes(days, arr, criteria):
        if criteria.rank_of(ep.level) > criteria.rank_of(best):
            best = ep.level
    return best


# ---------------------------------------------------------------- forecast verification


@dataclass(frozen=True)
class Scores:
    n: int
    mae: float
    rmse: float
    hit_rate: float | None  # share of observed events that were forecast
    false_alarm_ratio: float | None  # share of forecast events that did not happen
    observed_events: int
    forecast_events: int


def scores(
    observed: npt.ArrayLike, forecast: npt.ArrayLike, *, event_over: float = 200.0
) -> Scores:
    """MAE, RMSE and the event hit rate / false-alarm ratio of ``forecast`` against
    ``observed`` (pairs with a NaN on either side are left out)."""
    obs = np.asarray(observed, dtype=np.float64)
    fc = np.asarray(forecast, dtype=np.float64)
    keep = ~(np.isnan(obs) | np.isnan(fc))
    obs, fc = obs[keep], fc[keep]
    if obs.size == 0:
        return Scores(0, float("nan"), float("nan"), None, None, 0, 0)
    err = fc - obs
    obs_event = obs > event_over
    fc_event = fc > event_over
    hits = int(np.sum(obs_event & fc_event))
    n_obs, n_fc = int(obs_event.sum()), int(fc_event.sum())
    return Scores(
        n=int(obs.size),
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        hit_rate=hits / n_obs if n_obs else None,
        false_alarm_ratio=(n_fc - hits) / n_fc if n_fc else None,
        observed_events=n_obs,
        forecast_events=n_fc,
    )


def climatology(
    train_doy: npt.ArrayLike,
    train_values: npt.ArrayLike,
    target_doy: npt.ArrayLike,
    *,
    window_days: int = 7,
) -> FloatArray:
    """Mean of the training values whose day of year is within ``window_days`` (circularly)
    of each target's day of year."""
    tdoy = np.asarray(train_doy, dtype=np.int64)
    tval = np.asarray(train_values, dtype=np.float64)
    keep = ~np.isnan(tval)
    tdoy, tval = tdoy[keep], tval[keep]
    sums = np.bincount(tdoy, weights=tval, minlength=367)[1:367]
    cnts = np.bincount(tdoy, minlength=367)[1:367].astype(np.float64)
    # circular window over days of year 1..366
    width = 2 * window_days + 1
    ext_s = np.concatenate((sums[-window_days:], sums, sums[:window_days]))
    ext_c = np.concatenate((cnts[-window_days:], cnts, cnts[:window_days]))
    kernel = np.ones(width)
    win_s = np.convolve(ext_s, kernel, mode="valid")
    win_c = np.convolve(ext_c, kernel, mode="valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(win_c > 0, win_s / np.maximum(win_c, 1), np.nan)
    target = np.asarray(target_doy, dtype=np.int64)
    result: FloatArray = means[target - 1]
    return result
