"""The AQI report of HJ 633: IAQI per indicator, AQI, level, primary and non-attainment pollutants.

:func:`compute_aqi` works on whole columns in blocks of rows; every step of a block is a handful
of vectorised numpy calls. :func:`compute_aqi_by_date` picks HJ 633-2012 or -2026 per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

from jingjinji.air.kernels.breakpoints import (
    AUXILIARY,
    INDICATORS,
    KNOWN_KEYS,
    ROUND_DECIMALS_2026,
    TABLES,
    TRUNCATED_TABLES,
)
from jingjinji.air.kernels.iaqi import (
    ceil_inplace,
    iaqi_by_lookup,
    iaqi_from_table,
    raw_iaqi,
    round_half_up,
)
from jingjinji.air.kernels.levels import level_of
from jingjinji.air.kernels.standards import (
    ArrayLike,
    FloatArray,
    Report,
    Standard,
    check_report,
    check_standard,
    standards_for,
)

#: Rows per block of compute_aqi: temporaries of 16k rows stay in the CPU caches.
CHUNK_ROWS = 1 << 14
#: Read IAQIs from the decimal-grid lookup tables where a block allows it (see
#: :func:`iaqi.iaqi_by_lookup`); off, every block is interpolated (the tests compare both).
USE_LOOKUP = True


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
    check_standard(standard)
    check_report(report)
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

    def concentration(self, key: str, block: slice) -> FloatArray:
        """The block's values of ``key``, rounded as the standard's report rounds them."""
        values = self.arrays[key][block]
        if self.rounding:
            return _round_valid(values, ROUND_DECIMALS_2026.get(key, 0))
        return values


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
    present = plan.present
    conc = {k: plan.concentration(k, block) for k in present}
    iaqi = _block_iaqi(plan, present, conc, block.stop - block.start)
    _apply_rules_above_truncated_tables(plan, present, conc, iaqi, block)
    aqi = _block_aqi(plan, present, conc, iaqi)
    _store_block(out, present, block, iaqi, aqi, is_2026=plan.is_2026)


def _block_iaqi(plan: _Plan, present: list[str], conc: dict[str, FloatArray], m: int) -> FloatArray:
    """Ceiled IAQIs, one row per present indicator: by lookup where the values sit on a decimal
    grid, else interpolated (and then ceiled in one call when every row was interpolated)."""
    iaqi = np.empty((len(present), m))  # one row per indicator
    interpolated = []
    for j, key in enumerate(present):
        if USE_LOOKUP:
            used = iaqi_by_lookup(conc[key], plan.spec[key], iaqi[j], plan.decimals.get(key, 1))
            if used is not None:
                plan.decimals[key] = used
                continue
        iaqi[j] = raw_iaqi(conc[key], plan.spec[key])
        interpolated.append(j)
    if len(interpolated) == len(present):
        ceil_inplace(iaqi)
    else:
        for j in interpolated:
            ceil_inplace(iaqi[j])
    return iaqi


def _apply_rules_above_truncated_tables(
    plan: _Plan,
    present: list[str],
    conc: dict[str, FloatArray],
    iaqi: FloatArray,
    block: slice,
) -> None:
    """Special rules above the end of the truncated tables (SO2 1h, O3 8h), in place."""
    for j, key in enumerate(present):
        table = plan.spec[key]
        if table not in TRUNCATED_TABLES:
            continue
        over = (conc[key] > TABLES[table][-1]) & (conc[key] < math.inf)
        if not over.any():
            continue
        replacement = _iaqi_above_truncated_table(plan, table, present, conc, iaqi, block)
        np.copyto(iaqi[j], replacement, where=over)


def _iaqi_above_truncated_table(
    plan: _Plan,
    table: str,
    present: list[str],
    conc: dict[str, FloatArray],
    iaqi: FloatArray,
    block: slice,
) -> FloatArray | float:
    """The IAQI that replaces values above the last breakpoint of a truncated table.

    2026: SO2 1h -> 200, O3 8h -> 300. 2012: SO2 1h -> the IAQI of the SO2 24h mean, O3 8h ->
    the IAQI of the O3 1h value; NaN when that input is not supplied.
    """
    if plan.is_2026:
        return 200.0 if table == "so2_1h" else 300.0
    if table == "so2_1h":
        if "so2_24h" in plan.aux and "so2_24h" in plan.arrays:
            return iaqi_from_table(plan.concentration("so2_24h", block), plan.aux["so2_24h"])
        return math.nan
    if "o3_1h" in present:
        o3_1h = conc["o3_1h"]
        return np.where(np.isinf(o3_1h), math.nan, iaqi[present.index("o3_1h")])
    if "o3_1h" in plan.arrays:
        return iaqi_from_table(plan.concentration("o3_1h", block), "o3_1h")
    return math.nan


def _block_aqi(
    plan: _Plan, present: list[str], conc: dict[str, FloatArray], iaqi: FloatArray
) -> FloatArray:
    """AQI: maximum over the available IAQIs (fmax ignores NaN), then the publication rule.

    Infinite inputs count as missing: their IAQIs become NaN in ``iaqi`` too.
    """
    aqi: FloatArray = np.fmax.reduce(iaqi, axis=0) if present else np.full(iaqi.shape[1], math.nan)
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
    return aqi


def _store_block(
    out: _Outputs,
    present: list[str],
    block: slice,
    iaqi: FloatArray,
    aqi: FloatArray,
    *,
    is_2026: bool,
) -> None:
    """Write a block's IAQIs, AQI and level, and its primary / non-attainment bitmasks."""
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
    if not is_2026:
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
