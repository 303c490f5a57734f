"""How long the sources loader holds SQLite's write lock per batch, and how long another writer
waits for it.

    uv run python benchmarks/bench_sources_sqlite_lock.py [--frames N] [--batch N]

A fresh SQLite database in a temporary directory, migrated like production, with the loggers of
the Hebei corpus registered (as ``bench_sources_loader.py`` does); the first N frames go through
``BatchLoader.load`` (parse, prepare, store, commit: the loader without NATS) in batches. Per
batch: the lock hold, from the transaction's first write statement to the return after the
commit. Meanwhile a probe on a connection of its own runs ``BEGIN IMMEDIATE`` (then ``COMMIT``)
every 0.3 s, as a web write (a login, an audit entry) would: its wait for the lock. Prints
p50/p90/max of both and the load average (other work on the machine lengthens both).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sources_loader import CORPUS, read_corpus, register_loggers

PROBE_EVERY_SECONDS = 0.3


def quantiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.5):.0f} ms, p90 {at(0.9):.0f} ms, max {1000 * ordered[-1]:.0f} ms"


def run(path: Path, frame_count: int, batch: int) -> None:
    from jingjinji import bootstrap
    from jingjinji.db import make_engine, make_session_factory
    from jingjinji.sources.loader.batch import StreamMessage
    from jingjinji.sources.loader.pipeline import BatchLoader

    frames = read_corpus(frame_count)
    if not frames:
        print(f"no corpus at {CORPUS}: nothing to measure")
        return
    engine = make_engine(f"sqlite:///{path}")
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    register_loggers(factory, frames)
    received = dt.datetime(2016, 8, 24, 12, tzinfo=dt.UTC)
    messages = [
        StreamMessage(i + 1, "bench.130000.x", frame, received, "gw-bench")
        for i, frame in enumerate(frames)
    ]
    first_write: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def note_first_write(*args: Any) -> None:
        statement = str(args[2]).lstrip().upper()
        if not first_write and statement.startswith(("INSERT", "UPDATE", "DELETE")):
            first_write.append(time.perf_counter())

    waits: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        other = sqlite3.connect(path, timeout=30, isolation_level=None)
        while not stop.is_set():
            started = time.perf_counter()
            other.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - started)
            other.execute("COMMIT")
            stop.wait(PROBE_EVERY_SECONDS)
        other.close()

    loader = BatchLoader(factory, stats_prefix="bench.stats.")
    holds: list[float] = []
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    prober = threading.Thread(target=probe)
    prober.start()
    started = time.perf_counter()
    try:
        for i in range(0, len(messages), batch):
            first_write.clear()
            loader.load(messages[i : i + batch])
            holds.append(time.perf_counter() - first_write[0])
    finally:
        stop.set()
        prober.join()
    elapsed = time.perf_counter() - started
    print(
        f"{len(frames)} frames in {len(holds)} batches of {batch}, {elapsed:.1f} s, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"lock held per batch: {quantiles(holds)}; in all {sum(holds):.1f} s")
    print(f"probe writer's wait ({len(waits)} probes): {quantiles(waits)}")
    engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jjj-bench-lock-") as tmp:
        run(Path(tmp) / "bench.db", args.frames, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
