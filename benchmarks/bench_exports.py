"""Benchmark the streamed air downloads against building the whole file in memory.

    uv run python benchmarks/bench_exports.py [--dir DIR] [--url URL] [--rounds N]

A fresh SQLite database (or ``--url``, a database that already holds the Beijing data) gets the
demo organisations, the station registry and the whole Beijing multi-site history with its daily
statistics (420,768 station-hours, 2013-03-01 .. 2017-02-28). Then, for each case, two child
processes, back to back, so that each peak memory (RSS) is its own:

- **streamed**: ``exports.plan_export`` + ``exports.export_chunks`` (a window at a time, CSV for
  people: rounded, defused), every chunk written to a discarded sink;
- **whole** (the baseline, what the download did before, without its 366-day cap): the whole
  range computed as one frame (``service.series_frame`` / ``observations_frame``), then written
  by polars' ``write_csv`` into one buffer, unrounded.

Cases, four years each: the city of Beijing hourly (AQI of 34,000 hours from 12 stations),
one station's raw hourly values, the city's daily series and its monthly means. Printed per
case: rows, MB, seconds, rows/s, peak RSS of the child and its RSS before the export (imports),
time and RSS ratios (whole / streamed: above 1 = the streamed one is faster / smaller) and the
load average (``os.getloadavg()``). Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from jingjinji import bootstrap
from jingjinji.air import demo, exports, importer, service
from jingjinji.air.schemas import ExportQuery
from jingjinji.air.service.series import HOURLY_COLUMNS, Kind, Scope
from jingjinji.db import make_engine, make_session_factory
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.security import SYSTEM_ACTOR

START, END = dt.date(2013, 3, 1), dt.date(2017, 2, 28)
CASES: dict[str, dict[str, str]] = {
    "city hourly": {"city": "110000", "kind": "hourly"},
    "station raw": {"station": "1001A", "kind": "raw"},
    "city daily": {"city": "110000", "kind": "daily"},
    "city monthly": {"city": "110000", "kind": "monthly"},
}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f}"


def rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ``ru_maxrss`` not inherited across exec from
    the parent that loaded the data)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(url: str, directory: Path) -> None:
    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        regions_demo.load(session, DemoContext())
        service.load_stations(session)
        importer.import_beijing_multisite(session, directory, actor=SYSTEM_ACTOR, verify=False)
        session.commit()
    engine.dispose()


def whole_file(session: Any, query: ExportQuery) -> tuple[int, int]:
    """The download as before: one frame for the whole range, one CSV buffer."""
    scope: Scope = "city" if query.city else "station"
    code = query.city or query.station
    assert code is not None
    if query.kind == "raw":
        lo, hi = service.local_day_bounds_utc(START, END)
        frame = service.observations_frame(session, station_codes=[code], start_utc=lo, end_utc=hi)
    else:
        kind: Kind = "hourly" if query.kind == "hourly" else "daily"
        frame = service.series_frame(
            session, kind=kind, scope=scope, code=code, start=START, end=END, standard=None
        )
        if query.kind == "hourly":
            frame = frame.select(*HOURLY_COLUMNS)
        if query.kind == "monthly":
            from jingjinji.air import kernels

            frame = kernels.period_means(frame, period="month")
    buffer = io.BytesIO()
    frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(buffer)
    return frame.height, len(buffer.getvalue())


def streamed(session: Any, reader: Any, query: ExportQuery) -> tuple[int, int]:
    plan = exports.plan_export(session, actor=SYSTEM_ACTOR, query=query)
    session.commit()
    size = lines = 0
    for chunk in exports.export_chunks(reader, plan):
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return lines - 1, size


def child(url: str, mode: str, case: str) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    query = ExportQuery.model_validate({**CASES[case], "start": START, "end": END})
    before = rss_mb()
    started = time.perf_counter()
    with factory() as session, factory() as reader:
        rows, size = (
            streamed(session, reader, query) if mode == "streamed" else whole_file(session, query)
        )
    seconds = time.perf_counter() - started
    return {"rows": rows, "bytes": size, "seconds": seconds, "rss": rss_mb(), "base": before}


def in_child(url: str, mode: str, case: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, mode, case],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = load()
    return result


def run(url: str, rounds: int) -> None:
    print(
        f"{'case':14} {'mode':9} {'rows':>8} {'MB':>6} {'s':>6} {'rows/s':>9} {'RSS MB':>7} "
        f"{'(base)':>7}  load"
    )
    for case in CASES:
        time_ratios, rss_ratios = [], []
        for _ in range(rounds):
            got = {mode: in_child(url, mode, case) for mode in ("streamed", "whole")}
            for mode, r in got.items():
                print(
                    f"{case:14} {mode:9} {r['rows']:>8,} {r['bytes'] / 1e6:>6.1f} "
                    f"{r['seconds']:>6.2f} {r['rows'] / r['seconds']:>9,.0f} {r['rss']:>7.0f} "
                    f"{r['base']:>7.0f}  {r['load']}"
                )
            time_ratios.append(got["whole"]["seconds"] / got["streamed"]["seconds"])
            rss_ratios.append(
                (got["whole"]["rss"] - got["whole"]["base"])
                / max(got["streamed"]["rss"] - got["streamed"]["base"], 1.0)
            )
        print(
            f"{case:14} ratio whole/streamed: time {statistics.median(time_ratios):.2f} "
            f"({', '.join(f'{r:.2f}' for r in time_ratios)}), RSS above imports "
            f"{statistics.median(rss_ratios):.2f}"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(argv[1], argv[2], argv[3])))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="beijing-multisite folder")
    parser.add_argument("--url", default=None, help="a database already holding the data")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    if args.url:
        run(args.url, args.rounds)
        return 0
    directory = args.dir or demo.history_dir()
    if directory is None or not directory.is_dir():
        print("Beijing multi-site data not found: pass --dir or set JJJ_SHARED_DIR")
        return 2
    with tempfile.TemporaryDirectory() as name:
        url = f"sqlite:///{Path(name) / 'bench.db'}"
        started = time.perf_counter()
        prepare(url, directory)
        print(f"loaded {directory} in {time.perf_counter() - started:.1f} s ({load()})")
        run(url, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
