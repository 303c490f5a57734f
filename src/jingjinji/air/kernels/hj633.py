"""The AQI report of HJ 633: IAQI per indicator, AQI, level, primary and non-attainment pollutants.

:func:`compute_aqi` works on whole columns in blocks of rows; every step of a block is a handful
of vectorised numpy calls. :func:`compute_aqi_by_date` picks HJ 633-2012 or -2026 per row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    binned_iaqi,
    ceil_inplace,
    iaqi_from_table,
    lookup_table,
    raw_iaqi,
    round_half_up,
    rounded_iaqi,
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

#: Rows per block of compute_aqi: a block's temporaries (512 KiB a float column) stay in the
#: CPU caches, and a 1,000,000-row call makes ~16 x 130 numpy calls. (64k rows were faster than
#: 16k on the 2-core development VM: 2012 daily, real daily means, 91 vs 100 ms CPU at best.)
CHUNK_ROWS = 1 << 16
#: Read IAQIs from the precomputed tables (:func:`iaqi.binned_iaqi`, :func:`iaqi.rounded_iaqi`);
#: off, every block is interpolated with np.interp, the reference the tests compare with.
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
    operation is vectorised over a block. The ``iaqi`` arrays are the rows of one (k, n) array,
    written block by block in place.
    """
    check_standard(standard)
    check_report(report)
    arrays, n = _columns_as_arrays(columns)
    if round_concentrations is None:
        round_concentrations = standard == "hj633-2026" and report == "daily"
    spec = INDICATORS[(standard, report)]
    present = [k for k in spec if k in arrays]
    m = min(n, CHUNK_ROWS)
    plan = _Plan(
        spec=spec,
        aux=AUXILIARY.get((standard, report), {}),
        arrays=arrays,
        is_2026=standard == "hj633-2026",
        rounding=round_concentrations,
        present=present,
        interpolated=[k for k in present if not _on_tables(spec[k], k, round_concentrations)],
        scratch=np.empty(m),
        index=np.empty(m, dtype=np.intp),
    )
    matrix = np.empty((len(present), n))  # row j: the IAQIs of present[j]
    out = _Outputs(
        iaqi={k: matrix[j] for j, k in enumerate(present)},
        matrix=matrix,
        aqi=np.empty(n),
        level=np.empty(n, dtype=np.int8),
        primary_mask=np.empty(n, dtype=np.uint8),
        na_mask=np.empty(n, dtype=np.uint8),
    )
    for start in range(0, n, CHUNK_ROWS):  # blocks of rows: each a handful of numpy calls
        _aqi_block(plan, out, slice(start, min(n, start + CHUNK_ROWS)))

    # strings from the bitmasks: one np.take of the 2^k names, one tolist (no row loop; per
    # block and list += was twice as slow)
    lookup = _names_lookup(present)
    primary: list[str] = lookup.take(out.primary_mask).tolist()
    non_attainment: list[str] = [""] * n if plan.is_2026 else lookup.take(out.na_mask).tolist()
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
    present: list[str]  # the indicators supplied, in output order
    interpolated: list[str]  # those computed by np.interp, not from the precomputed tables
    scratch: FloatArray  # CHUNK_ROWS-long buffers of the IAQI passes
    index: npt.NDArray[np.intp]

    def decimals(self, key: str) -> int:
        """Decimals kept when rounding ``key`` (CO one, the others none)."""
        return ROUND_DECIMALS_2026.get(key, 0)

    def concentration(self, key: str, block: slice) -> FloatArray:
        """The block's values of ``key``, rounded as the standard's report rounds them."""
        values = self.arrays[key][block]
        if self.rounding:
            return _round_valid(values, self.decimals(key))
        return values

    def infinite(self, key: str, values: FloatArray) -> npt.NDArray[np.bool_]:
        """Where :meth:`concentration` of ``values`` is infinite (rounding: also where
        x * 10^d overflows)."""
        if self.rounding and self.decimals(key):
            with np.errstate(over="ignore"):
                values = values * 10.0 ** self.decimals(key)
        return np.isinf(values)


