"""Benchmark the Beijing multi-site importer on SQLite and PostgreSQL vs a bare bulk load.

    uv run python benchmarks/bench_ingest.py [--dir DIR] [--pg-url URL] [--skip-pg]

For each backend a fresh, migrated database (``bootstrap.prepare_database``) gets the demo
organisations and the station registry, then:

1. importer: ``importer.import_beijing_multisite`` on all 12 files (CSV parse, validation,
   staging, set-based merge; daily statistics off) -> rows/s;
2. daily: the GB 3095 daily statistics of the 12 stations (``service.recompute_all``);
3. re-run: the importer again on the same files (idempotent: nothing inserted);
4. bare: the same rows (already parsed, in memory) into a plain table of identical columns
   (no keys, no indexes): SQLite ``executemany``, PostgreSQL ``COPY`` -> rows/s.

Prints rows/s and the ratio importer/bare (1.0 = as fast as a bare bulk load).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from jingjinji import bootstrap
from jingjinji.air import demo, importer, ingest, service
from jingjinji.air.models import NUMERIC
from jingjinji.db import make_engine, make_session_factory
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.security import SYSTEM_ACTOR

PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def parsed_rows(directory: Path) -> pl.DataFrame:
    """All rows of the dataset in stored form (UTC, CO mg/m3), as the importer stages them."""
    frames = [ingest.uci_frame(importer.read_file(p))[0] for p in importer.data_files(directory)]
    return pl.concat(frames).drop("row")


def bare_load(engine: Engine, frame: pl.DataFrame) -> float:
    """Seconds to bulk-load the frame into a plain table of identical columns."""
    pg = engine.dialect.name == "postgresql"
    numeric = ", ".join(f"{c} {'double precision' if pg else 'FLOAT'}" for c in NUMERIC)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_bare"))
        conn.execute(
            text(
                f"CREATE TABLE bench_bare (station_code VARCHAR(10), ts "
                f"{'timestamp' if pg else 'DATETIME'}, {numeric}, wd VARCHAR(4))"
            )
        )
    data = frame.select(
        "station_code",
        pl.col("ts").dt.replace_time_zone(None).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"),
        *NUMERIC,
        "wd",
    )
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:
            buffer = io.BytesIO()
            data.write_csv(buffer, include_header=False, null_value="")
            with cur.copy("COPY bench_bare FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" for _ in data.columns)
            cur.executemany(f"INSERT INTO bench_bare VALUES ({marks})", data.rows())
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def run_backend(name: str, url: str, directory: Path, frame: pl.DataFrame) -> dict[str, float]:
    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        regions_demo.load(session, DemoContext())
        service.load_stations(session)
        session.commit()

    def import_once() -> importer.ImportSummary:
        with factory() as session:
            summary = importer.import_beijing_multisite(
                session, directory, actor=SYSTEM_ACTOR, recompute=False
            )
            session.commit()
        return summary

    def daily() -> int:
        with factory() as session:
            count = service.recompute_all(session)
            session.commit()
        return count

    t_import, summary = timed(import_once)
    t_daily, days = timed(daily)
    t_rerun, rerun = timed(import_once)
    t_bare = bare_load(engine, frame)
    engine.dispose()
    rows = summary.rows
    result = {
        "rows": rows,
        "import_s": t_import,
        "import_rps": rows / t_import,
        "daily_s": t_daily,
        "station_days": days,
        "rerun_s": t_rerun,
        "rerun_inserted": rerun.inserted,
        "bare_s": t_bare,
        "bare_rps": rows / t_bare,
        "ratio": t_bare / t_import,
    }
    print(
        f"{name:10s} importer {rows:,} rows in {t_import:6.2f}s = {rows / t_import:9,.0f} rows/s"
        f" | bare {'COPY' if name == 'postgresql' else 'executemany'} {t_bare:5.2f}s = "
        f"{rows / t_bare:9,.0f} rows/s | importer/bare speed ratio {t_bare / t_import:5.2f}"
        f" (bare is {t_import / t_bare:4.1f}x faster)"
    )
    print(
        f"{'':10s} daily statistics {days:,} station-days in {t_daily:5.2f}s | "
        f"idempotent re-run {t_rerun:5.2f}s, inserted {rerun.inserted}, updated "
        f"{rerun.updated}, unchanged {rerun.unchanged:,}"
    )
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="beijing-multisite folder")
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args(argv)
    directory = args.dir or demo.history_dir()
    if directory is None or not directory.is_dir():
        print("Beijing multi-site data not found: pass --dir or set JJJ_SHARED_DIR")
        return 2
    t_parse, frame = timed(lambda: parsed_rows(directory))
    print(f"data: {directory} ({frame.height:,} rows; parse + normalise {t_parse:.2f}s)")
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", directory, frame)
    if args.skip_pg:
        return 0
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"jjj_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: say so, SQLite numbers stand
        print(f"postgresql: not available ({str(exc).splitlines()[0]})")
        return 0
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        run_backend("postgresql", url, directory, frame)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
