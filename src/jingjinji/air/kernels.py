"""Pure numeric kernels for air quality: AQI (HJ 633-2012 / HJ 633-2026) and GB 3095 statistics.

Everything here is vectorised (numpy / polars) and free of I/O and database access. The rules
implemented, and every convention chosen where the standards leave room, are described in
``docs/aqi.md``; the reference is the project's fact sheet (``shared/reference/standards.md``).

Conventions in brief:

* Concentrations in ug/m3, CO in mg/m3. NaN (or null) means missing; negative and non-finite
  values are treated as missing as well.
* IAQI = piecewise-linear interpolation on continuous segments, then ceiling. Values within
  1e-9 of an integer count as that integer before the ceiling, so float noise
  (``50.000000000001``) never lifts an IAQI into the next integer or level.
* HJ 633-2026 daily reports round concentrations half-up (away from zero) to integers, CO to one
  decimal, before the IAQI; HJ 633-2012 uses the values as given.
* Missing data: 2012 -> AQI is the maximum over the available IAQIs (NaN when none);
  2026 -> AQI only when the available IAQIs already give AQI > 100, else NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt
import polars as pl

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

Standard = Literal["hj633-2012", "hj633-2026"]
Report = Literal["daily", "hourly"]
ComplianceStandard = Literal["gb3095-2012", "gb3095-2026", "gb3095-2026-2031"]

STANDARDS: tuple[Standard, ...] = get_args(Standard)
REPORTS: tuple[Report, ...] = get_args(Report)
COMPLIANCE_STANDARDS: tuple[ComplianceStandard, ...] = get_args(ComplianceStandard)

#: First day on which HJ 633-2026 applies (data before it: HJ 633-2012).
SWITCH_DATE = date(2026, 3, 1)
#: Local time of the region (China Standard Time, no daylight saving since 1991).
CHINA_TZ = timezone(timedelta(hours=8))

# --------------------------------------------------------------------------------------------
# Breakpoint tables
# --------------------------------------------------------------------------------------------

#: IAQI values at the breakpoints, shared by all tables (a table may stop early).
IAQI_POINTS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

#: Concentration breakpoints at IAQI 0/50/100/150/200/300/400/500 (ug/m3; CO mg/m3).
TABLES: dict[str, tuple[float, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h_2012": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm10_24h_2026": (0, 50, 120, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm2_5_24h_2012": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm2_5_24h_2026": (0, 35, 60, 115, 150, 250, 350, 500),
}

#: Tables that stop below IAQI 500: above their last breakpoint a special rule applies
#: (SO2 1h > 800: 2012 -> SO2 24h IAQI, 2026 -> 200; O3 8h > 800: 2012 -> O3 1h IAQI, 2026 -> 300).
TRUNCATED_TABLES = frozenset({"so2_1h", "o3_8h"})

#: Indicator column -> breakpoint table, per standard and report. Column keys are the CLI names.
INDICATORS: dict[tuple[Standard, Report], dict[str, str]] = {
    ("hj633-2012", "daily"): {
        "pm2_5": "pm2_5_24h_2012",
        "pm10": "pm10_24h_2012",
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_1h": "o3_1h",
        "o3_8h": "o3_8h",
    },
    ("hj633-2026", "daily"): {
        "pm2_5": "pm2_5_24h_2026",
        "pm10": "pm10_24h_2026",
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_8h": "o3_8h",
    },
    # HJ 633-2012 real-time report: 1h SO2/NO2/CO/O3, O3 8h moving average and the PM10/PM2.5
    # 24h moving averages (2012 has no 1h breakpoints for PM, so 1h PM values carry no IAQI).
    ("hj633-2012", "hourly"): {
        "pm2_5_24h": "pm2_5_24h_2012",
        "pm10_24h": "pm10_24h_2012",
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3_1h": "o3_1h",
        "o3_8h": "o3_8h",
    },
    # HJ 633-2026 real-time report: the six 1h values; PM uses the (2026) 24h breakpoints.
    ("hj633-2026", "hourly"): {
        "pm2_5": "pm2_5_24h_2026",
        "pm10": "pm10_24h_2026",
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3_1h": "o3_1h",
    },
}

#: Inputs that feed a rule without being an indicator themselves.
AUXILIARY: dict[tuple[Standard, Report], dict[str, str]] = {
    # 2012 hourly: SO2 1h > 800 -> the SO2 IAQI is taken from the SO2 24h (moving) mean.
    ("hj633-2012", "hourly"): {"so2_24h": "so2_24h"},
}

#: Every column key compute_aqi understands. Keys known but not used by the chosen standard and
#: report (e.g. ``o3_1h`` in a 2026 daily report) are accepted and ignored.
KNOWN_KEYS: tuple[str, ...] = (
    "pm2_5",
    "pm10",
    "so2",
    "no2",
    "co",
    "o3_1h",
    "o3_8h",
    "pm2_5_24h",
    "pm10_24h",
    "so2_1h",
    "so2_24h",
)

#: Decimals kept when HJ 633-2026 rounds daily concentrations (CO one decimal, others integers).
ROUND_DECIMALS_2026: dict[str, int] = {"co": 1}

_SNAP = 1e-9  # IAQIs within this of an integer are that integer before the ceiling
_LEVEL_UPPER = np.array([50.0, 100.0, 150.0, 200.0, 300.0])


def indicators(standard: Standard, report: Report) -> tuple[str, ...]:
    """The indicator column keys of a report, in output order."""
    _check_standard(standard)
    _check_report(report)
    return tuple(INDICATORS[(standard, report)])


def accepted_keys(standard: Standard, report: Report) -> tuple[str, ...]:
    """Keys that influence the result of compute_aqi for this standard and report."""
    return indicators(standard, report) + tuple(AUXILIARY.get((standard, report), {}))


# --------------------------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AqiLevel:
    level: int
    roman: str
    aqi_min: int
    aqi_max: int | None
    category_en: str
    category_zh: str
    rgb: tuple[int, int, int]

    @property
    def colour_hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


LEVELS: dict[int, AqiLevel] = {
    1: AqiLevel(1, "I", 0, 50, "Excellent", "优", (0, 228, 0)),
    2: AqiLevel(2, "II", 51, 100, "Good", "良", (255, 255, 0)),
    3: AqiLevel(3, "III", 101, 150, "Lightly polluted", "轻度污染", (255, 126, 0)),
    4: AqiLevel(4, "IV", 151, 200, "Moderately polluted", "中度污染", (255, 0, 0)),
    5: AqiLevel(5, "V", 201, 300, "Heavily polluted", "重度污染", (153, 0, 76)),
    6: AqiLevel(6, "VI", 301, None, "Severely polluted", "严重污染", (126, 0, 35)),
}


def _level(level: int) -> AqiLevel | None:
    level = int(level)
    if level == 0:
        return None
    if level not in LEVELS:
        raise ValueError(f"AQI level must be 0 (no AQI) or 1..6, got {level}")
    return LEVELS[level]


def category_en(level: int) -> str:
    """English category of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.category_en