@dataclass
class _Outputs:
    iaqi: dict[str, FloatArray]  # the rows of matrix
    matrix: FloatArray
    aqi: FloatArray
    level: npt.NDArray[np.int8]
    primary_mask: npt.NDArray[np.uint8]
    na_mask: npt.NDArray[np.uint8]


def _aqi_block(plan: _Plan, out: _Outputs, block: slice) -> None:
    """compute_aqi for the rows of ``block``, written into ``out``."""
    present = plan.present
    values = {k: plan.arrays[k][block] for k in present}
    iaqi = out.matrix[:, block]
    above = _block_iaqi(plan, present, values, iaqi, block)
    _apply_rules_above_truncated_tables(plan, present, values, above, iaqi, block)
    aqi = out.aqi[block]
    _block_aqi(plan, present, values, iaqi, aqi)
    _store_block(plan, out, block, iaqi, aqi)


def _block_iaqi(
    plan: _Plan,
    present: list[str],
    values: dict[str, FloatArray],
    iaqi: FloatArray,
    block: slice,
) -> dict[str, npt.NDArray[np.bool_]]:
    """Ceiled IAQIs into ``iaqi`` (row j: present[j]), from the precomputed tables
    (:func:`iaqi.binned_iaqi`, :func:`iaqi.rounded_iaqi`) or, with ``USE_LOOKUP`` off, by
    np.interp. Returns, per indicator on a truncated table, where its value (rounded as the
    report rounds) is finite and above the table."""
    m = iaqi.shape[1]
    above: dict[str, npt.NDArray[np.bool_]] = {}
    to_ceil = []
    for j, key in enumerate(present):
        over = np.empty(m, dtype=np.bool_) if plan.spec[key] in TRUNCATED_TABLES else None
        if over is not None:
            above[key] = over
        if not _column_iaqi(plan, key, values[key], iaqi[j], over, block):
            to_ceil.append(j)
    if len(to_ceil) == len(present):
        ceil_inplace(iaqi)
    else:
        for j in to_ceil:
            ceil_inplace(iaqi[j])
    return above


def _column_iaqi(
    plan: _Plan,
    key: str,
    values: FloatArray,
    out: FloatArray,
    over: npt.NDArray[np.bool_] | None,
    block: slice,
) -> bool:
    """One indicator's IAQIs of a block into ``out``, ``over`` as for :func:`_block_iaqi`;
    True when they are ceiled already, False when the ceiling is still to come."""
    table = plan.spec[key]
    m = out.shape[0]
    scratch, index = plan.scratch[:m], plan.index[:m]
    if key not in plan.interpolated:
        if plan.rounding:
            decimals = plan.decimals(key)
            rounded_iaqi(values, table, decimals, out, index=index, scratch=scratch, above=over)
            return True
        binned_iaqi(values, table, out, index=index, scratch=scratch, above=over)
        return False
    conc = plan.concentration(key, block)  # the reference: np.interp
    out[:] = raw_iaqi(conc, table)
    if over is not None:
        np.greater(conc, TABLES[table][-1], out=over)
        over &= conc < math.inf
    return False


def _apply_rules_above_truncated_tables(
    plan: _Plan,
    present: list[str],
    values: dict[str, FloatArray],
    above: dict[str, npt.NDArray[np.bool_]],
    iaqi: FloatArray,
    block: slice,
) -> None:
    """Special rules above the end of the truncated tables (SO2 1h, O3 8h), in place."""
    for j, key in enumerate(present):
        over = above.get(key)
        if over is None or not over.any():
            continue
        table = plan.spec[key]
        replacement = _iaqi_above_truncated_table(plan, table, present, values, iaqi, block)
        np.copyto(iaqi[j], replacement, where=over)


