"""The AQI benchmark stays honest: its numpy ceilings compute our AQI, and the peers' deviations
it reports (shared/reference/standards.md, "Known faulty peers") are the peers' real behaviour.

The benchmark script is loaded from ``benchmarks/``; nothing here times anything.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import aqi
import numpy as np
import pytest

from jingjinji.air import kernels

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_aqi_kernel.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_aqi_kernel", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def daily_rows(n: int, seed: int) -> dict[str, np.ndarray]:
    """Off-grid values, breakpoints exactly, values above the tables and missing ones."""
    rng = np.random.default_rng(seed)
    table = kernels.INDICATORS[("hj633-2012", "daily")]
    columns = {}
    for key, name in table.items():
        bps = np.asarray(kernels.TABLES[name], dtype=float)
        values = rng.uniform(0.0, bps[-1] * 1.1, n)
        at_breakpoint = rng.random(n) < 0.2
        values[at_breakpoint] = rng.choice(bps, int(at_breakpoint.sum()))
        values[rng.random(n) < 0.1] = math.nan
        columns[key] = values
    return columns


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(((a == b) | (np.isnan(a) & np.isnan(b))).all())


def test_lut_ceilings_compute_our_aqi(bench: ModuleType) -> None:
    columns = daily_rows(40_000, seed=3)  # more than two of the ceilings' blocks
    for standard, lut in bench.PASSES:
        ours = kernels.compute_aqi(columns, standard=standard, report="daily").aqi
        assert same(lut(columns), ours), standard
    grid = bench.grid_input(20_000, seed=5)
    for standard, lut in bench.PASSES:
        assert same(lut(grid), kernels.compute_aqi(grid, standard=standard, report="daily").aqi)


def test_every_peer_disagreement_has_a_known_cause(bench: ModuleType) -> None:
    columns = daily_rows(600, seed=6)
    rows = np.arange(600)
    hub = np.full(600, math.nan)
    bench.run_hub(bench.hub_rows(columns, rows), hub, [""] * 600)
    ours26 = kernels.compute_aqi(columns, standard="hj633-2026", report="daily").aqi
    reasons = bench.classify_hub(columns, ours26, hub)
    py = np.full(600, math.nan)
    errors = [""] * 600
    bench.run_py_aqi(bench.py_aqi_rows(columns, rows), range(600), py, errors)
    ours12 = kernels.compute_aqi(columns, standard="hj633-2012", report="daily").aqi
    reasons += bench.classify_py_aqi(columns, ours12, py, errors)
    causes = {part.split(" (")[0] for r in reasons if r for part in r.split(" + ")}
    assert causes <= set(bench.CAUSES) - {"emulation", "unexplained"}
    assert {"no-rounding", "truncation", "rounding", "crash-above"} <= causes


@pytest.mark.parametrize(
    ("key", "value", "ours_2012", "py_aqi", "ours_2026", "hub"),
    [
        ("co", 2.9, 73, "50", 73, "73"),  # python-aqi truncates CO to 2 (listed)
        ("pm2_5", 35.4, 51, "50", 50, "51"),  # python-aqi rounds; aqi-hub does not round 35.4
        ("so2", 100.0, 75, "75", 75, "34"),  # aqi-hub: SO2 24h on the 1h table (listed)
        ("co", 2.2, 55, "50", 55, "56"),  # aqi-hub ceils 55.000000000000007
        ("o3_8h", 850.0, 350, "crash", 300, "300"),  # python-aqi crashes above 800 (listed)
    ],
)
def test_known_peer_deviations(
    bench: ModuleType,
    key: str,
    value: float,
    ours_2012: int,
    py_aqi: str,
    ours_2026: int,
    hub: str,
) -> None:
    row = {key: np.array([value])} | ({"o3_1h": np.array([900.0])} if key == "o3_8h" else {})
    assert kernels.compute_aqi(row, standard="hj633-2012", report="daily").iaqi[key][0] == ours_2012
    assert kernels.compute_aqi(row, standard="hj633-2026", report="daily").iaqi[key][0] == ours_2026
    try:
        got = str(aqi.to_iaqi(bench.PY_AQI[key][0], repr(value), algo=aqi.ALGO_MEP))
    except (IndexError, TypeError):
        got = "crash"
    assert got == py_aqi
    assert str(bench.cal_iaqi_cn(bench.HUB_ITEMS[key], value)) == hub
