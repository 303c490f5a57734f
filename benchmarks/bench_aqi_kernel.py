"""Benchmark the AQI kernel like with like: real daily means, off-grid and one-decimal inputs.

    uv run python benchmarks/bench_aqi_kernel.py [--rows N] [--repeat R] [--hub-rows H]
        [--aqi-rows A] [--seed S] [--data DIR] [--no-profile]

Three inputs of N rows (default 1,000,000), the seven HJ 633-2012 daily indicators:

* ``real``: the GB 3095 station-day means of the 12 Beijing stations 2013-03 .. 2017-02, taken
  from the hourly CSVs with ``kernels.daily_means`` (>= 20 valid hours, O3 daily max 8h ...;
  missing days included), repeated to N rows;
* ``off-grid``: uniform floats over [0, last breakpoint] of each indicator, not rounded;
* ``grid-0.1``: the former input, log-normal values rounded to one decimal (CO two), which
  the kernel before e2e1e82 served from a decimal-grid lookup; the current kernel reads every
  block from the same exact tables (``hj633.USE_LOOKUP``), whatever its decimals.

Contenders on each input, interleaved round by round (order rotated each round), median of R
rounds, all single-threaded: ``compute_aqi`` HJ 633-2012 and HJ 633-2026 daily; per standard a
LUT+max numpy pass computing the same AQI column (checked equal to ours on every row) and a
bandwidth pass (read the same columns, write one: np.maximum of the columns); aqi-hub
(``aqi_hub.aqi_cn.cal_aqi_cn``, HJ 633-2026 daily) on H rows and python-aqi (``aqi.to_aqi``,
MEP = HJ 633-2012) on A rows a round, a different chunk each round (pure Python per row: its
rows/s do not depend on how many rows it gets). Peer rows are drawn from the distinct rows.
Ratios are by CPU time (wall-clock in brackets) with the load average beside them.

Targets (PASS/FAIL, exit status 1 on FAIL): on the real daily means ours 2026 >= 30x aqi-hub
and ours >= 0.5 of the LUT+max pass of its standard. On FAIL the kernel is profiled on the real
daily means. Then each peer's disagreements with our result, classified by cause (the peer's
deviations from the standard switched on one at a time), single-value probes and memory.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import resource
import sys
import time
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aqi
import numpy as np
import numpy.typing as npt
import polars as pl
from aqi import constants as c
from aqi_hub.aqi_cn.aqi import cal_aqi_cn, cal_iaqi_cn  # type: ignore[import-untyped]

from jingjinji.air import kernels
from jingjinji.air.demo import history_dir
from jingjinji.air.importer import data_files, read_file
from jingjinji.air.kernels import hj633
from jingjinji.air.kernels import iaqi as iaqi_module

FloatArray = kernels.FloatArray
Columns = dict[str, FloatArray]
K2012 = kernels.indicators("hj633-2012", "daily")  # pm2_5 pm10 so2 no2 co o3_1h o3_8h
K2026 = kernels.indicators("hj633-2026", "daily")  # the same without o3_1h
T2012 = kernels.INDICATORS[("hj633-2012", "daily")]
T2026 = kernels.INDICATORS[("hj633-2026", "daily")]
SNAP = 1e-9  # the kernel's tolerance before the ceiling (docs/aqi.md, "Float noise")
BLOCK = 1 << 14  # rows per block of the numpy passes (cache-sized, like the kernel's)
TARGET_HUB, TARGET_LUT = 30.0, 0.5

# python-aqi constant and the decimals of the grid-0.1 input, per column
PY_AQI = {
    "pm2_5": (c.POLLUTANT_PM25, 1),
    "pm10": (c.POLLUTANT_PM10, 1),
    "so2": (c.POLLUTANT_SO2_24H, 1),
    "no2": (c.POLLUTANT_NO2_24H, 1),
    "co": (c.POLLUTANT_CO_24H, 2),
    "o3_1h": (c.POLLUTANT_O3_1H, 1),
    "o3_8h": (c.POLLUTANT_O3_8H, 1),
}
HUB_ITEMS = {"pm2_5": "PM25_24H", "pm10": "PM10_24H", "so2": "SO2_24H", "no2": "NO2_24H"}
HUB_ITEMS |= {"co": "CO_24H", "o3_8h": "O3_8H"}
HUB_SO2_24H = (0, 150, 500, 650, 800, 1600, 2100, 2620)  # aqi-hub's SO2 24h table (1h values)
SOURCE = {"pm2_5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3"}


# -- inputs ----------------------------------------------------------------------------------


def real_daily_means(directory: Path) -> tuple[Columns, int]:
    """Station-day means (GB 3095 validity) of every PRSA file; CO ug/m3 -> mg/m3."""
    hourly = pl.concat([read_file(p) for p in data_files(directory)]).select(
        "station",
        pl.datetime("year", "month", "day", "hour").alias("ts"),  # hour-beginning, local
        *[pl.col(src).alias(key) for key, src in SOURCE.items()],
        (pl.col("CO") / 1000.0).alias("co"),
    )
    daily = kernels.daily_means(hourly, group_cols=["station"])
    stations = daily["station"].n_unique()
    return {k: daily[k].to_numpy().astype(np.float64) for k in K2012}, stations


def repeat_to(columns: Columns, n: int) -> Columns:
    return {k: np.resize(v, n) for k, v in columns.items()}


def off_grid(n: int, seed: int) -> Columns:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(0.0, kernels.TABLES[T2012[k]][-1], n) for k in K2012}


def grid_input(n: int, seed: int) -> Columns:
    """The former benchmark input: log-normal daily means (medians of the North China Plain),
    one decimal (CO two)."""
    rng = np.random.default_rng(seed)

    def lognormal(median: float, sigma: float) -> FloatArray:
        return rng.lognormal(np.log(median), sigma, n)

    pm2_5, o3_8h = lognormal(45.0, 0.8), lognormal(85.0, 0.5)
    columns = {
        "pm2_5": pm2_5,
        "pm10": pm2_5 * lognormal(1.7, 0.25),
        "so2": lognormal(10.0, 0.7),
        "no2": lognormal(38.0, 0.4),
        "co": lognormal(0.9, 0.45),
        "o3_1h": o3_8h * lognormal(1.25, 0.12),
        "o3_8h": o3_8h,
    }
    return {k: np.round(v, PY_AQI[k][1]) for k, v in columns.items()}


def fast_path_share(columns: Columns) -> str:
    """How much of an input a decimal-grid lookup (``iaqi_by_lookup``, removed in e2e1e82)
    would serve; with the current kernel, which path every block takes."""
    lookup = getattr(iaqi_module, "iaqi_by_lookup", None)
    if lookup is None or not getattr(hj633, "USE_LOOKUP", False):
        return "IAQI path: the same for every block, whatever its decimals (no grid fast path)"
    decimals = getattr(iaqi_module, "LOOKUP_DECIMALS", (0, 1, 2))
    chunk = int(getattr(hj633, "CHUNK_ROWS", BLOCK))
    per_column = []
    for k, v in columns.items():
        hit = np.zeros(v.shape, dtype=bool)
        for d in decimals:
            scaled = v * 10.0**d
            hit |= np.abs(scaled - np.rint(scaled)) <= SNAP
        per_column.append(f"{k} {hit.sum() / max(1, int((~np.isnan(v)).sum())):.0%}")
    shares = []
    for standard, keys in (("2012", K2012), ("2026", K2026)):
        taken = blocks = 0
        for k in keys:
            table = (T2012 if standard == "2012" else T2026)[k]
            for start in range(0, len(columns[k]), chunk):
                block = columns[k][start : start + chunk]
                if standard == "2026":  # the 2026 daily report rounds before the IAQI
                    block = kernels.round_half_up(block, kernels.ROUND_DECIMALS_2026.get(k, 0))
                taken += lookup(block, table, np.empty(len(block)), 1) is not None
                blocks += 1
        shares.append(f"{standard} {taken / blocks:.0%}")
    return (
        f"fast path: values on a decimal grid (0, 1, 2 decimals) {', '.join(per_column)};\n"
        f"  column blocks of {chunk:,} rows taking it {', '.join(shares)} (2026: after rounding)"
    )


# -- contenders ------------------------------------------------------------------------------


def ours(columns: Columns, standard: kernels.Standard) -> kernels.AqiResult:
    keys = K2012 if standard == "hj633-2012" else K2026
    return kernels.compute_aqi({k: columns[k] for k in keys}, standard=standard, report="daily")


def _bins_2012(key: str) -> tuple[FloatArray, FloatArray, float]:
    """Slope and intercept of the IAQI per integer bin (k-1, k]; the last bin is 'above'.

    Every HJ 633 breakpoint is an integer, so one bin lies inside one segment and
    intercept + slope * c is the interpolation for any float c in it.
    """
    table = T2012[key]
    bps = np.asarray(kernels.TABLES[table], dtype=float)
    lv = np.asarray(kernels.IAQI_POINTS[: len(bps)], dtype=float)
    k = np.arange(int(bps[-1]) + 2, dtype=float)
    seg = np.clip(np.searchsorted(bps, k, side="left") - 1, 0, len(bps) - 2)
    slope = (lv[seg + 1] - lv[seg]) / (bps[seg + 1] - bps[seg])
    intercept = lv[seg] - slope * bps[seg]
    slope[0] = intercept[0] = 0.0
    # above the table: 500, O3 8h NaN (2012: its IAQI becomes O3 1h's, already in the max)
    slope[-1], intercept[-1] = 0.0, (math.nan if table == "o3_8h" else 500.0)
    return slope, intercept, float(k[-1])


def _lut_2026(key: str) -> tuple[FloatArray, float, float]:
    """Ceiled IAQI per rounded concentration (integers, CO 0.1), slot 0 = missing sentinel."""
    bps = kernels.TABLES[T2026[key]]
    scale = 10.0 ** kernels.ROUND_DECIMALS_2026.get(key, 0)
    last = round(bps[-1] * scale)
    raw = np.interp(np.arange(last + 1) / scale, bps, kernels.IAQI_POINTS[: len(bps)])
    above = 300.0 if T2026[key] == "o3_8h" else 500.0
    lut = np.concatenate([[-1e6], np.ceil(raw - SNAP) + 0.0, [above]])
    return lut, scale, last + 1.5


BINS_2012 = {k: _bins_2012(k) for k in K2012}
LUTS_2026 = {k: _lut_2026(k) for k in K2026}


def lut_max_2012(columns: Columns) -> FloatArray:
    """HJ 633-2012 AQI: per column two np.take on the integer-bin tables, a multiply-add and
    np.fmax across the columns, then one ceiling (monotone, so ceil of the max = max of the
    ceils). Assumes no negative or infinite input (there is none here)."""
    n = len(columns["pm2_5"])
    out = np.empty(n)
    for start in range(0, n, BLOCK):
        acc = out[start : start + BLOCK]
        for j, (k, (slope, intercept, top)) in enumerate(BINS_2012.items()):
            conc = columns[k][start : start + BLOCK]
            t = np.fmin(conc, top)  # NaN -> the top bin; c * NaN stays NaN
            np.ceil(t, out=t)
            i = t.astype(np.intp)
            v = np.take(slope, i)
            v *= conc
            v += np.take(intercept, i)
            if j == 0:
                acc[:] = v
            else:
                np.fmax(acc, v, out=acc)
        acc -= SNAP
        np.ceil(acc, out=acc)
        acc += 0.0
    return out


def lut_max_2026(columns: Columns) -> FloatArray:
    """HJ 633-2026 AQI: round half-up (the standard's rule) into an index, np.take of the
    ceiled IAQI, max across the columns, then the missing-data rule (with one missing, the
    AQI only when > 100)."""
    n = len(columns["pm2_5"])
    out = np.empty(n)
    low = np.empty(min(n, BLOCK))
    for start in range(0, n, BLOCK):
        acc = out[start : start + BLOCK]
        lo = low[: len(acc)]
        for j, (k, (lut, scale, top)) in enumerate(LUTS_2026.items()):
            conc = columns[k][start : start + BLOCK]
            t = conc * scale + (1.5 + SNAP) if scale != 1.0 else conc + (1.5 + SNAP)
            np.fmax(t, 0.5, out=t)  # NaN -> slot 0 (missing)
            np.minimum(t, top, out=t)  # above the table -> the last slot
            v = np.take(lut, t.astype(np.intp))
            if j == 0:
                acc[:] = v
                lo[:] = v
            else:
                np.maximum(acc, v, out=acc)
                np.minimum(lo, v, out=lo)
        acc[(lo < 0.0) & (acc <= 100.0)] = math.nan
    return out


def bandwidth(columns: Columns, keys: tuple[str, ...]) -> FloatArray:
    """Read every column once, write one: np.maximum of the columns, block by block."""
    n = len(columns[keys[0]])
    out = np.empty(n)
    for start in range(0, n, BLOCK):
        o = out[start : start + BLOCK]
        np.maximum(
            columns[keys[0]][start : start + BLOCK], columns[keys[1]][start : start + BLOCK], out=o
        )
        for k in keys[2:]:
            np.maximum(o, columns[k][start : start + BLOCK], out=o)
    return out


def hub_rows(columns: Columns, rows: np.ndarray) -> list[tuple[float | None, ...]]:
    """aqi-hub's input: Python floats, None for missing (its documented 'no value')."""
    lists = [columns[k][rows].tolist() for k in K2026]
    return [tuple(None if math.isnan(x) else x for x in row) for row in zip(*lists, strict=True)]


def run_hub(rows: list[tuple[float | None, ...]], out: FloatArray, errors: list[str]) -> None:
    """aqi-hub row by row as its README shows (cal_aqi_cn(..., data_type="daily"))."""
    with warnings.catch_warnings():  # it warns for every None (missing) value
        warnings.simplefilter("ignore")
        for i, (pm25, pm10, so2, no2, co, o3) in enumerate(rows):
            try:
                value, _ = cal_aqi_cn(
                    pm25=pm25, pm10=pm10, so2=so2, no2=no2, co=co, o3=o3, data_type="daily"
                )
            except Exception as exc:
                errors[i] = type(exc).__name__
                continue
            out[i] = math.nan if value is None else value


def py_aqi_rows(columns: Columns, rows: np.ndarray) -> list[list[tuple[int, str]]]:
    """python-aqi's input: (pollutant, concentration as text) pairs, missing ones left out."""
    lists = {k: columns[k][rows].tolist() for k in K2012}
    return [
        [(PY_AQI[k][0], repr(lists[k][i])) for k in K2012 if not math.isnan(lists[k][i])]
        for i in range(len(rows))
    ]


def run_py_aqi(
    rows: list[list[tuple[int, str]]], positions: range, out: FloatArray, errors: list[str]
) -> None:
    for i in positions:
        try:
            out[i] = float(aqi.to_aqi(rows[i], algo=aqi.ALGO_MEP))
        except Exception as exc:  # it crashes above its last breakpoints
            errors[i] = type(exc).__name__


@dataclass
class Timed:
    label: str
    rows: int
    fn: Callable[[int], object]  # argument: the round
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def run(self, r: int) -> None:
        w0, c0 = time.perf_counter(), time.process_time()
        self.fn(r)  # the result is dropped at once: every run starts alike
        self.cpu.append(time.process_time() - c0)
        self.wall.append(time.perf_counter() - w0)

    def rate(self, wall: bool = False) -> float:
        return self.rows / float(np.median(self.wall if wall else self.cpu))


@dataclass
class Case:
    name: str
    what: str
    columns: Columns
    pool: int  # distinct rows the peers draw from
    timed: dict[str, Timed] = field(default_factory=dict)
    hub_pick: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    hub_aqi: FloatArray = field(default_factory=lambda: np.empty(0))
    hub_errors: list[str] = field(default_factory=list)
    py_pick: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    py_aqi: FloatArray = field(default_factory=lambda: np.empty(0))
    py_errors: list[str] = field(default_factory=list)
    py_done: int = 0


def prepare(case: Case, args: argparse.Namespace, rounds: int) -> None:
    """Draw the peers' rows and build the contenders of one input."""
    rng = np.random.default_rng(args.seed + 7)
    cols, n = case.columns, len(case.columns["pm2_5"])
    case.hub_pick = np.sort(
        rng.choice(case.pool, size=min(args.hub_rows, case.pool), replace=False)
    )
    chunk = min(args.aqi_rows, case.pool)
    case.py_pick = rng.permutation(case.pool)[: min(case.pool, chunk * rounds)]
    hub_in, py_in = hub_rows(cols, case.hub_pick), py_aqi_rows(cols, case.py_pick)
    case.hub_aqi, case.hub_errors = np.full(len(hub_in), math.nan), [""] * len(hub_in)
    case.py_aqi, case.py_errors = np.full(len(py_in), math.nan), [""] * len(py_in)

    def py_round(r: int) -> None:
        start = (r * chunk) % len(py_in)
        run_py_aqi(py_in, range(start, min(start + chunk, len(py_in))), case.py_aqi, case.py_errors)
        case.py_done = max(case.py_done, min(start + chunk, len(py_in)))

    case.timed = {
        "ours12": Timed("ours compute_aqi 2012 daily", n, lambda r: ours(cols, "hj633-2012")),
        "lut12": Timed("LUT+max numpy 2012 (7 columns)", n, lambda r: lut_max_2012(cols)),
        "bw12": Timed("bandwidth: max of 7 columns", n, lambda r: bandwidth(cols, K2012)),
        "py": Timed(f"python-aqi MEP ({chunk:,} rows a round)", chunk, py_round),
        "ours26": Timed("ours compute_aqi 2026 daily", n, lambda r: ours(cols, "hj633-2026")),
        "lut26": Timed("LUT+max numpy 2026 (6 columns)", n, lambda r: lut_max_2026(cols)),
        "bw26": Timed("bandwidth: max of 6 columns", n, lambda r: bandwidth(cols, K2026)),
        "hub": Timed(
            f"aqi-hub cal_aqi_cn daily ({len(hub_in):,} rows)",
            len(hub_in),
            lambda r: run_hub(hub_in, case.hub_aqi, case.hub_errors),
        ),
    }


# -- disagreements ---------------------------------------------------------------------------


def _same(a: FloatArray, b: FloatArray) -> npt.NDArray[np.bool_]:
    same: npt.NDArray[np.bool_] = (a == b) | (np.isnan(a) & np.isnan(b))
    return same


def emulate_hub(
    columns: Columns, *, rounding: bool, so2_table: bool, missing_rule: bool, snap: bool
) -> FloatArray:
    """HJ 633-2026 daily AQI with some of aqi-hub's deviations switched on."""
    iaqis = []
    for k in K2026:
        bps = HUB_SO2_24H if (k == "so2" and so2_table) else kernels.TABLES[T2026[k]]
        v = columns[k]
        if rounding:
            v = kernels.round_half_up(v, kernels.ROUND_DECIMALS_2026.get(k, 0))
        above = 300.0 if k == "o3_8h" else 500.0
        raw = np.interp(v, bps, kernels.IAQI_POINTS[: len(bps)], right=above)
        iaqis.append(np.ceil(raw - SNAP) + 0.0 if snap else np.ceil(raw))
    matrix = np.vstack(iaqis)
    out: FloatArray = np.fmax.reduce(matrix, axis=0)
    if missing_rule:
        out[np.isnan(matrix).any(axis=0) & ~(out > 100.0)] = math.nan
    return out


#: Causes of disagreement: short name -> (what the peer does, checked against standards.md).
CAUSES = {
    "no-rounding": (
        "aqi-hub does not round 2026 daily concentrations (integers, CO 0.1) before the IAQI",
        "rule in standards.md §1; deviation not listed there",
    ),
    "so2-1h-table": (
        "aqi-hub's SO2 24h table holds the SO2 1h breakpoints (150/500/650/800)",
        "listed in standards.md",
    ),
    "no-missing-rule": (
        "aqi-hub: AQI of the remaining IAQIs when one is missing (2026: only when > 100)",
        "rule in standards.md §1; deviation not listed there",
    ),
    "float-noise": (
        "aqi-hub ceils float noise: CO 2.2 -> 55.000000000000007 -> 56 (exact: 55)",
        "not listed; standards.md: ceiling of the formula's value",
    ),
    "truncation": (
        "python-aqi truncates concentrations to integers, CO too (CO 2.9 -> 2)",
        "listed in standards.md",
    ),
    "rounding": (
        "python-aqi rounds the IAQI half-even instead of the ceiling",
        "listed in standards.md",
    ),
    "gapped": (
        "python-aqi maps segments 0-35/36-75/... onto IAQI 0-50/51-100/...",
        "not listed in standards.md",
    ),
    "crash-o3_8h": ("python-aqi crashes (TypeError) above O3 8h 800", "listed in standards.md"),
    "crash-above": (
        "python-aqi crashes (IndexError) above the last breakpoint of a full table",
        "not listed (standards.md names only SO2 1h and O3 8h above 800)",
    ),
    "crash-empty": (
        "python-aqi crashes (ValueError) on a row with no value at all (ours: AQI NaN)",
        "not listed",
    ),
    "emulation": ("our emulation of the peer differs from ours: a bench bug", "-"),
    "unexplained": ("not explained by the deviations above", "-"),
}


def classify_hub(columns: Columns, ours_aqi: FloatArray, peer: FloatArray) -> list[str]:
    flags = [(True, False, True, True), (False, False, True, True), (False, True, True, True)]
    flags += [(False, True, False, True), (False, True, False, False)]
    steps = [ours_aqi] + [
        emulate_hub(columns, rounding=a, so2_table=b, missing_rule=m, snap=s)
        for a, b, m, s in flags
    ]
    names = ("emulation", "no-rounding", "so2-1h-table", "no-missing-rule", "float-noise")
    return _explain(steps, names, peer, [""] * len(peer), columns, 2026)


def emulate_py_aqi(columns: Columns, *, truncate: bool, rounding: str, gapped: bool) -> FloatArray:
    """HJ 633-2012 daily AQI with some of python-aqi's deviations switched on."""
    out = np.full(len(columns["pm2_5"]), -np.inf)
    for key in K2012:
        v = np.floor(columns[key]) if truncate else columns[key]
        bps = np.asarray(kernels.TABLES[T2012[key]], dtype=float)
        lv = np.asarray(kernels.IAQI_POINTS[: len(bps)], dtype=float)
        if gapped:  # python-aqi: segments (0,35),(36,75)... mapped to IAQI (0,50),(51,100)...
            seg = np.clip(np.searchsorted(bps[1:], v, side="left"), 0, len(bps) - 2)
            c_lo = np.where(seg == 0, 0.0, bps[seg] + 1)
            i_lo = np.where(seg == 0, 0.0, lv[seg] + 1)
            raw = (lv[seg + 1] - i_lo) / (bps[seg + 1] - c_lo) * (v - c_lo) + i_lo
            raw = np.where(v > bps[-1], np.nan, raw)
        else:
            raw = np.interp(v, bps, lv, right=np.nan if len(bps) < 8 else 500.0)
        iaqi = np.round(raw) if rounding == "round" else np.ceil(raw - SNAP)
        out = np.fmax(out, iaqi)
    return np.where(np.isinf(out), np.nan, out)


def classify_py_aqi(
    columns: Columns, ours_aqi: FloatArray, peer: FloatArray, errors: list[str]
) -> list[str]:
    flags = [(False, "ceil", False), (True, "ceil", False), (True, "round", False)]
    flags += [(True, "round", True)]
    steps = [ours_aqi] + [
        emulate_py_aqi(columns, truncate=t, rounding=r, gapped=g) for t, r, g in flags
    ]
    names = ("emulation", "truncation", "rounding", "gapped")
    return _explain(steps, names, peer, errors, columns, 2012)


def _explain(
    steps: list[FloatArray],
    names: tuple[str, ...],
    peer: FloatArray,
    errors: list[str],
    columns: Columns,
    year: int,
) -> list[str]:
    """Per row: '' when the peer agrees, else the deviations whose switch changed the AQI."""
    tables = T2012 if year == 2012 else T2026
    agree = _same(steps[0], peer)
    changed = [~_same(steps[j], steps[j + 1]) for j in range(len(steps) - 1)]
    explained = _same(steps[-1], peer)
    reasons = []
    for i in range(len(peer)):
        if errors[i]:
            over = [k for k in tables if columns[k][i] > kernels.TABLES[tables[k]][-1]]
            if not over:
                reasons.append("crash-empty")
            else:  # the peer stops at the first pollutant above its table
                reasons.append("crash-o3_8h" if over[0] == "o3_8h" else f"crash-above ({over[0]})")
        elif agree[i]:
            reasons.append("")
        else:
            found = [names[j] for j in range(len(changed)) if changed[j][i]]
            if not explained[i]:
                found.append("unexplained")
            reasons.append(" + ".join(found) or "unexplained")
    return reasons


def report_disagreements(
    title: str,
    case: Case,
    pick: np.ndarray,
    ours_aqi: FloatArray,
    peer: FloatArray,
    reasons: list[str],
    seen: set[str],
) -> None:
    """Counts by cause and, on the real input, one example per cause not shown yet."""
    bad = [i for i, r in enumerate(reasons) if r]
    m = len(reasons)
    print(f"  {title}, {case.name}: {len(bad):,} of {m:,} rows differ ({len(bad) / max(m, 1):.1%})")
    for reason, count in Counter(reasons[i] for i in bad).most_common():
        print(f"    {count:7,d}  {reason}")
    for i in bad:
        if reasons[i] in seen or case.name != "real":
            continue
        seen.add(reasons[i])
        values = ", ".join(f"{k}={case.columns[k][pick[i]]:.6g}" for k in K2012)
        got = "crash" if reasons[i].startswith("crash") else f"{peer[i]:.0f}"
        print(f"      e.g. ours {ours_aqi[i]:.0f}, peer {got}: {values}  -> {reasons[i]}")


def print_disagreements(cases: list[Case]) -> None:
    print("\npeer disagreements with ours, by cause (the peer's deviations switched on in turn):")
    seen: set[str] = set()
    used: set[str] = set()
    for case in cases:
        pick_cols = {k: v[case.hub_pick] for k, v in case.columns.items()}
        ours26 = ours(pick_cols, "hj633-2026").aqi
        reasons = classify_hub(pick_cols, ours26, case.hub_aqi)
        used.update(reasons)
        title = "aqi-hub (2026 daily) vs ours 2026"
        report_disagreements(title, case, case.hub_pick, ours26, case.hub_aqi, reasons, seen)
    for case in cases:
        pick = case.py_pick[: case.py_done]
        pick_cols = {k: v[pick] for k, v in case.columns.items()}
        ours12 = ours(pick_cols, "hj633-2012").aqi
        peer, errors = case.py_aqi[: case.py_done], case.py_errors[: case.py_done]
        reasons = classify_py_aqi(pick_cols, ours12, peer, errors)
        used.update(reasons)
        title = "python-aqi (MEP) vs ours 2012"
        report_disagreements(title, case, pick, ours12, peer, reasons, seen)
    print("  causes (checked against shared/reference/standards.md, 'Known faulty peers'):")
    names = {part.split(" (")[0] for reason in used for part in reason.split(" + ")}
    for name, (what, status) in CAUSES.items():
        if name in names:
            print(f"    {name:16s}{what} [{status}]")


def probes() -> None:
    head = f"{'ours 2012':>10s}{'python-aqi':>20s}{'ours 2026':>11s}{'aqi-hub':>9s}"
    print(f"\nprobes (one indicator), IAQI:{head}")
    cases = [("pm2_5", 35.4), ("pm2_5", 60.0), ("so2", 100.0), ("co", 0.9), ("co", 2.2)]
    cases += [("co", 2.9), ("o3_8h", 850.0), ("pm2_5", 520.0)]
    for key, value in cases:
        row = {key: np.array([value])}
        if key == "o3_8h":
            row["o3_1h"] = np.array([900.0])
        ours12 = kernels.compute_aqi(row, standard="hj633-2012", report="daily").iaqi[key][0]
        ours26 = kernels.compute_aqi(row, standard="hj633-2026", report="daily").iaqi[key][0]
        try:
            py = str(aqi.to_iaqi(PY_AQI[key][0], repr(value), algo=aqi.ALGO_MEP))
        except Exception as exc:
            py = f"crash ({type(exc).__name__})"
        hub = str(cal_iaqi_cn(HUB_ITEMS[key], value))
        note = "  (2012: O3 8h > 800 -> IAQI of O3 1h = 900)" if key == "o3_8h" else ""
        print(f"  {key:6s} {value:>7g}:{ours12:>20.0f}{py:>20s}{ours26:>11.0f}{hub:>9s}{note}")


# -- main ------------------------------------------------------------------------------------


PASSES: list[tuple[kernels.Standard, Callable[[Columns], FloatArray]]] = [
    ("hj633-2012", lut_max_2012),
    ("hj633-2026", lut_max_2026),
]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


def profile_kernel(columns: Columns, standard: kernels.Standard, top: int = 10) -> None:
    ours(columns, standard)
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for a core is not cost
    profiler.enable()
    for _ in range(3):
        ours(columns, standard)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: Any = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in entries.values())
    rows = sorted(entries.items(), key=lambda kv: -kv[1][2])[:top]
    print(f"\nprofile of compute_aqi {standard} daily, real daily means (own CPU time, 3 calls):")
    for (path, line, name), (_, _, own, _, _) in rows:
        where = f"{Path(path).name}:{line}" if line else "numpy/builtin"
        print(f"  {own / total:6.1%}  {own / 3 * 1e3:7.1f} ms a call  {name} ({where})")


