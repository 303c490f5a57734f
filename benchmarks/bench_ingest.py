"""Benchmark the Beijing multi-site importer and the daily statistics against bulk baselines.

    uv run python benchmarks/bench_ingest.py [--dir DIR] [--pg-url URL] [--skip-pg]
                                             [--skip-sqlite] [--copies N] [--rounds N]

For each backend, ``--rounds`` times (default 3), a fresh, migrated database
(``bootstrap.prepare_database``) gets the demo organisations and the station registry, then, in
this order:

1. importer: ``importer.import_beijing_multisite`` on every file of the folder (CSV parse,
   validation, locks, set-based merge; daily statistics off), in a child process so that its
   peak memory (RSS) is its own;
2. bulk baseline: the same CSV files parsed by polars (times converted to UTC, CO to mg/m3,
   station names to codes: the minimum to store the same rows) and loaded into
   ``bench_observations``, a table with the same columns, primary key, ``ts`` index and foreign
   key as ``air_observations``: SQLite ``executemany``, PostgreSQL ``COPY``, one transaction;
3. daily: the GB 3095 daily statistics of every station (``service.recompute_all``);
4. daily baseline: one SQL ``GROUP BY`` station and local date over the same rows, writing
   the daily means (and counts, min/max temperature, rain sum) into a table;
5. re-run (last round only): the importer again on the same files (idempotent: nothing
   inserted).

Ratios are baseline time / our time (1.0 = as fast as the baseline), each pair measured back
to back, per round and as the median of the rounds; the load average (``os.getloadavg()``) is
printed beside every measurement: on a shared machine a ratio is only as good as the load it
ran under. Nothing here asserts on time.

``--copies N`` adds N copies of every file shifted back by 4, 8, ... years (same weekdays of
the leap cycle) to measure how the import scales with the input (N=11: 5,049,216 rows).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from jingjinji import bootstrap
from jingjinji.air import demo, importer, service
from jingjinji.air.models import NUMERIC, Observation
from jingjinji.db import make_engine, make_session_factory
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.security import SYSTEM_ACTOR

PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHINA_OFFSET = pl.duration(hours=8)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f}"


def shifted_copies(directory: Path, target: Path, copies: int) -> Path:
    """The files of ``directory`` plus ``copies`` copies shifted back 4, 8, ... years."""
    for path in importer.data_files(directory):
        (target / path.name).write_bytes(path.read_bytes())
        frame = pl.read_csv(path, infer_schema_length=0)
        for k in range(1, copies + 1):
            shifted = frame.with_columns((pl.col("year").cast(pl.Int64) - 4 * k).cast(pl.Utf8))
            shifted.write_csv(target / f"{path.stem}_shift{k}.csv")
    return target


# --------------------------------------------------------------------------- baselines


def bulk_table(engine: Engine) -> None:
    """``bench_observations``: the DDL of ``air_observations`` under another name."""
    table = Observation.metadata.tables["air_observations"]
    ddl = [str(CreateTable(table).compile(engine))]
    ddl += [str(CreateIndex(index).compile(engine)) for index in table.indexes]
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_observations"))
        for statement in ddl:
            conn.execute(text(statement.replace("air_observations", "bench_observations")))


def bulk_load(engine: Engine, directory: Path) -> float:
    """Seconds to parse the CSV files and bulk-load their rows into ``bench_observations``."""
    codes = service.uci_station_codes()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    pg = engine.dialect.name == "postgresql"
    columns = ["station_code", "ts", *NUMERIC, "wd", "version", "recorded_at", "recorded_by"]
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        cur = dbapi.cursor()
        for path in importer.data_files(directory):
            frame = importer.read_file(path)
            local = pl.datetime("year", "month", "day", "hour")
            rows = frame.select(
                pl.col("station").replace_strict(codes, return_dtype=pl.Utf8),
                (local - CHINA_OFFSET).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"),
                *(pl.col(source) for source in importer.NUMERIC_SOURCE[:4]),
                pl.col("CO") * 0.001,  # as the importer converts ug/m3 to mg/m3
                *(pl.col(source) for source in importer.NUMERIC_SOURCE[5:]),
                pl.col("wd"),
                pl.lit(1).alias("version"),
                pl.lit(stamp).alias("recorded_at"),
                pl.lit("bench").alias("recorded_by"),
            )
            rows.columns = columns
            if pg:
                buffer = io.BytesIO()
                rows.write_csv(buffer, include_header=False, null_value="")
                statement = (
                    f"COPY bench_observations ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
                )
                with cur.copy(statement) as copy:
                    copy.write(buffer.getvalue())
            else:
                marks = ", ".join("?" for _ in columns)
                cur.executemany(
                    f"INSERT INTO bench_observations ({', '.join(columns)}) VALUES ({marks})",
                    rows.iter_rows(),
                )
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def same_rows(engine: Engine) -> bool:
    """Whether the bulk load stored exactly the importer's values (a check, not a timing)."""
    columns = ", ".join(("station_code", "ts", *NUMERIC, "wd"))
    with engine.connect() as conn:
        differing = conn.execute(
            text(
                f"SELECT count(*) FROM (SELECT {columns} FROM air_observations EXCEPT "
                f"SELECT {columns} FROM bench_observations) AS d"
            )
        ).scalar()
    return differing == 0


