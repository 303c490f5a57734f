"""Benchmark the sources loader against a bare COPY of the same rows on PostgreSQL.

    uv run python benchmarks/bench_sources_loader.py [--frames N] [--batch N] [--pg-url URL]

Creates its own database on PostgreSQL (127.0.0.1:5432 unless ``JJJ_TEST_PG_URL`` or ``--pg-url``
says otherwise), migrated like production, and drops it at the end; the loggers of the real
Hebei corpus (``../shared/data/hj212``, 2016-08-24, 2005-era traffic) are registered, and the
first N frames of it are the input. Three runs over the same rows:

- bare: ``COPY`` of the packet and value rows into unindexed, unpartitioned copies of
  ``source_packets`` and ``source_values`` (``CREATE TABLE ... (LIKE ...)``: no key, no index),
  one transaction per batch; what the database does at least, with nothing around it;
- store: ``store_batch`` on the same prepared batches (parsing done beforehand): COPY into the
  staging tables, ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` into the partitioned tables
  with their keys, last seen, the batch row, its audit entry, the detection job, the commit;
- end to end: the frames published to a JetStream stream of its own (not timed), then the real
  loader (``consume``: fetch, parse, resolve, store, commit, acknowledge) from the first fetch
  until the stream is drained.

Prints rows/s (packet rows + value rows), the ratios to the bare COPY (the target is >= 0.5 for
the store step) and the load average (other work on the machine skews both sides alike).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.loader.batch import PreparedBatch, StreamMessage

PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NATS_URL = os.environ.get("JJJ_NATS_URL", "nats://127.0.0.1:4222")
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hj212"
STATS_PREFIX = "bench.stats."


def read_corpus(limit: int) -> list[bytes]:
    """The corpus' frames in file order (CRLF stripped, as the gateway publishes them)."""
    frames: list[bytes] = []
    for path in sorted(CORPUS.glob("*/*.h212")):
        for line in path.read_bytes().split(b"\r\n"):
            if line.startswith(b"##"):
                frames.append(line)
                if len(frames) >= limit:
                    return frames
    return frames


def register_loggers(factory: sessionmaker[Session], frames: list[bytes]) -> None:
    """Every MN of the corpus as a logger of one synthetic Hebei enterprise."""
    from jingjinji.credit.kernels.uscc import synthetic_uscc
    from jingjinji.db import session_scope
    from jingjinji.regions import service as regions
    from jingjinji.sources.kernels import parse_packet
    from jingjinji.sources.models import Enterprise, Logger, Outlet

    mns = sorted({p.mn for p in map(parse_packet, frames) if p.valid and p.mn})
    with session_scope(factory) as session:
        regions.load_region(session)
        enterprise = Enterprise(
            uscc=synthetic_uscc("91", "130100", 1),
            name_zh="基准企业",
            jurisdiction_code="130000",
            synthetic=True,
        )
        session.add(enterprise)
        session.flush()
        outlet = Outlet(
            enterprise_id=enterprise.id,
            code="DW001",
            name_zh="排放口",
            kind="wastewater",
            longitude=114.5,
            latitude=38.0,
        )
        session.add(outlet)
        session.flush()
        session.add_all(
            Logger(mn=mn, password="123456", protocol_version=2005, outlet_id=outlet.id, st="32")
            for mn in mns
        )


def prepared_batches(
    factory: sessionmaker[Session], frames: list[bytes], batch: int
) -> list[PreparedBatch]:
    from jingjinji.sources.loader.batch import parse_messages, prepare
    from jingjinji.sources.loader.pipeline import LoggerIds

    ids = LoggerIds(factory)
    now = dt.datetime.now(dt.UTC)
    out = []
    for start in range(0, len(frames), batch):
        messages = [
            StreamMessage(start + i + 1, "bench.130000.x", f, now, "bench")
            for i, f in enumerate(frames[start : start + batch])
        ]
        parsed = parse_messages(messages, STATS_PREFIX)
        resolved = ids.resolve({p.mn for p in parsed.values() if p.valid and p.mn})
        out.append(prepare(messages, parsed, resolved, stats_prefix=STATS_PREFIX, now=now))
    return out


def rows_of(batches: list[PreparedBatch]) -> int:
    return sum(len(b.packets) + len(b.values) for b in batches)


