"""Pure progress mathematics: period strings, changes and the status of an indicator.

Nothing here touches the database. See ``docs/progress.md`` for the method in prose with worked
examples; the constants below are the documented thresholds.

Status method (summary)
-----------------------
With a target (value ``T`` for year ``Ty``), base ``(t0, x0)`` and latest ``(t1, x1)``:

1. no value at all -> ``no_data``;
2. the latest value meets the target (``x1 >= T`` higher-is-better, ``x1 <= T`` lower-is-better)
   -> ``target_achieved``;
3. only one value (``t1 == t0``) -> ``no_data`` (no pace can be measured yet);
4. achieved pace and required pace as compound annual growth rates,
   ``a = (x1/x0)^(1/(t1-t0)) - 1`` and ``r = (T/x0)^(1/(Ty-t0)) - 1``; when any of ``x0``, ``x1``,
   ``T`` is zero or negative the CAGR is undefined and both paces are linear instead,
   ``a = (x1-x0)/(t1-t0)``, ``r = (T-x0)/(Ty-t0)``. When the target year is not after the base
   year, the required pace is measured over the observed span ``t1-t0`` (the time has run out);
5. ``ratio = a / r`` (the sign of ``r`` carries the direction, so lower-is-better needs no
   special case); ``r == 0`` (target equal to the base value, yet not met now) is treated as
   ratio -inf when the value moved away and 0 when it stood still;
6. ``ratio >= 0.75`` substantial, ``>= 0.40`` moderate, ``>= 0`` limited, ``< 0`` deterioration.

Without a target, the trend from the earliest to the latest value decides: the direction-aware
CAGR ``s`` (sign flipped for lower-is-better; symmetric relative change per year when a value is
zero or negative): ``s >= 2 %`` a year substantial, ``>= 0.5 %`` moderate, ``>= 0`` limited,
``< 0`` deterioration; one value only -> ``no_data``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jingjinji.i18n import Msg, msg

# Thresholds on the ratio of achieved to required pace (target known).
RATIO_SUBSTANTIAL = 0.75
RATIO_MODERATE = 0.40
# Thresholds on the direction-aware annual rate (no target), as fractions (0.02 = 2 % a year).
TREND_SUBSTANTIAL = 0.02
TREND_MODERATE = 0.005

YEAR_MIN = 1900
YEAR_MAX = 2100


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class PeriodType(enum.StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class Status(enum.StrEnum):
    TARGET_ACHIEVED = "target_achieved"
    SUBSTANTIAL = "substantial"
    MODERATE = "moderate"
    LIMITED = "limited"
    DETERIORATION = "deterioration"
    NO_DATA = "no_data"


# Best first; used for sorting and for the monotonicity property.
STATUS_RANK: dict[Status, int] = {
    Status.TARGET_ACHIEVED: 5,
    Status.SUBSTANTIAL: 4,
    Status.MODERATE: 3,
    Status.LIMITED: 2,
    Status.DETERIORATION: 1,
    Status.NO_DATA: 0,
}
# The status names, best first (the order of every count and legend).
STATUSES_BEST_FIRST: tuple[str, ...] = tuple(
    s.value for s in sorted(STATUS_RANK, key=lambda s: -STATUS_RANK[s])
)

PERIODS_PER_YEAR = {PeriodType.YEAR: 1, PeriodType.QUARTER: 4, PeriodType.MONTH: 12}
_PATTERNS = {
    PeriodType.YEAR: re.compile(r"([0-9]{4})"),
    PeriodType.QUARTER: re.compile(r"([0-9]{4})Q([1-4])"),
    PeriodType.MONTH: re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"),
}
_EXAMPLES = {PeriodType.YEAR: "2021", PeriodType.QUARTER: "2021Q3", PeriodType.MONTH: "2021-07"}


class PeriodError(ValueError):
    """A period string that is not valid (for the indicator's period type); its argument is
    the reason, a :func:`jingjinji.i18n.msg` (pages show it in the reader's language)."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason)
        self.reason = reason


def _period_label(kind: PeriodType) -> Msg:
    """A period type's name inside a sentence (year, quarter, month), translated with it."""
    return {
        PeriodType.YEAR: msg("year"),
        PeriodType.QUARTER: msg("quarter"),
        PeriodType.MONTH: msg("month"),
    }[kind]


@dataclass(frozen=True, order=True)
class Period:
    """A year, quarter or month. ``sub`` is 1 for years, 1-4 for quarters, 1-12 for months."""

    kind: PeriodType
    year: int
    sub: int = 1

    def __str__(self) -> str:
        if self.kind is PeriodType.YEAR:
            return f"{self.year:04d}"
        if self.kind is PeriodType.QUARTER:
            return f"{self.year:04d}Q{self.sub}"
        return f"{self.year:04d}-{self.sub:02d}"

    @property
    def ordinal(self) -> int:
        """Consecutive integers for consecutive periods of one kind."""
        return self.year * PERIODS_PER_YEAR[self.kind] + (self.sub - 1)

    @property
    def time(self) -> float:
        """Position in years: 2021 -> 2021.0, 2021Q3 -> 2021.5, 2021-07 -> 2021.5."""
        return self.year + (self.sub - 1) / PERIODS_PER_YEAR[self.kind]

    def previous(self) -> Period:
        return from_ordinal(self.kind, self.ordinal - 1)

    def year_before(self) -> Period:
        return Period(self.kind, self.year - 1, self.sub)


def from_ordinal(kind: PeriodType, ordinal: int) -> Period:
    per = PERIODS_PER_YEAR[kind]
    return Period(kind, ordinal // per, ordinal % per + 1)


def detect_period_type(text: str) -> PeriodType | None:
    for kind, pattern in _PATTERNS.items():
        if pattern.fullmatch(text):
            return kind
    return None


def parse_period(text: object, kind: PeriodType | str | None = None) -> Period:
    """Parse an ISO-style period string strictly: ``2021``, ``2021Q3`` or ``2021-07``.

    With ``kind`` the string must be of that period type. Raises :class:`PeriodError` with a
    message that says what was expected.
    """
    if not isinstance(text, str):
        raise PeriodError(
            msg("a period is a string such as '2021', not {kind}", kind=type(text).__name__)
        )
    wanted = PeriodType(kind) if kind is not None else None
    found = detect_period_type(text)
    if found is None:
        if wanted is None:
            raise PeriodError(
                msg(
                    "{text} is not a valid period string; expected e.g. '2021' (year), "
                    "'2021Q3' (quarter) or '2021-07' (month)",
                    text=repr(text),
                )
            )
        raise PeriodError(
            msg(
                "{text} is not a valid period string; expected e.g. '{example}' ({kind})",
                text=repr(text),
                example=_EXAMPLES[wanted],
                kind=_period_label(wanted),
            )
        )
    if wanted is not None and found is not wanted:
        raise PeriodError(
            msg(
                "{text} is a {found} but this indicator is reported by {wanted} (e.g. '{example}')",
                text=repr(text),
                found=_period_label(found),
                wanted=_period_label(wanted),
                example=_EXAMPLES[wanted],
            )
        )
    match = _PATTERNS[found].fullmatch(text)
    assert match is not None
    year = int(match.group(1))
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PeriodError(
            msg(
                "year {year} in {text} is outside {first}-{last}",
                year=year,
                text=repr(text),
                first=YEAR_MIN,
                last=YEAR_MAX,
            )
        )
    sub = int(match.group(2)) if found is not PeriodType.YEAR else 1
    return Period(found, year, sub)


def target_time(kind: PeriodType, year: int) -> float:
    """Time of a target set for a calendar year: the year's last period of that kind."""
    return year + (PERIODS_PER_YEAR[kind] - 1) / PERIODS_PER_YEAR[kind]


@dataclass(frozen=True)
class Change:
    absolute: float
    percent: float | None  # None when the old value is zero


def change(old: float, new: float) -> Change:
    """Absolute and relative change; the relative change is against ``|old|``."""
    diff = new - old
    return Change(diff, None if old == 0 else diff / abs(old) * 100.0)


def improvement(direction: Direction | str, delta: float) -> float:
    """A change made direction-aware: positive is always better."""
    return delta if Direction(direction) is Direction.HIGHER_IS_BETTER else -delta


def cagr(x0: float, x1: float, years: float) -> float | None:
    """Compound annual growth rate, or None where undefined (non-positive values, no time)."""
    if years <= 0 or x0 <= 0 or x1 <= 0:
        return None
    return float((x1 / x0) ** (1.0 / years) - 1.0)


def symmetric_rate(x0: float, x1: float, years: float) -> float:
    """Change per year relative to the mean magnitude of both values (zero/negative-safe)."""
    scale = (abs(x0) + abs(x1)) / 2.0
    if scale == 0 or years <= 0:
        return 0.0
    return (x1 - x0) / scale / years


@dataclass(frozen=True)
class Assessment:
    status: Status
    method: str  # none | target_cagr | target_linear | trend_cagr | trend_symmetric
    achieved_rate: float | None = None
    required_rate: float | None = None
    ratio: float | None = None
    base_time: float | None = None
    latest_time: float | None = None
    latest_value: float | None = None


def meets_target(direction: Direction | str, value: float, target: float) -> bool:
    if Direction(direction) is Direction.HIGHER_IS_BETTER:
        return value >= target
    return value <= target


def status_from_ratio(ratio: float) -> Status:
    if ratio >= RATIO_SUBSTANTIAL:
        return Status.SUBSTANTIAL
    if ratio >= RATIO_MODERATE:
        return Status.MODERATE
    if ratio >= 0:
        return Status.LIMITED
    return Status.DETERIORATION


def status_from_trend(rate: float) -> Status:
    if rate >= TREND_SUBSTANTIAL:
        return Status.SUBSTANTIAL
    if rate >= TREND_MODERATE:
        return Status.MODERATE
    if rate >= 0:
        return Status.LIMITED
    return Status.DETERIORATION


def _clean(series: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    points = sorted((float(t), float(v)) for t, v in series if math.isfinite(v))
    return points


def assess(
    series: Sequence[tuple[float, float]],
    direction: Direction | str,
    *,
    target: tuple[float, float] | None = None,
    base_time: float | None = None,
) -> Assessment:
    """Status of one indicator in one jurisdiction.

    ``series``: ``(time in years, value)`` pairs in any order (see :attr:`Period.time`).
    ``target``: ``(target value, target time)`` or None. ``base_time``: the point to measure
    from (the earliest value when None or when no value is at that time).
    """
    direction = Direction(direction)
    points = _clean(series)
    if not points:
        return Assessment(Status.NO_DATA, "none")
    t1, x1 = points[-1]
    base = next((p for p in points if base_time is not None and p[0] == base_time), points[0])
    t0, x0 = base
    if t0 > t1:
        t0, x0 = points[0]

    def done(
        status: Status,
        method: str,
        achieved: float | None = None,
        required: float | None = None,
        ratio: float | None = None,
    ) -> Assessment:
        return Assessment(status, method, achieved, required, ratio, t0, t1, x1)

    if target is not None:
        goal, goal_time = float(target[0]), float(target[1])
        if meets_target(direction, x1, goal):
            return done(Status.TARGET_ACHIEVED, "target")
        if t1 <= t0:
            return done(Status.NO_DATA, "target")
        span = t1 - t0
        required_span = goal_time - t0 if goal_time > t0 else span
        achieved = cagr(x0, x1, span)
        required = cagr(x0, goal, required_span)
        method = "target_cagr"
        if achieved is None or required is None:
            achieved = (x1 - x0) / span
            required = (goal - x0) / required_span
            method = "target_linear"
        if required == 0:
            moved = improvement(direction, x1 - x0)
            ratio = 0.0 if moved == 0 else (-math.inf if moved < 0 else math.inf)
        else:
            ratio = achieved / required
        status = status_from_ratio(ratio)
        return done(status, method, achieved, required, ratio)
    if t1 <= t0:
        return done(Status.NO_DATA, "trend")
    rate = cagr(x0, x1, t1 - t0)
    method = "trend_cagr"
    if rate is None:
        rate = symmetric_rate(x0, x1, t1 - t0)
        method = "trend_symmetric"
    aware = improvement(direction, rate)
    return done(status_from_trend(aware), method, rate)


def yoy_percent(previous: float, current: float) -> float | None:
    """Year-on-year change in percent implied by two levels (None if previous is zero)."""
    if previous == 0:
        return None
    return (current - previous) / abs(previous) * 100.0


def status_counts(statuses: Sequence[str]) -> dict[str, int]:
    """Counts per status, every status present (zeros included), best first."""
    counts = dict.fromkeys(STATUSES_BEST_FIRST, 0)
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return counts