def category_zh(level: int) -> str:
    """Chinese category of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.category_zh


def colour_hex(level: int) -> str:
    """Colour "#RRGGBB" of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.colour_hex


def level_of(aqi: ArrayLike) -> npt.NDArray[np.int8]:
    """Level 1..6 for each AQI value, 0 where the AQI is NaN."""
    values = np.asarray(aqi, dtype=np.float64)
    level = np.ones(values.shape, dtype=np.int8)
    for upper in _LEVEL_UPPER:
        np.add(level, values > upper, out=level, casting="unsafe")
    level[np.isnan(values)] = 0
    return level


# --------------------------------------------------------------------------------------------
# Standard by date
# --------------------------------------------------------------------------------------------


def standard_for(day: date) -> Standard:
    """HJ 633 version in force on ``day`` (a datetime is taken in China Standard Time)."""
    if isinstance(day, datetime):
        day = (day.astimezone(CHINA_TZ) if day.tzinfo is not None else day).date()
    return "hj633-2012" if day < SWITCH_DATE else "hj633-2026"


def standards_for(days: np.ndarray) -> np.ndarray:
    """Vectorised :func:`standard_for` for datetime64 values (naive, local time).

    Returns an object array of standard names; ``None`` where the input is NaT.
    """
    as_days = np.asarray(days).astype("datetime64[D]")
    out = np.where(as_days < np.datetime64(SWITCH_DATE, "D"), "hj633-2012", "hj633-2026")
    result = out.astype(object)
    result[np.isnat(as_days)] = None
    return result


# --------------------------------------------------------------------------------------------
# IAQI / AQI
# --------------------------------------------------------------------------------------------


def round_half_up(values: ArrayLike, decimals: int = 0) -> FloatArray:
    """Round half away from zero (2.5 -> 3, 1.15 -> 1.2), as people round concentrations.

    numpy's ``np.round`` rounds half to even (2.5 -> 2) and sees 1.15 as 1.1499999999999999;
    here the scaled value is nudged by 1e-9 first, so decimal halves round up as written.
    """
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**decimals
    magnitude = np.floor(np.abs(x) * scale + (0.5 + _SNAP))
    result: FloatArray = np.copysign(magnitude, x) / scale
    return result


def iaqi_from_table(concentration: ArrayLike, table: str) -> FloatArray:
    """IAQI of concentrations against one breakpoint table, already rounded up.

    NaN for missing, negative or non-finite input. Above the last breakpoint: 500 for full
    tables, NaN for the truncated SO2 1h and O3 8h tables (their special rules are applied in
    :func:`compute_aqi`).
    """
    c = np.asarray(concentration, dtype=np.float64)
    raw = _raw_iaqi(c, table)
    if c.size and np.isinf(np.fmax.reduce(c, axis=None)):
        raw[np.isinf(c)] = math.nan  # +inf is not "above the last breakpoint": missing
    return _ceil_inplace(raw)


def _raw_iaqi(c: FloatArray, table: str) -> FloatArray:
    """Interpolated IAQI before the ceiling (+inf still gives the value above the table).

    np.interp: NaN stays NaN, below 0 -> left (NaN), above the last breakpoint -> right;
    exactly at a breakpoint it returns the breakpoint's IAQI exactly.
    """
    breakpoints = TABLES[table]
    above = math.nan if table in TRUNCATED_TABLES else 500.0
    raw: FloatArray = np.interp(
        c, breakpoints, IAQI_POINTS[: len(breakpoints)], left=math.nan, right=above
    )
    return raw


def _ceil_inplace(raw: FloatArray) -> FloatArray:
    """ceil(x - 1e-9) in place: values within 1e-9 above an integer are that integer."""
    np.subtract(raw, _SNAP, out=raw)
    np.ceil(raw, out=raw)
    np.add(raw, 0.0, out=raw)  # -0.0 (from 0 - 1e-9) -> 0.0
    return raw


#: Fast path: when every value of a block is a multiple of 10^-d (d = 0, 1, 2; what monitors
#: report), the ceiled IAQI is read from a table precomputed with the same interpolation on that
#: decimal grid; other blocks use np.interp. A test checks both paths agree everywhere.
USE_LOOKUP = True
LOOKUP_DECIMALS: tuple[int, ...] = (0, 1, 2)
LOOKUP_MAX_ENTRIES = 1 << 17
_LOOKUPS: dict[tuple[str, int], FloatArray] = {}


def _lookup_table(table: str, decimals: int) -> FloatArray | None:
    """[NaN, IAQI(0), IAQI(10^-d), ..., IAQI(last breakpoint), value above the table]."""
    key = (table, decimals)
    lut = _LOOKUPS.get(key)
    if lut is None:
        last = round(TABLES[table][-1] * 10**decimals)
        if last > LOOKUP_MAX_ENTRIES:
            lut = np.empty(0)
        else:
            grid = np.arange(last + 1) / 10.0**decimals
            values = _ceil_inplace(_raw_iaqi(grid, table))
            above = math.nan if table in TRUNCATED_TABLES else 500.0
            lut = np.concatenate([[math.nan], values, [above]])
        _LOOKUPS[key] = lut  # a benign race: every thread builds the same table
    return lut if lut.size else None


