"""Water demo: synthetic samples (labelled ``synthetic``) and the published Langfang figures.

Synthetic series, fixed seed, vectorised per section:

- a monthly manual sample on the 15th at 10:00 China time, from January 2016 to the current
  month, of the 21 evaluated items plus total nitrogen, fecal coliform and temperature;
- for the sections with an automatic station, the "9+X" items every 4 hours over the last 60
  days (temperature, pH, DO, conductivity, turbidity, CODMn, NH3-N, TP, TN).

The levels follow what the public bulletins describe: the oxygen-consuming items and nutrients
heavily polluted in 2016-2017 (ammonia nitrogen several times class V, as at Sanhe Dongdaqiao in
January 2017), improving year by year to class III-IV by 2025; ammonia nitrogen and COD higher
in the dry winter months, phosphorus in the summer floods; dissolved oxygen follows the
saturation at the water temperature. Trace metals stay near or below their detection limits.
Over the last year every graded value is kept below its target limit, so that the only incident
the demo opens is the planted one (``demo/incidents.py``).

The published values (origin ``published``) are stored as the bulletin gave them, and the
synthetic series leaves out those items at that time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from jingjinji.timezone import CHINA_TZ
from jingjinji.water.kernels import gb3838
from jingjinji.water.kernels.statistics import DECIMALS
from jingjinji.water.models import SampleKind, SampleOrigin, Section, Waterbody
from jingjinji.water.schemas.samples import SampleIn

SEED = 20170115
FIRST_YEAR = 2016
#: The manual sample of a month: the 15th at 10:00 China time.
MANUAL_DAY, MANUAL_HOUR = 15, 10
AUTOMATIC_DAYS = 60
AUTOMATIC_STEP_HOURS = 4
MANUAL_ITEMS: tuple[str, ...] = (*gb3838.EVALUATED_ITEMS, "tn", "fecal_coliform", "temperature")
AUTOMATIC_ITEMS: tuple[str, ...] = (
    "temperature",
    "ph",
    "do",
    "conductivity",
    "turbidity",
    "codmn",
    "nh3n",
    "tp",
    "tn",
)
SYNTHETIC_SOURCE = "synthetic demo series (made up, not measured)"
PUBLISHED_SOURCE = (
    "published: Langfang Ecology and Environment Bureau, cross-border section water quality, "
    "January 2017 (Sanhe Dongdaqiao, Ju River)"
)
#: The published figures: (section, China time, item, mg/L).
PUBLISHED: tuple[tuple[str, dt.datetime, str, float], ...] = (
    ("JJJ-W-002", dt.datetime(2017, 1, 15, 10, tzinfo=CHINA_TZ), "cod", 33.0),
    ("JJJ-W-002", dt.datetime(2017, 1, 15, 10, tzinfo=CHINA_TZ), "nh3n", 9.74),
)

#: Typical level of a polluted cross-border section in 2016 and in 2025 (mg/L; fecal coliform
#: per L, conductivity µS/cm, turbidity NTU). Between them the level moves geometrically.
LEVELS: dict[str, tuple[float, float]] = {
    "codmn": (11.0, 5.2),
    "cod": (38.0, 21.0),
    "bod5": (8.5, 3.6),
    "nh3n": (7.5, 0.55),
    "tp": (0.75, 0.16),
    "tn": (14.0, 5.5),
    "cu": (0.006, 0.004),
    "zn": (0.03, 0.02),
    "f": (1.15, 0.85),
    "se": (0.0006, 0.0005),
    "as": (0.0025, 0.0018),
    "hg": (0.00004, 0.00002),
    "cd": (0.0003, 0.0001),
    "cr6": (0.006, 0.004),
    "pb": (0.003, 0.0015),
    "cn": (0.004, 0.002),
    "phenol": (0.0025, 0.0008),
    "petroleum": (0.12, 0.03),
    "las": (0.18, 0.06),
    "sulfide": (0.06, 0.012),
    "fecal_coliform": (36000.0, 6000.0),
    "conductivity": (1350.0, 980.0),
    "turbidity": (28.0, 14.0),
}
#: Detection limits of the items often below them (the value stored is then the limit).
DETECTION_LIMITS: dict[str, float] = {
    "hg": 0.00004,
    "cd": 0.0001,
    "cr6": 0.004,
    "cn": 0.004,
    "phenol": 0.0003,
    "sulfide": 0.005,
    "pb": 0.001,
    "se": 0.0004,
    "as": 0.0003,
}
#: Winter (January) amplitude of the seasonal factor: positive means higher in winter.
SEASONAL: dict[str, float] = {"nh3n": 0.35, "cod": 0.12, "codmn": 0.12, "bod5": 0.1, "tp": -0.2}
NOISE_MANUAL, NOISE_AUTOMATIC = 0.25, 0.08
EXTRA_DECIMALS = {"temperature": 1, "conductivity": 0, "turbidity": 1, "ph": 2}


@dataclass(frozen=True)
class Series:
    """Synthetic rows of one section and sampling kind, item by item over shared times."""

    section_code: str
    kind: SampleKind
    times: list[dt.datetime]  # aware UTC
    values: dict[str, np.ndarray]
    below: dict[str, np.ndarray]

    def rows(self, skip: frozenset[tuple[dt.datetime, str]] = frozenset()) -> list[SampleIn]:
        out: list[SampleIn] = []
        for item, values in self.values.items():
            below = self.below[item]
            for i, moment in enumerate(self.times):
                if (moment, item) in skip:
                    continue
                out.append(
                    SampleIn(
                        section_code=self.section_code,
                        sampled_at=moment,
                        kind=self.kind,
                        item=item,
                        value=float(values[i]),
                        below_detection=bool(below[i]),
                        origin=SampleOrigin.SYNTHETIC,
                    )
                )
        return out


def _progress(years: np.ndarray) -> np.ndarray:
    """0 in early 2016, 1 from mid 2025: how far the clean-up has come."""
    return np.asarray(np.clip((years - FIRST_YEAR) / 9.5, 0.0, 1.0))


def _temperature(month_phase: np.ndarray) -> np.ndarray:
    """Water temperature (°C) by the phase of the year (0 = mid January)."""
    return 13.5 - 12.5 * np.cos(2 * np.pi * month_phase)


def _saturation(temperature: np.ndarray) -> np.ndarray:
    """Oxygen saturation of fresh water (mg/L) at a temperature (°C), a standard cubic fit."""
    t = temperature
    return np.asarray(14.62 - 0.3898 * t + 0.006969 * t**2 - 0.00005897 * t**3)


def _round(item: str, values: np.ndarray) -> np.ndarray:
    decimals = EXTRA_DECIMALS.get(item, DECIMALS.get(item, 2) + 1)
    return np.asarray(np.round(values, decimals))


def series_values(
    rng: np.random.Generator,
    items: tuple[str, ...],
    *,
    years: np.ndarray,
    phase: np.ndarray,
    severity: float,
    noise: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Values and below-detection flags of ``items`` at fractional ``years`` (calendar year plus
    the part of it gone) and ``phase`` (0 = mid January, 0.5 = mid July)."""
    n = len(years)
    progress = _progress(years)
    winter = np.cos(2 * np.pi * phase)
    temperature = np.clip(_temperature(phase) + rng.normal(0, 1.2, n), 0.2, 32.0)
    values: dict[str, np.ndarray] = {}
    below: dict[str, np.ndarray] = {}
    for item in items:
        if item == "temperature":
            value = temperature
        elif item == "ph":
            value = np.clip(7.8 + rng.normal(0, 0.25, n), 6.6, 8.8)
        elif item == "do":
            saturated = 0.45 + 0.4 * progress
            value = _saturation(temperature) * saturated * np.exp(rng.normal(0, noise / 2, n))
        else:
            start, end = LEVELS[item]
            level = start * (end / start) ** progress
            if item not in ("conductivity", "turbidity") and item in gb3838.ITEMS:
                level = level * severity
            seasonal = 1 + SEASONAL.get(item, 0.0) * winter
            value = level * seasonal * np.exp(rng.normal(0, noise, n))
        limit = DETECTION_LIMITS.get(item)
        flags = value < limit if limit is not None else np.zeros(n, dtype=bool)
        if limit is not None:
            value = np.where(flags, limit, value)
        values[item] = _round(item, value)
        below[item] = flags
    return values, below


