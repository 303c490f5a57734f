"""IAQI of concentrations against one breakpoint table: interpolation, ceiling, lookup grids.

Also the half-up rounding HJ 633-2026 applies to daily concentrations before the IAQI.
"""

from __future__ import annotations

import math

import numpy as np

from jingjinji.air.kernels.breakpoints import IAQI_POINTS, TABLES, TRUNCATED_TABLES
from jingjinji.air.kernels.standards import ArrayLike, FloatArray

_SNAP = 1e-9  # IAQIs within this of an integer are that integer before the ceiling


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
    raw = raw_iaqi(c, table)
    if c.size and np.isinf(np.fmax.reduce(c, axis=None)):
        raw[np.isinf(c)] = math.nan  # +inf is not "above the last breakpoint": missing
    return ceil_inplace(raw)


def raw_iaqi(c: FloatArray, table: str) -> FloatArray:
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


def ceil_inplace(raw: FloatArray) -> FloatArray:
    """ceil(x - 1e-9) in place: values within 1e-9 above an integer are that integer."""
    np.subtract(raw, _SNAP, out=raw)
    np.ceil(raw, out=raw)
    np.add(raw, 0.0, out=raw)  # -0.0 (from 0 - 1e-9) -> 0.0
    return raw


#: Fast path: when every value of a block is a multiple of 10^-d (d = 0, 1, 2; what monitors
#: report), the ceiled IAQI is read from a table precomputed with the same interpolation on that
#: decimal grid; other blocks use np.interp (``hj633.USE_LOOKUP`` switches the fast path off). A
#: test checks both paths agree everywhere.
LOOKUP_DECIMALS: tuple[int, ...] = (0, 1, 2)
LOOKUP_MAX_ENTRIES = 1 << 17
_LOOKUPS: dict[tuple[str, int], FloatArray] = {}


def lookup_table(table: str, decimals: int) -> FloatArray | None:
    """[NaN, IAQI(0), IAQI(10^-d), ..., IAQI(last breakpoint), value above the table]."""
    key = (table, decimals)
    lut = _LOOKUPS.get(key)
    if lut is None:
        last = round(TABLES[table][-1] * 10**decimals)
        if last > LOOKUP_MAX_ENTRIES:
            lut = np.empty(0)
        else:
            grid = np.arange(last + 1) / 10.0**decimals
            values = ceil_inplace(raw_iaqi(grid, table))
            above = math.nan if table in TRUNCATED_TABLES else 500.0
            lut = np.concatenate([[math.nan], values, [above]])
        _LOOKUPS[key] = lut  # a benign race: every thread builds the same table
    return lut if lut.size else None


def iaqi_by_lookup(c: FloatArray, table: str, out: FloatArray, first: int) -> int | None:
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
        lut = lookup_table(table, decimals)
        if lut is None:
            return None
        # index: NaN and negatives -> 0 (NaN), grid point i -> i + 1, above the table -> last
        np.clip(k, -1.0, lut.size - 2.0, out=k)
        k += 1.0
        np.nan_to_num(k, copy=False, nan=0.0)
        np.take(lut, k.astype(np.intp), out=out)
        return decimals
    return None