def _iaqi_by_lookup(c: FloatArray, table: str, out: FloatArray, first: int) -> int | None:
    """Ceiled IAQIs of ``c`` into ``out`` via the decimal-grid table; returns the decimals
    used (trying ``first`` first), or None when ``c`` is not on a supported grid."""
    if not c.size:
        return None
    for decimals in (first, *(d for d in LOOKUP_DECIMALS if d != first)):
        scaled = c * 10.0**decimals if decimals else c
        k = np.rint(scaled)
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, ignored like missing values
            error = np.fmax.reduce(np.abs(scaled - k), axis=None)
        if not error <= 1e-9:  # also False when every value is NaN
            continue
        lut = _lookup_table(table, decimals)
        if lut is None:
            return None
        # index: NaN and negatives -> 0 (NaN), grid point i -> i + 1, above the table -> last
        np.clip(k, -1.0, lut.size - 2.0, out=k)
        k += 1.0
        np.nan_to_num(k, copy=False, nan=0.0)
        np.take(lut, k.astype(np.intp), out=out)
        return decimals
    return None


@dataclass
class AqiResult:
    """Result of :func:`compute_aqi`, one entry per input row.

    ``iaqi`` holds an array per indicator present in the input (float64, integer-valued, NaN
    where not computable); ``aqi`` is NaN where no AQI is published; ``level`` is 0 there.
    """

    iaqi: dict[str, FloatArray]
    aqi: FloatArray
    level: npt.NDArray[np.int8]
    primary: list[str]
    non_attainment: list[str]
    standard: Standard = "hj633-2026"
    report: Report = "daily"


def _check_standard(standard: str) -> None:
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; expected one of {', '.join(STANDARDS)}")


def _check_report(report: str) -> None:
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; expected one of {', '.join(REPORTS)}")


def _columns_as_arrays(columns: Mapping[str, ArrayLike]) -> tuple[dict[str, FloatArray], int]:
    unknown = sorted(set(columns) - set(KNOWN_KEYS))
    if unknown:
        raise ValueError(
            f"unknown pollutant column(s) {', '.join(unknown)}; known: {', '.join(KNOWN_KEYS)}"
        )
    arrays: dict[str, FloatArray] = {}
    n: int | None = None
    for key, values in columns.items():
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim != 1:
            raise ValueError(f"column {key!r} must be one-dimensional")
        if n is None:
            n = array.shape[0]
        elif array.shape[0] != n:
            raise ValueError(f"column {key!r} has {array.shape[0]} rows, expected {n}")
        # negative and non-finite values count as missing (handled in iaqi_from_table)
        arrays[key] = array
    return arrays, (n or 0)


def _round_valid(values: FloatArray, decimals: int) -> FloatArray:
    rounded = round_half_up(values, decimals)
    rounded[values < 0] = math.nan  # -0.3 would round to -0.0 and pass as a valid 0
    return rounded


def _names_lookup(keys: Sequence[str]) -> np.ndarray:
    """String for every bitmask over ``keys``: bit j set -> keys[j] listed (";"-joined)."""
    table = np.empty(1 << len(keys), dtype=object)
    for mask in range(1 << len(keys)):
        table[mask] = ";".join(k for j, k in enumerate(keys) if mask >> j & 1)
    return table


def compute_aqi(
    columns: Mapping[str, ArrayLike],
    *,
    standard: Standard,
    report: Report,
    round_concentrations: bool | None = None,
) -> AqiResult:
    """IAQI per indicator, AQI, level, primary and non-attainment pollutants, row by row.

    ``columns`` maps the CLI column keys (see :data:`INDICATORS`) to equally long arrays of
    concentrations (ug/m3, CO mg/m3; NaN = missing). Indicators not supplied count as missing.
    Keys known but unused by this standard/report are ignored; unknown keys raise ValueError.

    ``round_concentrations``: None applies the standard's rule (HJ 633-2026 daily report: round
    half-up to integers, CO to one decimal; otherwise values as given). True/False overrides it
    (OPEN point: rounding of 2026 hourly values, see docs/aqi.md).

    The rows are processed in blocks of :data:`CHUNK_ROWS` (cache-sized temporaries); every
    operation is vectorised over a block.
    """
    _check_standard(standard)
    _check_report(report)
    arrays, n = _columns_as_arrays(columns)
    if round_concentrations is None:
        round_concentrations = standard == "hj633-2026" and report == "daily"
    plan = _Plan(
        spec=INDICATORS[(standard, report)],
        aux=AUXILIARY.get((standard, report), {}),
        arrays=arrays,
        is_2026=standard == "hj633-2026",
        rounding=round_concentrations,
    )
    present = plan.present
    out = _Outputs(
        iaqi={k: np.empty(n) for k in present},
        aqi=np.empty(n),
        level=np.empty(n, dtype=np.int8),
        primary_mask=np.empty(n, dtype=np.uint8),
        na_mask=np.empty(n, dtype=np.uint8),
    )
    starts = range(0, n, CHUNK_ROWS)
    for start in starts:  # blocks of rows, not rows: each block is a handful of numpy calls
        _aqi_block(plan, out, start, n)

    lookup = _names_lookup(present)
    primary: list[str] = []
    non_attainment: list[str] = [""] * n if plan.is_2026 else []
    for start in starts:  # strings from the bitmasks, block by block (no row loop)
        block = slice(start, start + CHUNK_ROWS)
        primary += lookup[out.primary_mask[block]].tolist()
        if not plan.is_2026:
            non_attainment += lookup[out.na_mask[block]].tolist()
    return AqiResult(
        iaqi=out.iaqi,
        aqi=out.aqi,
        level=out.level,
        primary=primary,
        non_attainment=non_attainment,
        standard=standard,
        report=report,
    )


