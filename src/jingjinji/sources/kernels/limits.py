"""Detection rules of exceedance events: pure functions of one series of stored values (one
logger, one factor, one command), oldest first. No database, no clock.

The rules (docs/sources.md, "Exceedance events"):

- **Compared value.** The permit limit of a flue-gas concentration (mg/m3, ug/m3) applies to the
  corrected value (折算浓度, ``-ZsAvg``, reduced to the reference oxygen content): where the
  logger sent one it is compared, else the measured ``-Avg``. Wastewater concentrations and
  anything not a flue-gas concentration compare ``-Avg``.
- **Limit runs.** Only values flagged ``N`` (or sent without a flag, as 2005-era loggers do) are
  compared; any other flag (D, F, M, C, S, T, B) neither opens, extends nor ends a run. A value
  *above* the limit exceeds; a value *equal* to the limit does not (the permit says "not more
  than"). Consecutive exceeding values form one run, whatever hours are missing between them:
  only a compared value at or under the limit ends it (``ended_at`` is that value's time). The
  run keeps its worst value.
- **Invalid-flag runs.** Consecutive values flagged D (fault), F (stopped), M (maintenance) or C
  (calibration) form a run; values missing in between neither count nor break it, any other
  flag ends it. A run becomes an event once it is *longer* than the factor's limit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Flags that mark a value as normal (None: a logger that sends no flag).
NORMAL_FLAGS = frozenset({"N", None})
#: Flags of an invalid value: fault, instrument stopped, maintenance, calibration.
INVALID_FLAGS = frozenset({"D", "F", "M", "C"})
#: Units of a flue-gas concentration, whose limit applies to the corrected (折算) value.
FLUE_GAS_CONCENTRATION_UNITS = frozenset({"mg/m3", "mg/m³", "ug/m3", "μg/m3", "µg/m3", "μg/m³"})


@dataclass(frozen=True, slots=True)
class Reading:
    """One stored value of a series: its data time (UTC), the value to compare and its flag."""

    data_time: dt.datetime
    value: float | None
    flag: str | None


@dataclass(frozen=True, slots=True)
class Run:
    """A run found in a series.

    ``started_at`` is the first value of the run, ``last_at`` its last one, ``ended_at`` the
    value that ended it (None while it goes on), ``worst`` the highest compared value (None for
    an invalid-flag run) and ``count`` the values in it."""

    started_at: dt.datetime
    last_at: dt.datetime
    ended_at: dt.datetime | None
    worst: float | None
    count: int
    flags: tuple[str, ...] = ()


def compared_value(*, unit: str, avg: float | None, zs_avg: float | None) -> float | None:
    """The value a permit limit is compared with: the corrected average of a flue-gas
    concentration where the logger sent one, else the average."""
    if zs_avg is not None and is_flue_gas_concentration(unit):
        return zs_avg
    return avg


def is_flue_gas_concentration(unit: str) -> bool:
    """Whether ``unit`` is a flue-gas concentration (mass per cubic metre of gas)."""
    return unit.strip().replace(" ", "") in FLUE_GAS_CONCENTRATION_UNITS


def check_limit(limit: float) -> float:
    """A permit limit must be a finite number not below zero."""
    if not math.isfinite(limit) or limit < 0:
        raise ValueError(f"a permit limit must be a finite number >= 0, got {limit!r}")
    return limit


def _ordered(readings: Sequence[Reading]) -> None:
    for before, after in itertools.pairwise(readings):
        if after.data_time <= before.data_time:
            raise ValueError(
                f"readings must be in strictly increasing data time: {after.data_time} "
                f"follows {before.data_time}"
            )


def limit_runs(readings: Sequence[Reading], *, limit: float) -> list[Run]:
    """Runs of normal values above ``limit`` (see the module's rules), oldest first."""
    check_limit(limit)
    _ordered(readings)
    runs: list[Run] = []
    start: Reading | None = None
    last: Reading | None = None
    worst = -math.inf
    count = 0
    for r in readings:
        if r.flag not in NORMAL_FLAGS or r.value is None or not math.isfinite(r.value):
            continue  # an invalid or missing value says nothing about the limit
        if r.value > limit:
            if start is None:
                start, worst, count = r, r.value, 0
            last, worst, count = r, max(worst, r.value), count + 1
        elif start is not None and last is not None:
            runs.append(Run(start.data_time, last.data_time, r.data_time, worst, count))
            start, last = None, None
    if start is not None and last is not None:
        runs.append(Run(start.data_time, last.data_time, None, worst, count))
    return runs


def invalid_runs(readings: Sequence[Reading], *, run_limit: int) -> list[Run]:
    """Runs of invalid flags longer than ``run_limit`` values (see the module's rules)."""
    if run_limit < 1:
        raise ValueError(f"the invalid-run limit must be at least 1 value, got {run_limit}")
    _ordered(readings)
    runs: list[Run] = []
    current: list[Reading] = []

    def close(ended_at: dt.datetime | None) -> None:
        if len(current) > run_limit:
            flags = tuple(sorted({r.flag for r in current if r.flag}))
            first, last = current[0].data_time, current[-1].data_time
            runs.append(Run(first, last, ended_at, None, len(current), flags))
        current.clear()

    for r in readings:
        if r.flag in INVALID_FLAGS:
            current.append(r)
        elif current:
            close(r.data_time)
    if current:
        close(None)
    return runs


def silent_since(
    *, last_heard: dt.datetime, now: dt.datetime, interval_seconds: int, intervals: int
) -> bool:
    """Whether a logger last heard at ``last_heard`` is silent at ``now``: more than
    ``intervals`` of its real-time interval have passed (exactly that many is not silent)."""
    if interval_seconds < 1 or intervals < 1:
        raise ValueError("the real-time interval and the silent intervals must be positive")
    return now - last_heard > dt.timedelta(seconds=interval_seconds * intervals)