def _iaqi_above_truncated_table(
    plan: _Plan,
    table: str,
    present: list[str],
    values: dict[str, FloatArray],
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
        infinite = plan.infinite("o3_1h", values["o3_1h"])
        return np.where(infinite, math.nan, iaqi[present.index("o3_1h")])
    if "o3_1h" in plan.arrays:
        return iaqi_from_table(plan.concentration("o3_1h", block), "o3_1h")
    return math.nan


def _block_aqi(
    plan: _Plan,
    present: list[str],
    values: dict[str, FloatArray],
    iaqi: FloatArray,
    aqi: FloatArray,
) -> None:
    """AQI into ``aqi``: maximum over the available IAQIs (np.fmax ignores NaN), then the
    publication rule. (Row by row np.fmax: faster than a reduction along axis 0.)"""
    _reduce_rows(np.fmax, iaqi, aqi)
    # np.interp gives +inf the IAQI 500 (the tables NaN at once), so only blocks with an AQI
    # of 500 can hold one
    if plan.interpolated and np.fmax.reduce(aqi) >= 500.0:
        _drop_infinite(plan, present, values, iaqi, aqi)
    if plan.is_2026:
        # with a pollutant missing (or not supplied at all), publish only when the others
        # already give AQI > 100
        if len(present) < len(plan.spec):
            aqi[aqi <= 100.0] = math.nan
        else:
            complete = plan.scratch[: aqi.shape[0]]
            _reduce_rows(np.maximum, iaqi, complete)  # np.maximum: NaN where one is missing
            aqi[np.isnan(complete) & (aqi <= 100.0)] = math.nan


def _reduce_rows(ufunc: np.ufunc, matrix: FloatArray, out: FloatArray) -> None:
    """out = ufunc(matrix[0], matrix[1], ...); NaN without rows."""
    if not matrix.shape[0]:
        out.fill(math.nan)
    elif matrix.shape[0] == 1:
        np.copyto(out, matrix[0])
    else:
        ufunc(matrix[0], matrix[1], out=out)
        for row in matrix[2:]:
            ufunc(out, row, out=out)


def _on_tables(table: str, key: str, rounding: bool) -> bool:
    """Whether the precomputed tables serve ``key`` (else np.interp: ``USE_LOOKUP`` off, or
    a rounded table too big)."""
    if not rounding:
        return USE_LOOKUP
    return USE_LOOKUP and lookup_table(table, ROUND_DECIMALS_2026.get(key, 0)) is not None


def _drop_infinite(
    plan: _Plan,
    present: list[str],
    values: dict[str, FloatArray],
    iaqi: FloatArray,
    aqi: FloatArray,
) -> None:
    """Make the IAQIs of infinite inputs NaN, in ``iaqi`` too, and take the AQI of their rows
    again (np.interp path only). Only rows with AQI 500 can hold one."""
    rows = np.flatnonzero(aqi >= 500.0)
    sub = iaqi[:, rows]
    infinite = np.stack([plan.infinite(key, values[key][rows]) for key in present])
    if infinite.any():
        sub[infinite] = math.nan
        iaqi[:, rows] = sub
        aqi[rows] = np.fmax.reduce(sub, axis=0)


#: Level of NaN (0), then of every integer AQI 0 .. 500: every AQI is one of these (a maximum
#: of ceiled IAQIs, none above 500).
_LEVEL_OF_AQI = np.concatenate([[0], level_of(np.arange(501.0))]).astype(np.int8)


def _store_block(
    plan: _Plan, out: _Outputs, block: slice, iaqi: FloatArray, aqi: FloatArray
) -> None:
    """Write a block's level and its primary / non-attainment bitmasks (the IAQIs and the AQI
    are in place already)."""
    m = aqi.shape[0]
    index, scratch = plan.index[:m], plan.scratch[:m]
    np.fmax(aqi, -1.0, out=scratch)  # NaN -> -1 -> slot 0
    np.copyto(index, scratch, casting="unsafe")
    index += 1
    _LEVEL_OF_AQI.take(index, out=out.level[block], mode="clip")
    # Bit j of the masks <-> present[j]; strings come from a lookup table afterwards.
    weights = (np.uint8(1) << np.arange(iaqi.shape[0], dtype=np.uint8))[:, None]
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