#: Rows per block of compute_aqi: temporaries of 16k rows stay in the CPU caches.
CHUNK_ROWS = 1 << 14


@dataclass
class _Plan:
    spec: dict[str, str]
    aux: dict[str, str]
    arrays: dict[str, FloatArray]
    is_2026: bool
    rounding: bool
    decimals: dict[str, int] = field(default_factory=dict)  # last grid that fitted, per key

    @property
    def present(self) -> list[str]:
        return [k for k in self.spec if k in self.arrays]


@dataclass
class _Outputs:
    iaqi: dict[str, FloatArray]
    aqi: FloatArray
    level: npt.NDArray[np.int8]
    primary_mask: npt.NDArray[np.uint8]
    na_mask: npt.NDArray[np.uint8]


def _aqi_block(plan: _Plan, out: _Outputs, start: int, n: int) -> None:
    """compute_aqi for rows start..start+CHUNK_ROWS, written into ``out``."""
    block = slice(start, min(n, start + CHUNK_ROWS))
    m = block.stop - block.start
    present = plan.present

    def concentration(key: str) -> FloatArray:
        values = plan.arrays[key][block]
        if plan.rounding:
            return _round_valid(values, ROUND_DECIMALS_2026.get(key, 0))
        return values

    conc = {k: concentration(k) for k in present}
    iaqi = np.empty((len(present), m))  # one row per indicator
    interpolated = []
    for j, key in enumerate(present):
        if USE_LOOKUP:
            used = _iaqi_by_lookup(conc[key], plan.spec[key], iaqi[j], plan.decimals.get(key, 1))
            if used is not None:
                plan.decimals[key] = used
                continue
        iaqi[j] = _raw_iaqi(conc[key], plan.spec[key])
        interpolated.append(j)
    if len(interpolated) == len(present):
        _ceil_inplace(iaqi)
    else:
        for j in interpolated:
            _ceil_inplace(iaqi[j])

    # Special rules above the end of the truncated tables.
    for j, key in enumerate(present):
        table = plan.spec[key]
        if table not in TRUNCATED_TABLES:
            continue
        over = (conc[key] > TABLES[table][-1]) & (conc[key] < math.inf)
        if not over.any():
            continue
        if plan.is_2026:
            replacement: FloatArray | float = 200.0 if table == "so2_1h" else 300.0
        elif table == "so2_1h":  # 2012: the SO2 IAQI of the SO2 24h mean
            replacement = math.nan
            if "so2_24h" in plan.aux and "so2_24h" in plan.arrays:
                replacement = iaqi_from_table(concentration("so2_24h"), plan.aux["so2_24h"])
        elif "o3_1h" in present:  # 2012, O3 8h > 800: the IAQI of the O3 1h value
            o3_1h = conc["o3_1h"]
            replacement = np.where(np.isinf(o3_1h), math.nan, iaqi[present.index("o3_1h")])
        elif "o3_1h" in plan.arrays:
            replacement = iaqi_from_table(concentration("o3_1h"), "o3_1h")
        else:
            replacement = math.nan
        np.copyto(iaqi[j], replacement, where=over)

    # AQI: maximum over the available IAQIs (fmax ignores NaN).
    aqi = np.fmax.reduce(iaqi, axis=0) if present else np.full(m, math.nan)
    if present and np.any(aqi >= 500.0):  # rare: +inf inputs gave 500; they are missing
        for j, key in enumerate(present):
            iaqi[j][np.isinf(conc[key])] = math.nan
        aqi = np.fmax.reduce(iaqi, axis=0)
    if plan.is_2026:
        # with a pollutant missing (or not supplied at all), publish only when the others
        # already give AQI > 100
        any_missing = np.asarray(np.isnan(iaqi).any(axis=0), dtype=np.bool_)
        any_missing |= len(present) < len(plan.spec)
        aqi[any_missing & ~(aqi > 100.0)] = math.nan

    for j, key in enumerate(present):
        out.iaqi[key][block] = iaqi[j]
    out.aqi[block] = aqi
    out.level[block] = level_of(aqi)
    # Bit j of the masks <-> present[j]; strings come from a lookup table afterwards.
    weights = (np.uint8(1) << np.arange(len(present), dtype=np.uint8))[:, None]
    condition = np.empty(iaqi.shape, dtype=np.bool_)
    np.equal(iaqi, aqi, out=condition)
    primary = (condition.view(np.uint8) * weights).sum(axis=0, dtype=np.uint8)
    primary *= (aqi > 50.0).view(np.uint8)  # primary pollutants only when AQI > 50
    out.primary_mask[block] = primary
    if not plan.is_2026:
        np.greater(iaqi, 100.0, out=condition)
        out.na_mask[block] = (condition.view(np.uint8) * weights).sum(axis=0, dtype=np.uint8)


def compute_aqi_by_date(
    columns: Mapping[str, ArrayLike], *, days: np.ndarray, report: Report
) -> AqiResult:
    """compute_aqi with the standard chosen per row from ``days`` (datetime64, local dates).

    Rows dated before :data:`SWITCH_DATE` use HJ 633-2012, the others HJ 633-2026 (NaT rows:
    2026). The ``iaqi`` dict holds the union of both standards' indicators (NaN where a row's
    standard does not use one); ``standard`` of the result is that of the last row's date.
    """
    names = standards_for(days)
    is_2012 = names == "hj633-2012"
    old = compute_aqi(columns, standard="hj633-2012", report=report)
    new = compute_aqi(columns, standard="hj633-2026", report=report)
    n = len(is_2012)
    if old.aqi.shape[0] != n:
        raise ValueError(f"days has {n} rows, columns have {old.aqi.shape[0]}")
    nan = np.full(n, math.nan)
    keys = list(old.iaqi) + [k for k in new.iaqi if k not in old.iaqi]
    iaqi = {k: np.where(is_2012, old.iaqi.get(k, nan), new.iaqi.get(k, nan)) for k in keys}
    return AqiResult(
        iaqi=iaqi,
        aqi=np.where(is_2012, old.aqi, new.aqi),
        level=np.where(is_2012, old.level, new.level).astype(np.int8),
        primary=np.where(
            is_2012, np.array(old.primary, dtype=object), np.array(new.primary, dtype=object)
        ).tolist(),
        non_attainment=np.where(is_2012, np.array(old.non_attainment, dtype=object), "").tolist(),
        standard=cast(Standard, names[-1]) if n and names[-1] else "hj633-2026",
        report=report,
    )


