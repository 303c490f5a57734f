"""Benchmark the warning criteria replay and the forecast evaluation.

    uv run python benchmarks/bench_warnings.py [--repeat R] [--seed S]

Builds the Beijing city daily series (2013-03-01 .. 2017-02-28) through the real pipeline: the
Beijing multi-site files are imported by the air importer into a temporary SQLite database and
read back with ``air.service.city_daily_frame`` (setup, not timed). Twelve more cities are
derived from it with a fixed seed (a city factor, a lag of 0-2 days and day-to-day log-normal
noise), giving 13 cities x 4 years.

Times (best of R):
- the replay of all 13 series through each shipped criteria set with the vectorised engine
  (``kernels.find_episodes``), and a plain-Python day-by-day scan of the same series under
  bth-2017 (the obviously-correct reference of the tests) for comparison;
- the hold-out forecast evaluation for Beijing (train to 2015-12-31, evaluate to 2017-02-28,
  three horizons, 27 gradient-boosting models), once.

Prints the timings, episodes found, the engine/reference ratio and the evaluation/replay ratio
with the load average, and checks that both replays agree and that the engine is at least
1.5 times as fast as the reference in the same run (3.0x on a quiet
machine, 2.2x at load 6 on 2 cores) (exit 1 if not). No wall-clock threshold: a
loaded machine slows both alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from jingjinji.warnings import forecast, kernels

# The vectorised replay against the day-by-day reference, same series, same run.
MIN_SPEEDUP_OVER_REFERENCE = 1.5


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # not on every platform
        return "n/a"


def beijing_frame() -> tuple[list[dt.date], np.ndarray, object]:
    from jingjinji import bootstrap
    from jingjinji.air import service as air
    from jingjinji.air.demo import history_dir
    from jingjinji.air.importer import import_beijing_multisite
    from jingjinji.db import make_engine, make_session_factory
    from jingjinji.demo import DemoContext
    from jingjinji.regions import demo as regions_demo
    from jingjinji.security import SYSTEM_ACTOR

    directory = history_dir()
    if directory is None:
        raise SystemExit("Beijing multi-site files not found (set JJJ_SHARED_DIR)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-warnings-"))
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        regions_demo.load(session, DemoContext())
        air.load_stations(session, actor=SYSTEM_ACTOR)
        import_beijing_multisite(session, directory, actor=SYSTEM_ACTOR)
        session.commit()
        frame = air.city_daily_frame(
            session, city_code="110000", start=dt.date(2013, 3, 1), end=dt.date(2017, 2, 28)
        )
    engine.dispose()
    dates = frame["date"].to_list()
    values = np.array([np.nan if v is None else float(v) for v in frame["aqi"].to_list()])
    return dates, values, frame


def derived_cities(values: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        factor = rng.uniform(0.75, 1.35)
        lag = int(rng.integers(0, 3))
        noise = np.exp(rng.normal(0, 0.15, values.size))
        shifted = np.roll(values, lag)
        out.append(np.clip(np.ceil(shifted * factor * noise), 0, 500))
    return out


def reference_scan(values: np.ndarray, criteria: kernels.Criteria) -> list[tuple[int, int, str]]:
    """Day-by-day Python scan: runs of days over the onset merged across short gaps."""
    gap = criteria.merge_gap_days
    out: list[tuple[int, int, str]] = []
    i, n = 0, len(values)
    while i < n:
        if values[i] > criteria.onset_aqi:
            j = i
            k = i + 1
            while k < n:
                if values[k] > criteria.onset_aqi:
                    if k - j - 1 < gap:
                        j = k
                    else:
                        break
                k += 1
            seg = [v for v in values[i : j + 1] if v == v]
            n200 = sum(v > 200 for v in seg)
            n300 = sum(v > 300 for v in seg)
            peak = max(seg)
            level = (
                "red"
                if (n200 >= 4 and n300 >= 2) or peak >= 500
                else "orange"
                if n200 >= 3 and n300 >= 1
                else "yellow"
                if n200 >= 2
                else "blue"
            )
            out.append((i, j, level))
            i = j + 1
        else:
            i += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args()

    started = time.perf_counter()
    dates, beijing, frame = beijing_frame()
    print(
        f"setup: Beijing daily series from the real files in {time.perf_counter() - started:.1f}s "
        f"({len(dates)} days, {int(np.nansum(beijing > 200))} days over 200)"
    )
    cities = [beijing, *derived_cities(beijing, 12, args.seed)]
    days = np.asarray(dates, dtype="datetime64[D]")
    criteria = {}
    for name in ("bth-2017", "bth-2019", "beijing-local"):
        text = (
            resources.files("jingjinji.warnings")
            .joinpath("data")
            .joinpath("criteria")
            .joinpath(f"{name}.json")
            .read_text("utf-8")
        )
        criteria[name] = kernels.criteria_from_dict(json.loads(text))
    total_days = sum(c.size for c in cities)

    # Engine and reference take turns, so a change in the machine's load hits both alike.
    best_engine = best_ref = float("inf")
    episodes: dict[str, int] = {}
    bth = criteria["bth-2017"]
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for name, crit in criteria.items():
            episodes[name] = sum(len(kernels.find_episodes(days, c, crit)) for c in cities)
        best_engine = min(best_engine, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = [reference_scan(c, bth) for c in cities]
        best_ref = min(best_ref, time.perf_counter() - t0)
    per_set = best_engine / len(criteria)
    engine_eps = [
        [
            ((e.start - dates[0]).days, (e.end - dates[0]).days, e.level)
            for e in kernels.find_episodes(days, c, bth)
        ]
        for c in cities
    ]
    agree = engine_eps == ref

    print(f"replay: 13 cities x {len(dates)} days = {total_days} city-days")
    for name, count in episodes.items():
        print(f"  {name}: {count} warning episodes")
    print(
        f"  engine, all {len(criteria)} criteria sets: {best_engine * 1000:.1f} ms "
        f"({per_set * 1000:.1f} ms per set, {total_days / per_set / 1e6:.2f} M city-days/s)"
    )
    print(
        f"  plain-Python reference scan, bth-2017: {best_ref * 1000:.1f} ms "
        f"-> engine is {best_ref / per_set:.1f}x faster; results agree: {agree}"
    )

    t0 = time.perf_counter()
    grid = forecast.grid_from_frame(frame)  # type: ignore[arg-type]
    ev = forecast.evaluate(
        grid, train_until=dt.date(2015, 12, 31), until=dt.date(2017, 2, 28), city_code="110000"
    )
    eval_seconds = time.perf_counter() - t0
    print(
        f"forecast evaluation, Beijing (train to 2015-12-31, {ev.issue_days} issue days): "
        f"{eval_seconds:.2f} s"
    )
    for row in ev.rows:
        print(
            f"  +{row['horizon_days']}d MAE model {row['model_mae']:.1f} vs persistence "
            f"{row['persistence_mae']:.1f} ({row['mae_improvement_over_persistence_pct']}% "
            f"better), climatology {row['climatology_mae']:.1f}"
        )
    print(
        f"ratio evaluation / replay of one criteria set over 13 cities: "
        f"{eval_seconds / per_set:.0f}x"
    )
    speedup = best_ref / per_set
    ok = agree and speedup >= MIN_SPEEDUP_OVER_REFERENCE
    print(
        "PASS" if ok else "FAIL",
        f"(engine {speedup:.1f}x the plain-Python scan, target >= {MIN_SPEEDUP_OVER_REFERENCE}x, "
        f"and equal to it; load average {load_average()})",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
