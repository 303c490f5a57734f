"""Benchmark the jobs worker against a bare SKIP LOCKED loop on PostgreSQL.

    uv run python benchmarks/bench_jobs.py [--noop-jobs N] [--sleep-jobs N] [--pg-url URL]

Creates its own database on PostgreSQL (127.0.0.1:5432 unless ``JJJ_TEST_PG_URL`` or ``--pg-url``
says otherwise), migrated like production, and drops it at the end. Two workloads: no-op jobs
and jobs whose handler takes 10 ms (a sleep), each run by 1, 2 and 4 worker processes of

- platform: ``jobs.work_forever``, the loop of ``jjj worker`` (one-statement batch claims under
  a lease, the heartbeat thread, each job's "done" fenced by its claim in the handler's
  transaction, lost-claim reaping, periodic ticks);
- bare: ``SELECT ... FOR UPDATE SKIP LOCKED LIMIT n`` + ``UPDATE ... running`` in one
  transaction, then per job the handler and ``UPDATE ... done`` + ``COMMIT``, on psycopg.

Same table, same batch size (10), same jobs, same processes: every process starts, imports and
connects before the clock starts; the clock stops when the last job is done. Prints jobs/s, the
ratio platform / bare and the load average (other work on the machine skews both sides alike).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import sys
import time
import uuid
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from jingjinji.jobs import service as jobs

PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BATCH = 10
PROCESS_COUNTS = (1, 2, 4)
NOOP_JOB = "bench.noop"
SLEEP_JOB = "bench.sleep_10ms"
SLEEP_SECONDS = 0.010


@jobs.handler(NOOP_JOB)
def _noop(session: Session, payload: dict[str, Any]) -> None:
    return None


@jobs.handler(SLEEP_JOB)
def _sleep(session: Session, payload: dict[str, Any]) -> None:
    time.sleep(SLEEP_SECONDS)


def _handle_bare(kind: str) -> None:
    if kind == SLEEP_JOB:
        time.sleep(SLEEP_SECONDS)


def _bare_loop(conn: psycopg.Connection[Any], stop: Event) -> None:
    """The reference: what the database does for a queue, with nothing around it."""
    me = f"bare:{os.getpid()}"
    with conn.cursor() as cur:
        while not stop.is_set():
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            cur.execute(
                "SELECT id, kind, payload FROM jobs WHERE status = 'queued' AND run_after <= %s"
                " ORDER BY run_after, id LIMIT %s FOR UPDATE SKIP LOCKED",
                (now, BATCH),
            )
            rows = cur.fetchall()
            if rows:
                cur.execute(
                    "UPDATE jobs SET status = 'running', claimed_by = %s, claimed_at = %s,"
                    " attempts = attempts + 1 WHERE id = ANY(%s)",
                    (me, now, [row[0] for row in rows]),
                )
            conn.commit()
            if not rows:
                stop.wait(0.05)
                continue
            for job_id, kind, _payload in rows:
                _handle_bare(kind)
                cur.execute(
                    "UPDATE jobs SET status = 'done', finished_at = %s WHERE id = %s",
                    (dt.datetime.now(dt.UTC).replace(tzinfo=None), job_id),
                )
                conn.commit()


def _child(
    kind: str, url: str, inbox: Queue[Any], outbox: Queue[Any], go: Event, stop: Event
) -> None:
    """One worker process: set up once (imports, connections), then run its loop each time the
    parent says so."""
    from jingjinji.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    bare = psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    if kind == "platform":
        from jingjinji.jobs.registry import load_handlers

        load_handlers()  # what `jjj worker` imports at start-up
        with factory() as session:  # open the pool's first connection
            session.execute(text("SELECT 1"))
    outbox.put("up")
    while inbox.get() is not None:
        outbox.put("ready")
        go.wait()
        if kind == "platform":
            jobs.work_forever(factory, stop=stop, poll_seconds=0.05, batch=BATCH)
        else:
            _bare_loop(bare, stop)
        outbox.put("finished")
    bare.close()
    engine.dispose()


class Pool:
    """Four processes of one kind, started once and reused by every run."""

    def __init__(self, kind: str, url: str, size: int) -> None:
        ctx = mp.get_context("spawn")
        self.ctx = ctx
        self.outbox: Queue[Any] = ctx.Queue()
        self.go, self.stop = ctx.Event(), ctx.Event()
        self.inboxes: list[Queue[Any]] = [ctx.Queue() for _ in range(size)]
        self.processes = [
            ctx.Process(
                target=_child,
                args=(kind, url, inbox, self.outbox, self.go, self.stop),
                daemon=True,
            )
            for inbox in self.inboxes
        ]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            assert self.outbox.get(timeout=300) == "up"

    def run(self, processes: int, until_done: Any) -> float:
        self.go.clear()
        self.stop.clear()
        for inbox in self.inboxes[:processes]:
            inbox.put("run")
        for _ in range(processes):
            assert self.outbox.get(timeout=60) == "ready"
        started = time.perf_counter()
        self.go.set()
        until_done()
        elapsed = time.perf_counter() - started
        self.stop.set()
        for _ in range(processes):
            assert self.outbox.get(timeout=60) == "finished"
        return elapsed

    def close(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=30)


def _quiet_periodic_jobs(factory: Any) -> None:
    """The domains' periodic jobs, pending and due tomorrow: the workers' ticks queue none."""
    from jingjinji.jobs import kinds
    from jingjinji.jobs.registry import load_handlers

    load_handlers()
    with factory() as session:
        for item in kinds.periodic_schedule():
            jobs.enqueue(
                session,
                kind=item.kind,
                dedupe_key=kinds.periodic_dedupe_key(item.kind),
                run_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
            )
        session.commit()


def _fill(conn: psycopg.Connection[Any], kind: str, count: int) -> None:
    """``count`` due jobs of ``kind`` in a freshly vacuumed table (``conn`` autocommits)."""
    conn.execute("DELETE FROM jobs WHERE kind LIKE 'bench.%%'")
    conn.execute("VACUUM ANALYZE jobs")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_after,"
            " created_at) VALUES (%s, '{}', 'queued', 0, 5, %s, %s)",
            [(kind, now, now) for _ in range(count)],
        )


def _until_done(conn: psycopg.Connection[Any], count: int) -> Any:
    def wait() -> None:
        with conn.cursor() as cur:
            while True:
                cur.execute("SELECT count(*) FROM jobs WHERE status = 'done'")
                row = cur.fetchone()
                if row is not None and row[0] >= count:
                    return
                time.sleep(0.01)

    return wait


def run(url: str, noop_jobs: int, sleep_jobs: int) -> None:
    from jingjinji import bootstrap
    from jingjinji.db import make_engine, make_session_factory

    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    _quiet_periodic_jobs(make_session_factory(engine))
    engine.dispose()
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    pools = {kind: Pool(kind, url, 4) for kind in ("platform", "bare")}
    print(f"worker processes up in {time.perf_counter() - started:.1f}s (not timed)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'workload':12s} {'procs':>5s} {'platform jobs/s':>16s} {'bare jobs/s':>12s}"
        f" {'platform/bare':>14s}  load avg (1 min)"
    )
    with psycopg.connect(plain, autocommit=True) as conn:
        for label, kind, count in (
            ("no-op", NOOP_JOB, noop_jobs),
            ("10 ms", SLEEP_JOB, sleep_jobs),
        ):
            for processes in PROCESS_COUNTS:
                rates = {}
                for name, pool in pools.items():
                    _fill(conn, kind, count)
                    elapsed = pool.run(processes, _until_done(conn, count))
                    rates[name] = count / elapsed
                print(
                    f"{label:12s} {processes:5d} {rates['platform']:16,.0f} {rates['bare']:12,.0f}"
                    f" {rates['platform'] / rates['bare']:14.2f}  {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
    for pool in pools.values():
        pool.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--noop-jobs", type=int, default=2000)
    parser.add_argument("--sleep-jobs", type=int, default=400)
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    args = parser.parse_args(argv)
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"jjj_bench_jobs_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: nothing to measure
        print(f"postgresql: not available ({str(exc).splitlines()[0]})")
        return 0
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        run(url, args.noop_jobs, args.sleep_jobs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