def daily_baseline(engine: Engine) -> float:
    """Seconds for one GROUP BY station and local date over the stored hours, into a table."""
    pg = engine.dialect.name == "postgresql"
    day = "CAST(ts + interval '8 hours' AS date)" if pg else "date(ts, '+8 hours')"
    means = ", ".join(f"avg({c}) AS {c}, count({c}) AS n_{c}" for c in NUMERIC)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_daily"))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE bench_daily AS SELECT station_code, {day} AS date, {means}, "
                "min(temp) AS temp_min, max(temp) AS temp_max, sum(rain) AS rain_sum "
                f"FROM air_observations GROUP BY station_code, {day}"
            )
        )
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the importer


def import_once(url: str, directory: Path) -> dict[str, Any]:
    """The importer, in this process; returns its counts, seconds and peak RSS."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    with factory() as session:
        summary = importer.import_beijing_multisite(
            session, directory, actor=SYSTEM_ACTOR, recompute=False, verify=False
        )
        session.commit()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "rows": summary.rows,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def import_in_child(url: str, directory: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child-import", url, str(directory)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def fresh_database(backend: str, tmp: Path, admin_url: str) -> Iterator[str | None]:
    """A new empty database (None when PostgreSQL does not answer); dropped afterwards."""
    if backend == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        for leftover in tmp.glob(f"{path.name}*"):
            leftover.unlink()
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"jjj_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: say so, SQLite numbers stand
        print(f"postgresql: not available ({str(exc).splitlines()[0]})")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def one_round(url: str, directory: Path, *, rerun: bool) -> dict[str, Any]:
    """Importer vs bulk load, daily statistics vs GROUP BY, on a fresh database; with
    ``rerun`` the importer once more at the end."""
    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        regions_demo.load(session, DemoContext())
        service.load_stations(session)
        session.commit()
    bulk_table(engine)

    def daily() -> int:
        with factory() as session:
            count = service.recompute_all(session)
            session.commit()
        return count

    out: dict[str, Any] = {"import": import_in_child(url, directory), "load_import": load()}
    out["bulk_s"] = bulk_load(engine, directory)
    out["load_bulk"] = load()
    out["identical"] = same_rows(engine)
    out["daily_s"], out["days"] = timed(daily)
    out["load_daily"] = load()
    out["group_s"] = daily_baseline(engine)
    out["load_group"] = load()
    if rerun:
        out["rerun"] = import_in_child(url, directory)
        out["load_rerun"] = load()
    engine.dispose()
    return out


def report(name: str, rounds: list[dict[str, Any]]) -> None:
    bulk = "COPY" if name == "postgresql" else "executemany"
    for n, r in enumerate(rounds, start=1):
        rows, t_import = r["import"]["rows"], r["import"]["seconds"]
        print(
            f"{name} round {n}: importer {rows:,} rows {t_import:6.2f}s = "
            f"{rows / t_import:9,.0f} rows/s ({t_import / rows * 1e6:4.1f} us/row, peak RSS "
            f"{r['import']['peak_rss_mb']:,.0f} MB; {r['load_import']})\n"
            f"    bulk {bulk} into the same schema {r['bulk_s']:6.2f}s "
            f"({r['load_bulk']}; same values: {r['identical']}) "
            f"-> importer/bulk {r['bulk_s'] / t_import:4.2f}\n"
            f"    daily statistics {r['days']:,} station-days {r['daily_s']:6.2f}s "
            f"({r['load_daily']}); one GROUP BY {r['group_s']:5.2f}s ({r['load_group']}) "
            f"-> daily/GROUP BY {r['group_s'] / r['daily_s']:4.2f}"
        )
    ratios = [r["bulk_s"] / r["import"]["seconds"] for r in rounds]
    daily = [r["group_s"] / r["daily_s"] for r in rounds]
    print(
        f"{name}: median importer/bulk speed ratio {statistics.median(ratios):4.2f} "
        f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)}); median daily/GROUP BY "
        f"{statistics.median(daily):4.2f} (rounds: {', '.join(f'{x:.2f}' for x in daily)})"
    )
    again = rounds[-1]["rerun"]
    print(
        f"{name}: idempotent re-run {again['seconds']:6.2f}s: inserted {again['inserted']}, "
        f"updated {again['updated']}, unchanged {again['unchanged']:,} "
        f"({rounds[-1]['load_rerun']})"
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child-import"]:
        print(json.dumps(import_once(argv[1], Path(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="beijing-multisite folder")
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--copies", type=int, default=0, help="shifted copies of every file")
    parser.add_argument("--rounds", type=int, default=3, help="fresh databases per backend")
    args = parser.parse_args(argv)
    directory = args.dir or demo.history_dir()
    if directory is None or not directory.is_dir():
        print("Beijing multi-site data not found: pass --dir or set JJJ_SHARED_DIR")
        return 2
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.copies:
            (tmp / "data").mkdir()
            directory = shifted_copies(directory, tmp / "data", args.copies)
        print(f"data: {directory} ({len(importer.data_files(directory))} files; {load()})")
        backends = (("sqlite", args.skip_sqlite), ("postgresql", args.skip_pg))
        for backend in (b for b, skip in backends if not skip):
            rounds = []
            for n in range(args.rounds):
                with fresh_database(backend, tmp, args.pg_url) as url:
                    if url is None:
                        break
                    rounds.append(one_round(url, directory, rerun=n == args.rounds - 1))
            if rounds:
                report(backend, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
