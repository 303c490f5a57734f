"""Benchmark SQLite's ``PRAGMA synchronous=FULL`` (durable commits) against ``NORMAL``.

    uv run python benchmarks/bench_sqlite_sync.py [--commits N] [--bulk-rows N] [--rounds N]
                                                  [--dir DIR]

In WAL mode ``NORMAL`` syncs the disk only at checkpoints: a commit acknowledged to a client
can be lost on a power failure. ``FULL`` syncs the WAL at every commit. Both settings run through
the platform's own engine (``jingjinji.db.make_engine``: WAL, foreign keys, busy timeout), in
the same run, on fresh database files in ``--dir`` (default ``var/bench-sqlite``: on the disk
the embedded database uses, not a tmpfs, where a sync costs nothing). Two workloads:

- commits: N small transactions, each one INSERT of an audit-sized row and a COMMIT (what an API
  write does);
- bulk: one import of M rows in transactions of 5,000 rows (what ``jjj air import`` does).

The settings alternate in each round (NORMAL first in odd rounds, FULL first in even ones) so
that drift in the machine's load skews both alike; each round prints its timings with the load
average, and the summary the median per setting and the ratio FULL / NORMAL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from jingjinji.db import make_engine

SETTINGS = ("NORMAL", "FULL")
BULK_CHUNK = 5_000
PAYLOAD = "x" * 200  # about one audit entry's detail


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f}"


def fresh_engine(directory: Path, setting: str, round_no: int) -> Engine:
    path = directory / f"sync-{setting.lower()}-{round_no}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}", sqlite_synchronous=setting)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, body TEXT)")
        )
        conn.execute(text("CREATE INDEX ix_bench_rows_ts ON bench_rows (ts)"))
    with engine.connect() as conn:  # the pragma really is in force
        level = conn.execute(text("PRAGMA synchronous")).scalar_one()
        assert level == {"NORMAL": 1, "FULL": 2}[setting], (setting, level)
    return engine


def small_commits(engine: Engine, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_rows (ts, body) VALUES (:ts, :body)"),
                {"ts": f"2026-12-01T00:00:{i:09d}", "body": PAYLOAD},
            )
    return time.perf_counter() - started


def bulk_import(engine: Engine, rows: int) -> float:
    started = time.perf_counter()
    for start in range(0, rows, BULK_CHUNK):
        batch = [
            {"ts": f"2013-03-01T{i:012d}", "body": PAYLOAD}
            for i in range(start, min(start + BULK_CHUNK, rows))
        ]
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_rows (ts, body) VALUES (:ts, :body)"), batch)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--bulk-rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("var/bench-sqlite"))
    args = parser.parse_args(argv)
    directory: Path = args.dir
    directory.mkdir(parents=True, exist_ok=True)
    commits: dict[str, list[float]] = {s: [] for s in SETTINGS}
    bulk: dict[str, list[float]] = {s: [] for s in SETTINGS}
    print(f"{args.commits} small commits, {args.bulk_rows} rows bulk, in {directory.resolve()}")
    try:
        for round_no in range(1, args.rounds + 1):
            order = SETTINGS if round_no % 2 else tuple(reversed(SETTINGS))
            for setting in order:
                engine = fresh_engine(directory, setting, round_no)
                try:
                    c = small_commits(engine, args.commits)
                    b = bulk_import(engine, args.bulk_rows)
                finally:
                    engine.dispose()
                commits[setting].append(c)
                bulk[setting].append(b)
                print(
                    f"round {round_no} {setting:6s}: commits {c:7.3f} s "
                    f"({args.commits / c:8.0f}/s, {c / args.commits * 1e3:6.3f} ms each)  "
                    f"bulk {b:6.3f} s ({args.bulk_rows / b:8.0f} rows/s)  {load()}"
                )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    med = {s: (statistics.median(commits[s]), statistics.median(bulk[s])) for s in SETTINGS}
    for s in SETTINGS:
        c, b = med[s]
        print(
            f"median {s:6s}: {c / args.commits * 1e3:6.3f} ms per commit, "
            f"bulk {args.bulk_rows / b:8.0f} rows/s"
        )
    print(
        f"ratio FULL/NORMAL: commits {med['FULL'][0] / med['NORMAL'][0]:.2f}x, "
        f"bulk {med['FULL'][1] / med['NORMAL'][1]:.2f}x  ({load()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