def _below_target(
    values: dict[str, np.ndarray], recent: np.ndarray, target: int, waterbody: str
) -> None:
    """Keep the recent graded values inside ``target`` (90 % of its limit; DO above it)."""
    for item, array in values.items():
        if item not in gb3838.ITEMS or item == "ph":
            continue
        limit = gb3838.limits(item, waterbody)[target - 1]
        if item == "do":
            array[recent] = np.maximum(array[recent], round(limit * 1.1, 1))
        else:
            array[recent] = np.minimum(array[recent], _round(item, np.array([limit * 0.9]))[0])


def _fractional_years(moments: list[dt.datetime]) -> tuple[np.ndarray, np.ndarray]:
    local = [m.astimezone(CHINA_TZ) for m in moments]
    day_of_year = np.array([m.timetuple().tm_yday + m.hour / 24 for m in local])
    years = np.array([m.year for m in local]) + day_of_year / 365.25
    phase = (day_of_year - 15) / 365.25
    return years, phase


def manual_times(today: dt.date, *, since_year: int = FIRST_YEAR) -> list[dt.datetime]:
    """The monthly manual sampling moments (UTC) from ``since_year`` to the last one passed."""
    moments = []
    now = dt.datetime.combine(today, dt.time(23, 59), tzinfo=CHINA_TZ)
    for year in range(since_year, today.year + 1):
        for month in range(1, 13):
            moment = dt.datetime(year, month, MANUAL_DAY, MANUAL_HOUR, tzinfo=CHINA_TZ)
            if moment <= now:
                moments.append(moment.astimezone(dt.UTC))
    return moments


