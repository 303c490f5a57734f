"""IAQI of concentrations against one breakpoint table: interpolation, ceiling, lookup grids.

Also the half-up rounding HJ 633-2026 applies to daily concentrations before the IAQI.
:func:`iaqi_from_table` (np.interp, then the ceiling) is the reference; compute_aqi's hot path
reads the same values from precomputed tables: :func:`binned_iaqi` (values as given: np.interp's
formula per integer bin) and :func:`rounded_iaqi` (rounded values: the IAQI per decimal grid
point). Tests check both against the reference, value for value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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


#: Decimal grids of :func:`lookup_table` (values k * 10^-d). compute_aqi reads the IAQIs of
#: rounded concentrations (HJ 633-2026 daily: integers, CO one decimal) from these tables.
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


def rounded_iaqi(
    c: FloatArray,
    table: str,
    decimals: int,
    out: FloatArray,
    *,
    index: npt.NDArray[np.intp],
    scratch: FloatArray,
    above: npt.NDArray[np.bool_] | None = None,
) -> bool:
    """Ceiled IAQIs of ``round_half_up(c, decimals)`` into ``out``, the rounding folded into
    the index of :func:`lookup_table` (``index``, ``scratch``: buffers as long as ``c``).

    Exactly :func:`iaqi_from_table` of the rounded values: the slot of c is
    floor(c * 10^d + (0.5 + 1e-9)), the very sum :func:`round_half_up` floors, i.e. the
    rounded value in units of 10^-d. Negative values and those that round to +inf are missing.
    ``above`` (optional) receives where the rounded value is finite and above the last
    breakpoint. Returns False, writing nothing, when the table would exceed
    :data:`LOOKUP_MAX_ENTRIES`.
    """
    lut = lookup_table(table, decimals)
    if lut is None:
        return False
    top = lut.size - 2.0  # last breakpoint * 10^d + 1: every rounded value above the table
    with np.errstate(over="ignore"):  # c * 10^d overflows: +inf, as in round_half_up
        if decimals:
            np.multiply(c, 10.0**decimals, out=scratch)
            np.add(scratch, 0.5 + _SNAP, out=scratch)
        else:
            np.add(c, 0.5 + _SNAP, out=scratch)
    if above is not None:  # floor(s) > last <=> s >= last + 1; s = +inf: the value is +inf
        np.greater_equal(scratch, top, out=above)
        above &= scratch < math.inf
    # rare: negative c (round_half_up would make -0.4 a valid 0) and s = +inf, both missing
    bad = np.fmin.reduce(c) < 0 or np.fmax.reduce(scratch) == math.inf
    bad_rows = ((c < 0) | (scratch == math.inf)) if bad else None
    # s >= 0 truncates to floor(s); s < 0 only for negative c, which are made missing here
    _slots(scratch, top, index=index, scratch=scratch, floor=False)
    if bad_rows is not None:
        index[bad_rows] = 0
    lut.take(index, out=out, mode="clip")
    return True


@dataclass(frozen=True)
class BinTables:
    """np.interp's segment per integer bin of a breakpoint table (all breakpoints are integers,
    so the bin [k, k + 1) lies inside one segment). Slot 0: missing; slot k + 1: the bin
    [k, k + 1), k = 0 .. last breakpoint; slot last + 2: values from last + 1 on."""

    slope: FloatArray  # (IAQI_hi - IAQI_lo) / (BP_hi - BP_lo), as np.interp computes it
    start: FloatArray  # BP_lo
    level: FloatArray  # IAQI_lo
    top: float  # last breakpoint + 1


_BINS: dict[str, BinTables] = {}


def bin_tables(table: str) -> BinTables:
    """The :class:`BinTables` of a breakpoint table (built on first use)."""
    bins = _BINS.get(table)
    if bins is None:
        points = np.asarray(TABLES[table], dtype=np.float64)
        levels = np.asarray(IAQI_POINTS[: len(points)], dtype=np.float64)
        last = int(points[-1])
        if not np.array_equal(points, np.floor(points)):
            raise ValueError(f"breakpoint table {table!r} has a non-integer breakpoint")
        segment = np.searchsorted(points, np.arange(last), side="right") - 1
        slope = (levels[segment + 1] - levels[segment]) / (points[segment + 1] - points[segment])
        # bin [last, last + 1): np.interp gives IAQI(last) at last and the value above the table
        # beyond it. Full tables: both 500. Truncated tables: IAQI(last) here, while values above
        # last are replaced by compute_aqi's special rules. From last + 1 on: the value above
        # the table (0 * (c - last) + above; +inf gives 0 * inf = NaN: missing).
        above = math.nan if table in TRUNCATED_TABLES else 500.0
        bins = BinTables(
            slope=np.concatenate([[math.nan], slope, [0.0, 0.0]]),
            start=np.concatenate([[0.0], points[segment], [last, last]]),
            level=np.concatenate([[math.nan], levels[segment], [levels[-1], above]]),
            top=last + 1.0,
        )
        _BINS[table] = bins  # a benign race: every thread builds the same tables
    return bins


def binned_iaqi(
    c: FloatArray,
    table: str,
    out: FloatArray,
    *,
    index: npt.NDArray[np.intp],
    scratch: FloatArray,
    above: npt.NDArray[np.bool_] | None = None,
) -> None:
    """IAQIs before the ceiling into ``out``: np.interp's own formula on np.interp's segment,
    slope * (c - BP_lo) + IAQI_lo, so bit for bit :func:`raw_iaqi` of ``c`` (one segment per
    integer bin; c - BP_lo is exact), except: +inf gives NaN (missing) instead of the value
    above the table, and for a truncated table values in (last, last + 1) give IAQI(last)
    instead of NaN (compute_aqi's special rules replace both). ``index``, ``scratch``: buffers
    as long as ``c``; ``above`` (optional) receives where c is finite and above the table.
    """
    bins = bin_tables(table)
    if above is not None:
        np.greater(c, bins.top - 1.0, out=above)
        above &= c < math.inf
    _slots(c, bins.top, index=index, scratch=scratch, floor=True)
    bins.slope.take(index, out=out, mode="clip")  # "clip" writes out= unbuffered ("raise" not)
    bins.start.take(index, out=scratch, mode="clip")
    np.subtract(c, scratch, out=scratch)
    with np.errstate(invalid="ignore"):  # 0 * inf: +inf is missing
        np.multiply(out, scratch, out=out)
    bins.level.take(index, out=scratch, mode="clip")
    np.add(out, scratch, out=out)


def _slots(
    values: FloatArray,
    top: float,
    *,
    index: npt.NDArray[np.intp],
    scratch: FloatArray,
    floor: bool,
) -> None:
    """index = 1 + values clipped to [-1, top] (NaN: -1), rounded down (``floor``) or
    truncated; ``scratch`` may be ``values``. Slot 0 of the tables is the missing value."""
    np.fmax(values, -1.0, out=scratch)
    np.minimum(scratch, top, out=scratch)
    if floor:
        np.floor(scratch, out=index, casting="unsafe")
    else:
        np.copyto(index, scratch, casting="unsafe")
    index += 1