def setup(args: argparse.Namespace) -> list[Case] | None:
    directory = args.data or history_dir()
    if directory is None:
        print("Beijing multi-site data not found: pass --data DIR (see docs/aqi.md)")
        return None
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, python-aqi {aqi.__version__},"
        f" {os.cpu_count()} cores, all contenders single-threaded; {load()}"
    )
    t0 = time.perf_counter()
    real, stations = real_daily_means(directory)
    days, n = len(real["pm2_5"]), args.rows
    print(
        f"real daily means: {stations} stations, {days:,} station-days in"
        f" {time.perf_counter() - t0:.1f}s (kernels.daily_means over the hourly CSVs)"
    )
    what = f"Beijing station-day means, {days:,} rows" + (f" repeated to {n:,}" if n > days else "")
    cases = [
        Case("real", what, repeat_to(real, n), min(days, n)),
        Case(
            "off-grid",
            f"uniform floats over each breakpoint range, not rounded, {n:,} rows",
            off_grid(n, args.seed),
            n,
        ),
        Case(
            "grid-0.1",
            f"log-normal, one decimal (CO two): the former input, {n:,} rows",
            grid_input(n, args.seed),
            n,
        ),
    ]
    for case in cases:
        prepare(case, args, args.repeat)
        for std, lut in PASSES:  # the ceilings must compute what we compute
            bad = int((~_same(lut(case.columns), ours(case.columns, std).aqi)).sum())
            if bad:
                print(f"WARNING: LUT+max {std} differs from ours on {bad:,} {case.name} rows")
    return cases