# --------------------------------------------------------------------------------------------
# GB 3095 data validity: daily statistics and moving averages from hourly values
# --------------------------------------------------------------------------------------------

HOURLY_POLLUTANTS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3")
MEAN_24H_POLLUTANTS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co")
MIN_HOURS_24H = 20  # GB 3095: a 24h mean needs >= 20 valid hourly values
MIN_HOURS_8H = 6  # GB 3095: an 8h mean needs >= 6 valid hourly values


def _local_naive(ts: pl.Expr, dtype: pl.DataType, local_tz: str) -> pl.Expr:
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return ts.dt.convert_time_zone(local_tz).dt.replace_time_zone(None)
    return ts


def _prepare_hourly(
    hourly: pl.DataFrame, group_cols: Sequence[str], local_tz: str
) -> tuple[pl.DataFrame, list[str]]:
    group_cols = list(group_cols)
    missing = [c for c in ["ts", *group_cols] if c not in hourly.columns]
    if missing:
        raise ValueError(f"hourly frame lacks column(s) {', '.join(missing)}")
    dtype = hourly.schema["ts"]
    if not isinstance(dtype, pl.Datetime):
        raise ValueError(f"column 'ts' must be a datetime (hour-beginning), got {dtype}")
    pollutants = [p for p in HOURLY_POLLUTANTS if p in hourly.columns]
    if not pollutants:
        raise ValueError(f"hourly frame has none of {', '.join(HOURLY_POLLUTANTS)}")
    frame = hourly.select(
        *group_cols,
        _local_naive(pl.col("ts"), dtype, local_tz).alias("ts"),
        *[_valid_value(p) for p in pollutants],
    )
    if frame["ts"].null_count():
        raise ValueError("column 'ts' has missing timestamps")
    off_hour = frame.filter(pl.col("ts").dt.truncate("1h") != pl.col("ts"))
    if off_hour.height:
        raise ValueError(f"timestamps must be on the hour, e.g. {off_hour['ts'][0]}")
    dup = frame.select(*group_cols, "ts").is_duplicated()
    if dup.any():
        first = frame.filter(dup).row(0, named=True)
        raise ValueError(f"duplicate hourly rows for {first}")
    return frame, pollutants


def _valid_value(column: str) -> pl.Expr:
    value = pl.col(column).cast(pl.Float64).fill_nan(None)
    return pl.when(value >= 0).then(value).otherwise(None).alias(column)