def automatic_times(now: dt.datetime) -> list[dt.datetime]:
    """Every 4 hours (00:00, 04:00, ... China time) over the last 60 days, up to ``now``."""
    local = now.astimezone(CHINA_TZ)
    last = local.replace(
        hour=local.hour - local.hour % AUTOMATIC_STEP_HOURS, minute=0, second=0, microsecond=0
    )
    count = AUTOMATIC_DAYS * 24 // AUTOMATIC_STEP_HOURS
    step = dt.timedelta(hours=AUTOMATIC_STEP_HOURS)
    return [(last - step * k).astimezone(dt.UTC) for k in range(count - 1, -1, -1)]


def severities(sections: list[Section]) -> dict[str, float]:
    """A fixed severity factor per section (Sanhe Dongdaqiao exactly typical)."""
    rng = np.random.default_rng(SEED)
    factors = rng.uniform(0.75, 1.25, len(sections))
    return {
        s.code: 1.0 if s.code == "JJJ-W-002" else float(f)
        for s, f in zip(sections, factors, strict=True)
    }


def synthetic_series(
    sections: list[Section],
    *,
    targets: dict[str, int],
    now: dt.datetime,
    since_year: int = FIRST_YEAR,
) -> Iterator[Series]:
    """Manual then automatic series of every river section (coastal points have none)."""
    severity = severities(sections)
    today = now.astimezone(CHINA_TZ).date()
    recent_from = now - dt.timedelta(days=365)
    manual = manual_times(today, since_year=since_year)
    automatic = automatic_times(now)
    for index, section in enumerate(sections):
        if section.waterbody == Waterbody.COASTAL.value:
            continue
        rng = np.random.default_rng([SEED, index])
        target = targets.get(section.code, 5)
        for kind, moments, items, noise in (
            (SampleKind.MANUAL, manual, MANUAL_ITEMS, NOISE_MANUAL),
            (SampleKind.AUTOMATIC, automatic, AUTOMATIC_ITEMS, NOISE_AUTOMATIC),
        ):
            if kind is SampleKind.AUTOMATIC and not section.automatic:
                continue
            years, phase = _fractional_years(moments)
            values, below = series_values(
                rng, items, years=years, phase=phase, severity=severity[section.code], noise=noise
            )
            recent = np.array([m >= recent_from for m in moments])
            _below_target(values, recent, target, section.waterbody)
            yield Series(section.code, kind, moments, values, below)


def published_rows() -> list[SampleIn]:
    return [
        SampleIn(
            section_code=code,
            sampled_at=moment,
            kind=SampleKind.MANUAL,
            item=item,
            value=value,
            origin=SampleOrigin.PUBLISHED,
        )
        for code, moment, item, value in PUBLISHED
    ]


def published_keys(section_code: str) -> frozenset[tuple[dt.datetime, str]]:
    """The (UTC time, item) pairs of a section the synthetic series must leave to the bulletin."""
    return frozenset(
        (moment.astimezone(dt.UTC), item)
        for code, moment, item, _ in PUBLISHED
        if code == section_code
    )