def time_rounds(cases: list[Case], repeat: int) -> None:
    """Every contender of every input once a round, the order rotated from round to round."""
    contenders = [t for case in cases for t in case.timed.values()]
    loads = []
    for r in range(repeat):
        shift = r * 5 % len(contenders)
        for timed in contenders[shift:] + contenders[:shift]:
            timed.run(r)
        loads.append(os.getloadavg()[0])
    print(
        f"\nmedian of {repeat} interleaved rounds; 1-min load average after each round"
        f" {min(loads):.2f}-{max(loads):.2f}"
    )


RATIOS = (
    ("ours26", "hub", "ours 2026 / aqi-hub", "x"),
    ("ours12", "py", "ours 2012 / python-aqi", "x"),
    ("ours12", "lut12", "ours 2012 / LUT+max 2012", ""),
    ("ours26", "lut26", "ours 2026 / LUT+max 2026", ""),
    ("ours12", "bw12", "ours 2012 / bandwidth 7 columns", ""),
    ("ours26", "bw26", "ours 2026 / bandwidth 6 columns", ""),
)


def print_case(case: Case, ratios: dict[tuple[str, str], float]) -> None:
    print(f"\n[{case.name}] {case.what}\n  {fast_path_share(case.columns)}")
    print(f"  {'':40s}{'rows/s CPU':>13s}{'CPU s':>9s}{'rows/s wall':>13s}{'wall s':>9s}")
    for t in case.timed.values():
        cpu, wall = float(np.median(t.cpu)), float(np.median(t.wall))
        print(f"  {t.label:40s}{t.rows / cpu:13,.0f}{cpu:9.4f}{t.rows / wall:13,.0f}{wall:9.4f}")
    for a, b, label, unit in RATIOS:
        cpu = case.timed[a].rate() / case.timed[b].rate()
        wall = case.timed[a].rate(wall=True) / case.timed[b].rate(wall=True)
        ratios[(case.name, label)] = cpu
        fmt = ",.0f" if unit else ".2f"
        print(f"  {label:34s}{cpu:>8{fmt}}{unit:1s}  (wall {wall:{fmt}}{unit})   {load()}")