def time_bare(engine: Engine, batches: list[PreparedBatch]) -> float:
    from jingjinji.sources.loader.store import PACKET_COLUMNS, VALUE_ROW_COLUMNS

    def naive(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bare_packets (LIKE source_packets)"))
        conn.execute(text("CREATE TABLE bare_values (LIKE source_values)"))
    raw = engine.raw_connection()
    try:
        dbapi: Any = raw.driver_connection
        started = time.perf_counter()
        for b in batches:
            with dbapi.cursor() as cur:
                with cur.copy(
                    f"COPY bare_packets ({', '.join(PACKET_COLUMNS)}, batch_id) FROM STDIN"
                ) as copy:
                    for r in b.packets:
                        copy.write_row((r[0], r[1], naive(r[2]), *r[3:5], naive(r[5]), r[6], 1))
                with cur.copy(
                    f"COPY bare_values ({', '.join(VALUE_ROW_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for v in b.values:
                        copy.write_row((v[0], v[1], naive(v[2]), *v[3:]))
            dbapi.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def time_store(factory: sessionmaker[Session], batches: list[PreparedBatch]) -> float:
    from jingjinji.db import session_scope
    from jingjinji.sources.loader.pipeline import MonthPartitions
    from jingjinji.sources.loader.store import store_batch

    partitions = MonthPartitions(factory)  # made before the clock starts
    partitions.ensure(set().union(*(b.months() for b in batches)))
    started = time.perf_counter()
    for b in batches:
        with session_scope(factory) as session:
            store_batch(session, b, loader="bench")
    return time.perf_counter() - started


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE source_packets, source_values, source_batches"))


def time_end_to_end(factory: sessionmaker[Session], frames: list[bytes], batch: int) -> float:
    import nats

    from jingjinji.sources.loader import consume
    from jingjinji.sources.stream import StreamNames, ensure_stream

    tag = uuid.uuid4().hex[:8]
    names = StreamNames(url=NATS_URL, stream=f"JJJ_BENCH_{tag}", prefix=f"jjjbench.{tag}")

    async def publish() -> None:
        nc = await nats.connect(names.url)
        js = nc.jetstream()
        await ensure_stream(js, names)
        for start in range(0, len(frames), 500):
            await asyncio.gather(
                *(js.publish(f"{names.prefix}.130000.x", f) for f in frames[start : start + 500])
            )
        await nc.close()

    async def remaining() -> int:
        nc = await nats.connect(names.url)
        try:
            return int((await nc.jetstream().stream_info(names.stream)).state.messages)
        finally:
            await nc.close()

    async def drop() -> None:
        nc = await nats.connect(names.url)
        await nc.jetstream().delete_stream(names.stream)
        await nc.close()

    asyncio.run(publish())
    stop = threading.Event()
    started = time.perf_counter()
    thread = threading.Thread(
        target=lambda: asyncio.run(
            consume(factory, names, stop=stop, batch_size=batch, idle_wait=0.1)
        )
    )
    thread.start()
    try:
        while asyncio.run(remaining()) > 0:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        thread.join()
        asyncio.run(drop())
    return elapsed


def run(url: str, frame_count: int, batch: int) -> None:
    from jingjinji import bootstrap
    from jingjinji.db import make_engine, make_session_factory

    frames = read_corpus(frame_count)
    if not frames:
        print(f"no corpus at {CORPUS}: nothing to measure")
        return
    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    register_loggers(factory, frames)
    batches = prepared_batches(factory, frames, batch)
    rows = rows_of(batches)
    stored_packets = sum(len(b.packets) for b in batches)
    print(
        f"{len(frames)} frames of the Hebei corpus, batches of {batch}: {stored_packets} data "
        f"packets, {rows} rows (packets + values)"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bare = time_bare(engine, batches)
    print(
        f"{'bare COPY':22s} {rows / bare:10.0f} rows/s  {'1.00':>6s}  load {os.getloadavg()[0]:.2f}"
    )
    store = time_store(factory, batches)
    print(
        f"{'store_batch':22s} {rows / store:10.0f} rows/s  {bare / store:6.2f}"
        f"  load {os.getloadavg()[0]:.2f}"
    )
    empty_tables(engine)
    try:
        e2e = time_end_to_end(factory, frames, batch)
    except OSError as exc:
        print(f"end to end: NATS not available ({exc})")
    else:
        print(
            f"{'end to end (stream)':22s} {rows / e2e:10.0f} rows/s  {bare / e2e:6.2f}"
            f"  load {os.getloadavg()[0]:.2f}  ({len(frames) / e2e:.0f} frames/s)"
        )
    engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    args = parser.parse_args(argv)
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"jjj_bench_loader_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: nothing to measure
        print(f"postgresql: not available ({str(exc).splitlines()[0]})")
        return 0
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        run(url, args.frames, args.batch)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
