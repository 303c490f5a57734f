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

Two more cases, in the same database, stream the stored values of the other domains (synthetic
rows, bulk-inserted; ``--rows`` each): **sources values** (one logger's hourly values of ten
factors, ``values_export``) and **water samples** (one section's 4-hourly values of ten items,
``samples.export``); their baseline is what those exports did before (one query for every row,
one frame, the same CSV for people in one buffer; refused past 1,000,000 rows then).
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
#: The sources and water cases (their data is synthetic, made by :func:`prepare_values`).
VALUE_CASES = ("sources values", "water samples")
VALUE_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FACTORS = tuple(f"w{n:05d}" for n in range(10))
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


def prepare_values(url: str, rows: int) -> None:
    """A logger (enterprise, outlet) and a water section, and ``rows`` synthetic values of
    each, bulk-inserted (a benchmark's data, not a test's)."""
    from sqlalchemy import insert

    from jingjinji.credit.kernels.uscc import synthetic_uscc
    from jingjinji.sources.models import OutletKind, Value
    from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn, OutletIn
    from jingjinji.sources.service import registry
    from jingjinji.water.models import Sample, Section

    factory = make_session_factory(make_engine(url))
    with factory() as session:
        enterprise = registry.save_enterprise(
            session,
            actor=SYSTEM_ACTOR,
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "130100", 9),
                name_zh="基准企业",
                name_en="Benchmark enterprise",
                jurisdiction_code="130000",
                city_code="130100",
                synthetic=True,
            ),
        )
        outlet = registry.save_outlet(
            session,
            actor=SYSTEM_ACTOR,
            enterprise_id=enterprise.id,
            data=OutletIn.model_validate(
                {
                    "code": "DW001",
                    "name_zh": "基准排放口",
                    "name_en": "Benchmark outlet",
                    "kind": OutletKind.WASTEWATER,
                    "longitude": 114.5,
                    "latitude": 38.0,
                }
            ),
        )
        logger = registry.save_logger(
            session,
            actor=SYSTEM_ACTOR,
            outlet_id=outlet.id,
            data=LoggerIn.model_validate(
                {"mn": "BENCH-W-001", "password": "123456", "protocol_version": 2017, "st": "32"}
            ),
        )
        session.add(
            Section(
                code="BENCH-01",
                name_zh="基准断面",
                name_en="Benchmark section",
                river_zh="北运河",
                river_en="North Canal",
                river_system="north_three_rivers",
                kind="provincial",
                longitude=116.8,
                latitude=39.8,
                jurisdiction_code="110000",
            )
        )
        session.commit()
        for first in range(0, rows, 50_000):
            numbers = range(first, min(first + 50_000, rows))
            session.execute(
                insert(Value),
                [
                    {
                        "logger_id": logger.id,
                        "cn": 2061,
                        "data_time": VALUE_START + dt.timedelta(hours=n // len(FACTORS)),
                        "factor": FACTORS[n % len(FACTORS)],
                        "avg": 40.0 + (n % 97) / 7,
                        "min": 30.0,
                        "max": 70.123,
                        "flag": "N",
                    }
                    for n in numbers
                ],
            )
            session.execute(
                insert(Sample),
                [
                    {
                        "section_code": "BENCH-01",
                        "sampled_at": VALUE_START + dt.timedelta(hours=4 * (n // len(FACTORS))),
                        "kind": "automatic",
                        "item": FACTORS[n % len(FACTORS)],
                        "value": 1.0 + (n % 89) / 13,
                        "recorded_by": "bench",
                    }
                    for n in numbers
                ],
            )
            session.commit()


def value_file(session: Any, reader: Any, case: str, mode: str) -> tuple[int, int]:
    """A sources or water export of every row: streamed, or whole (one query, one frame, one
    CSV buffer of the same CSV for people, as the export was before it streamed)."""
    from sqlalchemy import select

    from jingjinji import streaming
    from jingjinji.sources.models import Logger, Value
    from jingjinji.sources.service import values_export
    from jingjinji.sources.service.data import VALUE_COLUMNS
    from jingjinji.water.models import Sample
    from jingjinji.water.service.samples import export as samples_export

    end = VALUE_START + dt.timedelta(days=365 * 200)
    if case == "sources values":
        plan = values_export.plan_export(
            session, actor=SYSTEM_ACTOR, start=VALUE_START, end=end, mn="BENCH-W-001"
        )
        session.commit()
        if mode == "streamed":
            return _drained(values_export.export_chunks(reader, plan))
        schema = values_export.EXPORT_SCHEMA
        columns = [getattr(Value, name) for name in VALUE_COLUMNS]
        stmt = (
            select(Logger.mn, Logger.outlet_id, *columns)
            .join(Logger, Logger.id == Value.logger_id)
            .order_by(Logger.mn, Value.cn, Value.data_time, Value.factor)
        )
    else:
        plan_w = samples_export.plan_export(start=VALUE_START, end=end)
        if mode == "streamed":
            return _drained(samples_export.export_chunks(reader, plan_w))
        schema = samples_export.EXPORT_SCHEMA
        stmt = select(*[getattr(Sample, n) for n in schema]).order_by(
            Sample.section_code, Sample.sampled_at, Sample.kind, Sample.item
        )
    rows = session.execute(stmt).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    # The same CSV for people, written from the whole frame into one buffer.
    buffer = b"".join(streaming.frame_csv_chunks([frame], chunk_rows=max(frame.height, 1)))
    return frame.height, len(buffer)


def _drained(chunks: Any) -> tuple[int, int]:
    size = lines = 0
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return lines - 1, size


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
    before = rss_mb()
    started = time.perf_counter()
    with factory() as session, factory() as reader:
        if case in VALUE_CASES:
            rows, size = value_file(session, reader, case, mode)
        else:
            query = ExportQuery.model_validate({**CASES[case], "start": START, "end": END})
            rows, size = (
                streamed(session, reader, query)
                if mode == "streamed"
                else whole_file(session, query)
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


def run(url: str, rounds: int, cases: tuple[str, ...] = (*CASES, *VALUE_CASES)) -> None:
    print(
        f"{'case':14} {'mode':9} {'rows':>8} {'MB':>6} {'s':>6} {'rows/s':>9} {'RSS MB':>7} "
        f"{'(base)':>7}  load"
    )
    for case in cases:
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
    parser.add_argument("--rows", type=int, default=1_200_000, help="sources and water rows")
    parser.add_argument(
        "--values-only", action="store_true", help="only the sources and water cases"
    )
    args = parser.parse_args(argv)
    if args.values_only:
        with tempfile.TemporaryDirectory() as name:
            url = f"sqlite:///{Path(name) / 'bench.db'}"
            engine = make_engine(url)
            bootstrap.prepare_database(engine)
            with make_session_factory(engine)() as session:
                regions_demo.load(session, DemoContext())
                session.commit()
            started = time.perf_counter()
            prepare_values(url, args.rows)
            print(f"made {args.rows:,} rows each in {time.perf_counter() - started:.1f} s")
            run(url, args.rounds, VALUE_CASES)
        return 0
    if args.url:
        run(args.url, args.rounds, tuple(CASES))  # a database of the air data only
        return 0
    directory = args.dir or demo.history_dir()
    if directory is None or not directory.is_dir():
        print("Beijing multi-site data not found: pass --dir or set JJJ_SHARED_DIR")
        return 2
    with tempfile.TemporaryDirectory() as name:
        url = f"sqlite:///{Path(name) / 'bench.db'}"
        started = time.perf_counter()
        prepare(url, directory)
        prepare_values(url, args.rows)
        print(f"loaded {directory} in {time.perf_counter() - started:.1f} s ({load()})")
        run(url, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
