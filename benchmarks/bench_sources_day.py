"""The recorded Hebei day end to end: replay -> gateway -> JetStream -> loader -> database.

    uv run python benchmarks/bench_sources_day.py [--postgres] [--limit N]

What the issue asks of the whole path, measured on the real traffic
(``../shared/data/hj212/hebei-2016-08-24``, 190,449 packets of 293 loggers, 2016-08-24): every
valid data packet of a registered logger is stored exactly once, every corrupted one is rejected
with its reason. A scratch database (SQLite file, or with ``--postgres`` a PostgreSQL database
made and dropped here) gets the demo registry (the 290 loggers of ``sources/data/loggers.json``);
the gateway, the loader and the replay run in this process as ``jjj demo`` runs them
(``jingjinji.sources.live``), on a JetStream stream of their own.

Prints the packets expected (the distinct logger, command and data time of the valid data
packets of registered loggers, counted by parsing the recording here), stored, missing and
extra, the gateway's rejects by reason, the wall time and packets/s of the whole path against the
replay alone (the ratio says how much of the time the loader's catching up took), and the load
average. Exit 1 when anything is missing or extra.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from jingjinji import bootstrap, db
from jingjinji.accounts import demo as accounts_demo
from jingjinji.config import Settings
from jingjinji.demo import DemoContext
from jingjinji.regions import demo as regions_demo
from jingjinji.sources import demo as sources_demo
from jingjinji.sources import live
from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.models import Packet
from jingjinji.sources.replay import corpus_dir, recording_files
from jingjinji.sources.service.registry import logger_directory
from jingjinji.sources.stream import StreamNames

DATA_COMMANDS = frozenset({"2011", "2051", "2061", "2031"})
PG_ADMIN = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def expected_keys(
    folder: Path, registered: set[str], limit: int | None
) -> set[tuple[str, str, object]]:
    keys: set[tuple[str, str, object]] = set()
    seen = 0
    for path in recording_files([folder]):
        for line in path.read_bytes().split(b"\r\n"):
            if not line.strip():
                continue
            if limit is not None and seen >= limit:
                return keys
            seen += 1
            packet = parse_packet(line)
            if (
                packet.valid
                and packet.mn in registered
                and packet.cn in DATA_COMMANDS
                and packet.data_time is not None
            ):
                keys.add((packet.mn, packet.cn, packet.data_time))
    return keys


def instant(moment: object) -> dt.datetime:
    """A naive UTC datetime of an aware one (or of a naive one read back as UTC)."""
    assert isinstance(moment, dt.datetime)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def drop_stream(names: StreamNames) -> None:
    async def run() -> None:
        import nats

        nc = await nats.connect(names.url)
        try:
            await nc.jetstream().delete_stream(names.stream)
        finally:
            await nc.close()

    asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--limit", type=int, default=None, help="only the first N packets")
    args = parser.parse_args()
    folder = corpus_dir()
    if folder is None:
        print("the Hebei recording is not in ../shared (set JJJ_SHARED_DIR)")
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="jjj-day-"))
    pg_name = None
    if args.postgres:
        pg_name = f"jjj_day_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = make_url(PG_ADMIN).set(database=pg_name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{scratch / 'day.db'}"
    engine = db.make_engine(url)
    bootstrap.prepare_database(engine)
    factory = db.make_session_factory(engine)
    ctx = DemoContext()
    with factory() as session:
        regions_demo.load(session, ctx)
        accounts_demo.load(session, ctx)
        sources_demo.load(session, ctx)
        session.commit()
        registered = set(logger_directory(session))
    expected = expected_keys(folder, registered, args.limit)
    tag = uuid.uuid4().hex[:8]
    names = StreamNames(
        url="nats://127.0.0.1:4222", stream=f"JJJ_DAY_{tag}", prefix=f"jjjday.{tag}"
    )
    settings = Settings(database_url=url, secret_key="bench", var_dir=scratch)
    print(
        f"backend {engine.dialect.name}; {len(registered)} loggers registered; "
        f"{len(expected):,} data packets expected; load {os.getloadavg()}"
    )
    stop = threading.Event()
    started = time.perf_counter()
    pipeline = live.start(
        factory,
        settings,
        stop=stop,
        names=names,
        gateway=True,
        gateway_port=0,
        replay_demo=True,
        corpus=folder,
        live_pace=False,
        limit=args.limit,
    )
    if pipeline is None or pipeline.gateway is None or pipeline.replay is None:
        print("NATS or the gateway did not start", pipeline.notes if pipeline else "")
        return 2
    pipeline.replay.join()
    replayed = time.perf_counter() - started
    stored = 0
    last_change = time.perf_counter()
    while time.perf_counter() - last_change < 15:
        with factory() as session:
            now_stored = session.scalar(select(func.count()).select_from(Packet)) or 0
        if now_stored != stored:
            stored, last_change = now_stored, time.perf_counter()
        if stored >= len(expected) and time.perf_counter() - last_change > 3:
            break
        time.sleep(0.5)
    whole = last_change - started
    counters = pipeline.gateway.snapshot()
    pipeline.close()
    with factory() as session:
        rows = session.execute(select(Packet.logger_id, Packet.cn, Packet.data_time)).all()
        ids = {entry.logger_id: mn for mn, entry in logger_directory(session).items()}
    got_utc = {(ids[lid], str(cn), instant(moment)) for lid, cn, moment in rows}
    expected_utc = {(mn, cn, instant(moment)) for mn, cn, moment in expected}
    missing = expected_utc - got_utc
    extra = got_utc - expected_utc
    print(
        f"stored {len(rows):,} packets ({len(got_utc):,} distinct); "
        f"missing {len(missing)}; extra {len(extra)}"
    )
    print(f"gateway: accepted {counters['packets']['accepted']:,}, rejects {counters['rejects']}")
    print(
        f"replay alone {replayed:.1f} s; replay + loader caught up {whole:.1f} s; "
        f"{len(rows) / whole:,.0f} data packets/s stored end to end; "
        f"replay / whole path {replayed / whole:.2f}; load {os.getloadavg()}"
    )
    engine.dispose()
    drop_stream(names)
    if pg_name is not None:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    return 1 if missing or extra else 0


if __name__ == "__main__":
    sys.exit(main())