def _window_sums(matrix: FloatArray, width: int) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Sums and valid counts of consecutive ``width``-column windows of a row-wise matrix."""
    valid = ~np.isnan(matrix)
    filled = np.where(valid, matrix, 0.0)
    count = valid.astype(np.int64)
    n_windows = matrix.shape[1] - width + 1
    sums = filled[:, :n_windows].copy()
    counts = count[:, :n_windows].copy()
    for k in range(1, width):  # direct sums: no cumulative-sum cancellation error
        sums += filled[:, k : k + n_windows]
        counts += count[:, k : k + n_windows]
    return sums, counts


def daily_means(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    min_hours_24h: int = MIN_HOURS_24H,
    min_hours_8h: int = MIN_HOURS_8H,
    min_windows_o3_8h: int = 14,
    o3_8h_valid_above: float | None = 160.0,
    min_hours_daily_max: int = MIN_HOURS_24H,
    local_tz: str = "Asia/Shanghai",
) -> pl.DataFrame:
    """Daily statistics per group and local date from hour-beginning hourly values.

    Input: ``ts`` (datetime; the hour starting at ts; a time-zone-aware ts is converted to
    ``local_tz`` first, a naive one is taken as local time), ``group_cols`` and any of the
    hourly pollutants ``pm2_5, pm10, so2, no2, co, o3`` (NaN/null/negative = missing).

    Output per group and ``date`` (sorted): 24h means of pm2_5, pm10, so2, no2, co (null unless
    >= ``min_hours_24h`` valid hours); ``o3_1h`` and ``so2_1h`` daily maxima (null unless
    >= ``min_hours_daily_max`` valid hours; OPEN, see docs); ``o3_8h`` the daily maximum of the
    17 8h moving averages lying inside the day (hours 00-07 ... 16-23, i.e. windows ending at
    08:00 ... 24:00 as in HJ 663), each valid with >= ``min_hours_8h`` valid hours, the daily
    maximum valid with >= ``min_windows_o3_8h`` valid windows or, with fewer, when it exceeds
    ``o3_8h_valid_above`` (None disables that exception); ``valid_hours_<p>`` per pollutant
    and ``valid_windows_o3_8h``.
    """
    frame, pollutants = _prepare_hourly(hourly, group_cols, local_tz)
    keys = [*group_cols, "date"]
    frame = frame.with_columns(
        pl.col("ts").dt.date().alias("date"), pl.col("ts").dt.hour().alias("_hour")
    )
    days = frame.select(keys).unique().sort(keys).with_row_index("_day")
    frame = frame.join(days, on=keys, how="left", nulls_equal=True)
    n_days = days.height
    day_idx = frame["_day"].to_numpy()
    hour_idx = frame["_hour"].to_numpy().astype(np.int64)

    def matrix(column: str) -> FloatArray:
        grid = np.full((n_days, 24), math.nan)
        grid[day_idx, hour_idx] = frame[column].to_numpy().astype(np.float64)
        return grid

    out: dict[str, Any] = {}
    counts: dict[str, npt.NDArray[np.int64]] = {}
    for p in pollutants:
        grid = matrix(p)
        n_valid = (~np.isnan(grid)).sum(axis=1)
        counts[p] = n_valid
        if p in MEAN_24H_POLLUTANTS:
            total = np.where(np.isnan(grid), 0.0, grid).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = total / n_valid
            out[p] = np.where(n_valid >= min_hours_24h, mean, math.nan)
        if p in ("o3", "so2"):
            with np.errstate(invalid="ignore"):
                peak = np.fmax.reduce(grid, axis=1)
            out[f"{p}_1h"] = np.where(n_valid >= min_hours_daily_max, peak, math.nan)
        if p == "o3":
            sums, n_hours = _window_sums(grid, 8)
            with np.errstate(invalid="ignore", divide="ignore"):
                windows = np.where(n_hours >= min_hours_8h, sums / n_hours, math.nan)
            n_windows = (~np.isnan(windows)).sum(axis=1)
            with np.errstate(invalid="ignore"):
                best = np.fmax.reduce(windows, axis=1)
            ok = n_windows >= min_windows_o3_8h
            if o3_8h_valid_above is not None:
                ok |= best > o3_8h_valid_above
            out["o3_8h"] = np.where(ok, best, math.nan)
            counts["_windows"] = n_windows

    order = ["pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h", "so2_1h"]
    result = days.drop("_day").with_columns(
        [
            pl.Series(name, out[name], dtype=pl.Float64, nan_to_null=True)
            for name in order
            if name in out
        ]
        + [pl.Series(f"valid_hours_{p}", counts[p], dtype=pl.Int32) for p in pollutants]
    )
    if "_windows" in counts:
        result = result.with_columns(
            pl.Series("valid_windows_o3_8h", counts["_windows"], dtype=pl.Int32)
        )
    return result


def moving_average(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str,
    hours: int,
    min_valid: int,
    name: str | None = None,
) -> pl.DataFrame:
    """Append the ``hours``-hour moving average ending with each row's hour.

    The value at ``ts`` (hour-beginning) is the mean of the valid values of the hours starting
    at ts-(hours-1)h ... ts of the same group (clock hours: absent rows count as missing, days
    are crossed), null unless at least ``min_valid`` are valid. Rows keep their order.
    """
    if hours < 1 or not 1 <= min_valid <= hours:
        raise ValueError("need hours >= 1 and 1 <= min_valid <= hours")
    if column not in hourly.columns:
        raise ValueError(f"hourly frame lacks column {column!r}")
    group_cols = list(group_cols)
    missing = [c for c in ["ts", *group_cols] if c not in hourly.columns]
    if missing:
        raise ValueError(f"hourly frame lacks column(s) {', '.join(missing)}")
    if not isinstance(hourly.schema["ts"], pl.Datetime):
        raise ValueError("column 'ts' must be a datetime (hour-beginning)")
    name = name or f"{column}_{hours}h"
    if hourly.height == 0:
        return hourly.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
    hour_number = (pl.col("ts").dt.epoch("s") // 3600).alias("_h")
    frame = hourly.select(
        *group_cols,
        hour_number,
        (pl.col("ts").dt.epoch("s") % 3600).alias("_off"),
        _valid_value(column).alias("_v"),
    )
    if frame["_h"].null_count():
        raise ValueError("column 'ts' has missing timestamps")
    if (frame["_off"] != 0).any():
        raise ValueError("timestamps must be on the hour")
    if frame.select(*group_cols, "_h").is_duplicated().any():
        raise ValueError("duplicate hourly rows for a group and hour")
    if group_cols:
        gid = frame.select(pl.struct(group_cols).rank("dense").alias("g"))["g"].to_numpy()
        gid = gid.astype(np.int64) - 1
    else:
        gid = np.zeros(frame.height, dtype=np.int64)
    h = frame["_h"].to_numpy().astype(np.int64)
    n_groups = int(gid.max()) + 1
    start = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(start, gid, h)
    end = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(end, gid, h)
    span = end - start + 1 + (hours - 1)  # leading padding: hours before a group's start
    offset = np.concatenate([[0], np.cumsum(span)[:-1]])
    pos = offset[gid] + (hours - 1) + (h - start[gid])
    values = frame["_v"].to_numpy().astype(np.float64)
    grid = np.zeros(int(span.sum()))
    valid = np.zeros(int(span.sum()), dtype=np.int64)
    ok = ~np.isnan(values)
    grid[pos[ok]] = values[ok]
    valid[pos[ok]] = 1
    total = np.zeros(len(pos))
    count = np.zeros(len(pos), dtype=np.int64)
    for k in range(hours):
        total += grid[pos - k]
        count += valid[pos - k]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count >= min_valid, total / count, math.nan)
    return hourly.with_columns(pl.Series(name, mean, dtype=pl.Float64, nan_to_null=True))


def moving_average_8h(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str = "o3",
    min_valid: int = MIN_HOURS_8H,
    name: str = "o3_8h",
) -> pl.DataFrame:
    """O3 8h moving average for the hourly report (this hour and the 7 before, >= 6 valid)."""
    return moving_average(
        hourly, group_cols=group_cols, column=column, hours=8, min_valid=min_valid, name=name
    )


def moving_average_24h(
    hourly: pl.DataFrame,
    *,
    group_cols: Sequence[str],
    column: str,
    min_valid: int = MIN_HOURS_24H,
    name: str | None = None,
) -> pl.DataFrame:
    """24h moving average (this hour and the 23 before, >= 20 valid), e.g. ``pm2_5_24h``."""
    return moving_average(
        hourly,
        group_cols=group_cols,
        column=column,
        hours=24,
        min_valid=min_valid,
        name=name or f"{column}_24h",
    )


# --------------------------------------------------------------------------------------------
# GB 3095 compliance (grade II)
# --------------------------------------------------------------------------------------------

#: Grade II limits (ug/m3, CO mg/m3) by standard -> pollutant -> averaging period.
LIMITS: dict[ComplianceStandard, dict[str, dict[str, float]]] = {
    "gb3095-2012": {
        "pm2_5": {"annual": 35, "24h": 75},
        "pm10": {"annual": 70, "24h": 150},
        "so2": {"annual": 60, "24h": 150, "1h": 500},
        "no2": {"annual": 40, "24h": 80, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
    "gb3095-2026": {
        "pm2_5": {"annual": 30, "24h": 60},
        "pm10": {"annual": 60, "24h": 120},
        "so2": {"annual": 60, "24h": 150, "1h": 500},
        "no2": {"annual": 40, "24h": 80, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
    "gb3095-2026-2031": {
        "pm2_5": {"annual": 25, "24h": 50},
        "pm10": {"annual": 50, "24h": 100},
        "so2": {"annual": 20, "24h": 50, "1h": 150},
        "no2": {"annual": 30, "24h": 50, "1h": 200},
        "co": {"24h": 4, "1h": 10},
        "o3": {"8h": 160, "1h": 200},
    },
}

#: Daily column -> (pollutant, averaging period of the limit it is compared with).
DAILY_LIMIT_COLUMNS: dict[str, tuple[str, str]] = {
    "pm2_5": ("pm2_5", "24h"),
    "pm10": ("pm10", "24h"),
    "so2": ("so2", "24h"),
    "no2": ("no2", "24h"),
    "co": ("co", "24h"),
    "o3_8h": ("o3", "8h"),
    "o3_1h": ("o3", "1h"),  # days whose max 1h value exceeds the 1h limit (informative)
    "so2_1h": ("so2", "1h"),
}

#: Percentile of the daily values assessed against the short-term limit (HJ 663 annual
#: assessment): 98th for SO2/NO2, 95th for PM10/PM2.5/CO, 90th for the O3 daily max 8h.
PERCENTILES: dict[str, int] = {
    "so2": 98,
    "no2": 98,
    "pm10": 95,
    "pm2_5": 95,
    "co": 95,
    "o3_8h": 90,
}

MIN_DAYS_YEAR = 324
MIN_DAYS_MONTH = 27
MIN_DAYS_FEBRUARY = 25
PercentileMethod = Literal["linear", "lower", "higher", "nearest", "midpoint"]
_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class IndicatorResult:
    """One assessed indicator, e.g. ``pm2_5_annual`` or ``o3_8h_p90``."""

    indicator: str
    column: str
    statistic: Literal["annual_mean", "percentile"]
    value: float | None  # None when the year's data are insufficient
    limit: float
    passed: bool | None  # None when value is None
    reason: str | None  # why value is None


@dataclass(frozen=True)
class YearCompliance:
    year: int
    group: tuple[Any, ...]
    valid_days: dict[str, int]
    exceedance_days: dict[str, int]
    annual_mean: dict[str, float | None]
    annual_mean_reason: dict[str, str | None]
    indicators: dict[str, IndicatorResult]

    @property
    def passed(self) -> bool | None:
        """True when every indicator passes; False when one fails; None when undetermined."""
        outcomes = [r.passed for r in self.indicators.values()]
        if any(o is False for o in outcomes):
            return False
        return None if any(o is None for o in outcomes) or not outcomes else True


def compliance_table(
    daily: pl.DataFrame,
    *,
    standard: ComplianceStandard,
    group_cols: Sequence[str] = (),
    percentile_method: PercentileMethod = "linear",
) -> pl.DataFrame:
    """Long table of the annual GB 3095 assessment, one row per group, year and indicator.

    ``daily`` has ``date`` (pl.Date), optional ``group_cols`` and any of the daily columns of
    :func:`daily_means` (``pm2_5, pm10, so2, no2, co`` 24h means, ``o3_8h`` daily max 8h,
    optional ``o3_1h``/``so2_1h`` daily max 1h); null/NaN/negative = missing.

    Columns: group cols, ``year``, ``indicator``, ``column``, ``statistic`` (``annual_mean``,
    ``percentile``, ``exceedance_days``), ``value``, ``limit``, ``valid_days``, ``valid``,
    ``passed`` (null for exceedance counts and insufficient data) and ``reason``.
    """
    if standard not in LIMITS:
        raise ValueError(
            f"unknown standard {standard!r}; expected one of {', '.join(COMPLIANCE_STANDARDS)}"
        )
    if percentile_method not in get_args(PercentileMethod):
        raise ValueError(f"unknown percentile method {percentile_method!r}")
    group_cols = list(group_cols)
    missing = [c for c in ["date", *group_cols] if c not in daily.columns]
    if missing:
        raise ValueError(f"daily frame lacks column(s) {', '.join(missing)}")
    columns = [c for c in DAILY_LIMIT_COLUMNS if c in daily.columns]
    if not columns:
        raise ValueError(f"daily frame has none of {', '.join(DAILY_LIMIT_COLUMNS)}")
    limits = LIMITS[standard]
    frame = daily.select(
        *group_cols,
        pl.col("date").cast(pl.Date),
        *[_valid_value(c) for c in columns],
    )
    if frame.select(*group_cols, "date").is_duplicated().any():
        raise ValueError("duplicate daily rows for a group and date")
    frame = frame.with_columns(
        pl.col("date").dt.year().alias("year"), pl.col("date").dt.month().alias("month")
    )
    keys = [*group_cols, "year"]

    aggs: list[pl.Expr] = []
    for c in columns:
        pollutant, period = DAILY_LIMIT_COLUMNS[c]
        aggs += [
            pl.col(c).count().alias(f"n|{c}"),
            (pl.col(c) > limits[pollutant][period]).sum().alias(f"exc|{c}"),
        ]
        if "annual" in limits[pollutant] and period == "24h":
            aggs.append(pl.col(c).mean().alias(f"mean|{c}"))
        if c in PERCENTILES:
            aggs.append(
                pl.col(c)
                .quantile(PERCENTILES[c] / 100.0, interpolation=percentile_method)
                .alias(f"pct|{c}")
            )
    stats = frame.group_by(keys).agg(aggs)

    # Monthly completeness: every month of the year, absent months counting 0 days.
    per_month = frame.group_by([*keys, "month"]).agg(
        [pl.col(c).count().alias(f"m|{c}") for c in columns]
    )
    months = pl.DataFrame({"month": list(range(1, 13))}, schema={"month": pl.Int8})
    grid = (
        stats.select(keys)
        .join(months, how="cross")
        .join(per_month, on=[*keys, "month"], how="left", nulls_equal=True)
        .with_columns([pl.col(f"m|{c}").fill_null(0) for c in columns])
    )
    need = pl.when(pl.col("month") == 2).then(MIN_DAYS_FEBRUARY).otherwise(MIN_DAYS_MONTH)
    month_name = pl.col("month").replace_strict(
        list(range(1, 13)), list(_MONTHS[1:]), return_dtype=pl.String
    )
    short_months = grid.group_by(keys).agg(
        [
            pl.when(pl.col(f"m|{c}") < need)
            .then(pl.format("{} {} (< {})", month_name, pl.col(f"m|{c}"), need))
            .drop_nulls()
            .str.join("; ")
            .alias(f"short|{c}")
            for c in columns
        ]
    )
    stats = stats.join(short_months, on=keys, how="left", nulls_equal=True)

    parts: list[pl.DataFrame] = []
    for c in columns:
        pollutant, period = DAILY_LIMIT_COLUMNS[c]
        n = pl.col(f"n|{c}")
        short = pl.col(f"short|{c}").fill_null("")
        enough = (n >= MIN_DAYS_YEAR) & (short == "")
        reason = (
            pl.when(enough)
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(
                pl.concat_str(
                    [
                        pl.format("{} valid daily values", n),
                        pl.when(n < MIN_DAYS_YEAR)
                        .then(pl.lit(f" (< {MIN_DAYS_YEAR})"))
                        .otherwise(pl.lit("")),
                        pl.when(short != "")
                        .then(pl.concat_str([pl.lit("; months short: "), short]))
                        .otherwise(pl.lit("")),
                    ]
                )
            )
        )
        base: list[str | pl.Expr] = [*keys, n.alias("valid_days"), pl.lit(c).alias("column")]
        parts.append(
            stats.select(
                *base,
                pl.lit(f"{c}_exceedance_days").alias("indicator"),
                pl.lit("exceedance_days").alias("statistic"),
                pl.col(f"exc|{c}").cast(pl.Float64).alias("value"),
                pl.lit(float(limits[pollutant][period])).alias("limit"),
                pl.lit(True).alias("valid"),
                pl.lit(None, dtype=pl.Boolean).alias("passed"),
                pl.lit(None, dtype=pl.String).alias("reason"),
            )
        )
        assessed: list[tuple[str, str, str, float]] = []
        if f"mean|{c}" in stats.columns:
            assessed.append(
                (f"{c}_annual", "annual_mean", f"mean|{c}", float(limits[pollutant]["annual"]))
            )
        if f"pct|{c}" in stats.columns:
            assessed.append(
                (
                    f"{c}_p{PERCENTILES[c]}",
                    "percentile",
                    f"pct|{c}",
                    float(limits[pollutant][period]),
                )
            )
        for indicator, statistic, source, limit in assessed:
            value = pl.when(enough).then(pl.col(source)).otherwise(None)
            parts.append(
                stats.select(
                    *base,
                    pl.lit(indicator).alias("indicator"),
                    pl.lit(statistic).alias("statistic"),
                    value.cast(pl.Float64).alias("value"),
                    pl.lit(limit).alias("limit"),
                    enough.alias("valid"),
                    pl.when(enough).then(pl.col(source) <= limit).otherwise(None).alias("passed"),
                    reason.alias("reason"),
                )
            )
    columns_out = [
        *keys,
        "indicator",
        "column",
        "statistic",
        "value",
        "limit",
        "valid_days",
        "valid",
        "passed",
        "reason",
    ]
    return pl.concat([p.select(columns_out) for p in parts]).sort([*keys, "indicator"])


def compliance(
    daily: pl.DataFrame,
    *,
    standard: ComplianceStandard,
    group_cols: Sequence[str] = (),
    percentile_method: PercentileMethod = "linear",
) -> dict[Any, YearCompliance]:
    """Annual GB 3095 grade II assessment per year (and group).

    Keys: the year, or ``(*group values, year)`` when ``group_cols`` are given. See
    :func:`compliance_table` for inputs and rules; this groups its rows into dataclasses.
    """
    table = compliance_table(
        daily, standard=standard, group_cols=group_cols, percentile_method=percentile_method
    )
    group_cols = list(group_cols)
    results: dict[Any, YearCompliance] = {}
    for (*group, year), rows in table.group_by([*group_cols, "year"], maintain_order=True):
        valid_days: dict[str, int] = {}
        exceedance: dict[str, int] = {}
        means: dict[str, float | None] = {}
        mean_reasons: dict[str, str | None] = {}
        assessed: dict[str, IndicatorResult] = {}
        for row in rows.iter_rows(named=True):
            column = row["column"]
            valid_days[column] = int(row["valid_days"])
            if row["statistic"] == "exceedance_days":
                exceedance[column] = int(row["value"])
                continue
            if row["statistic"] == "annual_mean":
                means[column] = row["value"]
                mean_reasons[column] = row["reason"]
            assessed[row["indicator"]] = IndicatorResult(
                indicator=row["indicator"],
                column=column,
                statistic=row["statistic"],
                value=row["value"],
                limit=row["limit"],
                passed=row["passed"],
                reason=row["reason"],
            )
        year_int = int(cast(int, year))
        key: Any = (*group, year_int) if group_cols else year_int
        results[key] = YearCompliance(
            year=year_int,
            group=tuple(group),
            valid_days=valid_days,
            exceedance_days=exceedance,
            annual_mean=means,
            annual_mean_reason=mean_reasons,
            indicators=assessed,
        )
    return results
