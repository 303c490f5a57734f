"""Benchmark the start-up of the `jjj` command line.

    uv run python benchmarks/bench_cli_startup.py [--runs N]

Times (median of N runs, each a fresh process) ``jjj --help`` and a few ``--help``s of groups
and commands, against ``python -c pass`` run in the same loop (the interpreter's own start-up:
the floor no command can go under). Runs are interleaved, so a change in the machine's load
hits every command alike. Prints the absolute milliseconds, the ratio to the floor and the load
average before and after; exits 1 if a command fails. ``tests/test_cli.py`` checks the cause
(no heavy library imported by ``--help``); this script shows the time an operator waits.

The commands run with a bytecode cache in a temporary folder (``PYTHONPYCACHEPREFIX``), even
where ``PYTHONDONTWRITEBYTECODE`` is set: an installed ``jjj`` has its ``.pyc`` files, and
compiling every module from source would be timed instead. ``jjj`` is run as
``python -c "from jingjinji.cli import app; app()"`` (what the console script does), so
``PYTHONPATH=<another checkout>/src`` times that checkout's command line instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

JJJ = [sys.executable, "-c", "from jingjinji.cli import app; app()"]

CASES: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "jjj --help": [*JJJ, "--help"],
    "jjj air --help": [*JJJ, "air", "--help"],
    "jjj air daily --help": [*JJJ, "air", "daily", "--help"],
    "jjj air forecast train --help": [*JJJ, "air", "forecast", "train", "--help"],
    "jjj progress report --help": [*JJJ, "progress", "report", "--help"],
    "jjj catalog list --help": [*JJJ, "catalog", "list", "--help"],
}


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # not on every platform
        return "n/a"


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args(argv)
    print(f"jjj: {' '.join(JJJ)}; {args.runs} runs each; load average {load_average()}")
    times: dict[str, list[float]] = {name: [] for name in CASES}
    with tempfile.TemporaryDirectory(prefix="bench-cli-pycache-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for argv_ in CASES.values():  # warm the file cache and the bytecode once
            run_once(argv_, env)
        for _ in range(args.runs):
            for name, argv_ in CASES.items():
                times[name].append(run_once(argv_, env))
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<32} {'median ms':>10} {'min ms':>8} {'x pass':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<32} {median * 1000:>10.0f} {min(values) * 1000:>8.0f} {median / floor:>8.1f}"
        )
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