def check_targets(ratios: dict[tuple[str, str], float]) -> list[str]:
    print(f"\ntargets on the real daily means (CPU-time ratios of this run; {load()}):")
    failed = []
    for label, need, unit in (
        ("ours 2026 / aqi-hub", TARGET_HUB, "x"),
        ("ours 2012 / LUT+max 2012", TARGET_LUT, ""),
        ("ours 2026 / LUT+max 2026", TARGET_LUT, ""),
    ):
        got = ratios[("real", label)]
        fmt = ",.1f" if unit else ".2f"
        verdict = "PASS"
        if got < need:
            failed.append(label)
            verdict = f"FAIL ({got / need:.0%} of the target; {need / got:.2f}x faster needed)"
        print(f"  {label:26s} >= {need:{fmt}}{unit}: {got:{fmt}}{unit} -> {verdict}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--hub-rows", type=int, default=20_000)
    parser.add_argument("--aqi-rows", type=int, default=2_000, help="python-aqi rows a round")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--data", type=Path, default=None, help="folder of the PRSA CSV files")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    cases = setup(args)
    if cases is None:
        return 2
    time_rounds(cases, args.repeat)
    ratios: dict[tuple[str, str], float] = {}
    for case in cases:
        print_case(case, ratios)
    failed = check_targets(ratios)
    if not args.no_profile:
        for std, _ in PASSES:
            if any(std[-4:] in f and "LUT" in f for f in failed):
                profile_kernel(cases[0].columns, std)
    print_disagreements(cases)
    probes()
    tracemalloc.start()
    ours(cases[0].columns, "hj633-2012")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\npeak memory of compute_aqi 2012 on the real input (tracemalloc, beyond the inputs):"
        f" {peak / 2**20:,.0f} MiB = {peak / args.rows:.0f} bytes/row; max RSS {rss:,.0f} MiB"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
