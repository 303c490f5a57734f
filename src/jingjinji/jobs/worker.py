"""Running jobs: claim a batch, keep its leases alive, run each handler and commit its effects
together with the fenced "done" (the guarantees are stated in :mod:`jingjinji.jobs.service`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import kinds, queue
from jingjinji.jobs.queue import DEFAULT_BACKOFF_SECONDS, DEFAULT_LEASE_SECONDS, ClaimedJob
from jingjinji.jobs.registry import load_handlers

log = logging.getLogger(__name__)

# How often a worker looks for claims lost with their workers (a SELECT on few rows).
REAP_EVERY_SECONDS = 1.0


class StopSignal(Protocol):
    """``threading.Event`` or ``multiprocessing.Event``: set to make the workers stop."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class WorkerConfig:
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    # First retry delay; it doubles with every attempt (``queue.backoff``).
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    batch: int = 10
    poll_seconds: float = 2.0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def one_connection(factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions like ``factory``'s that all use one connection, checked out once for a batch:
    a checkout from the pool pings the server, so once a batch rather than once a job. Each
    session still runs and commits its own transaction."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, Engine):
        raise TypeError("the session factory must be bound to an Engine")
    options = {key: value for key, value in factory.kw.items() if key != "bind"}
    with engine.connect() as connection:
        yield sessionmaker(bind=connection, **options)


class LeaseKeeper:
    """The heartbeat: renews the leases of every job this process holds (claimed and not yet
    finished), every third of the lease, on its own thread and connection.

    On SQLite a handler that has written holds the database's write lock until it commits, so
    the renewal waits; no other worker can write either, so none can take the job meanwhile."""

    def __init__(self, factory: sessionmaker[Session], lease_seconds: float) -> None:
        self._factory = factory
        self._lease_seconds = lease_seconds
        self._held: dict[int, ClaimedJob] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jjj-lease-keeper", daemon=True)

    def hold(self, jobs: list[ClaimedJob]) -> None:
        with self._lock:
            self._held.update((job.id, job) for job in jobs)

    def drop(self, jobs: list[ClaimedJob]) -> None:
        with self._lock:
            for job in jobs:
                self._held.pop(job.id, None)

    def renew(self) -> None:
        with self._lock:
            jobs = list(self._held.values())
        if not jobs:
            return
        with self._factory() as session:
            queue.renew_leases(session, jobs, lease_seconds=self._lease_seconds)
            session.commit()

    def _run(self) -> None:
        while not self._stopped.wait(self._lease_seconds / 3):
            try:
                self.renew()
            except Exception:  # a missed beat is retried; the lease covers two more
                log.exception("lease renewal failed")

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._thread.join(timeout=self._lease_seconds)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


def _record_failure(
    factory: sessionmaker[Session], job: ClaimedJob, error: str, backoff_seconds: float
) -> None:
    with factory() as session:
        if queue.mark_failed(session, job, error, backoff_seconds=backoff_seconds):
            session.commit()
        else:
            log.warning("job %s (%s): claim lost before its failure was recorded", job.id, job.kind)


def run_job(
    factory: sessionmaker[Session],
    job: ClaimedJob,
    *,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
) -> bool:
    """Run ``job``'s handler and commit its effects with the fenced "done"; True when done.

    A handler error rolls its effects back and queues a retry (or buries the job). When the
    claim was lost meanwhile (the lease passed and another worker took the job), the fenced
    update matches nothing and everything is rolled back: the other worker's run counts."""
    fn = kinds.handler_for(job.kind)
    if fn is None:
        error = f"no handler registered for job kind {job.kind!r}"
        _record_failure(factory, job, error, backoff_seconds)
        return False
    with factory() as session:
        try:
            fn(session, dict(job.payload))
            if not queue.mark_done(session, job):
                session.rollback()
                log.warning("job %s (%s): claim lost; effects rolled back", job.id, job.kind)
                return False
            session.commit()
        except Exception as exc:  # a failing job must not stop the worker
            session.rollback()
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            _record_failure(factory, job, _describe(exc), backoff_seconds)
            return False
    return True


def run_pending(
    factory: sessionmaker[Session],
    *,
    worker: str | None = None,
    limit: int = 100,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
) -> int:
    """Claim and run every due job once (claims lost with their workers first go back to the
    queue); returns how many ran. Used by tests and ``jjj worker --once``."""
    load_handlers()
    with one_connection(factory) as batch_factory:
        with batch_factory() as session:
            queue.reap_lost_claims(session, backoff_seconds=backoff_seconds)
            session.commit()
            jobs = queue.claim(
                session, worker_id=worker or worker_id(), limit=limit, lease_seconds=lease_seconds
            )
        if not jobs:
            return 0
        with LeaseKeeper(factory, lease_seconds) as keeper:
            keeper.hold(jobs)
            for job in jobs:
                run_job(batch_factory, job, backoff_seconds=backoff_seconds)
                keeper.drop([job])
    return len(jobs)


def _run_batch(
    factory: sessionmaker[Session],
    keeper: LeaseKeeper,
    jobs: list[ClaimedJob],
    *,
    stop: StopSignal,
    config: WorkerConfig,
) -> int:
    """Run a claimed batch in order; once ``stop`` is set, give the rest back to the queue."""
    keeper.hold(jobs)
    try:
        for done, job in enumerate(jobs):
            if stop.is_set():
                with factory() as session:
                    queue.give_back(session, jobs[done:])
                    session.commit()
                return done
            run_job(factory, job, backoff_seconds=config.backoff_seconds)
            keeper.drop([job])
        return len(jobs)
    finally:
        keeper.drop(jobs)


def _work_loop(
    factory: sessionmaker[Session],
    keeper: LeaseKeeper,
    *,
    stop: StopSignal,
    config: WorkerConfig,
    queues_periodic: bool,
) -> None:
    worker = worker_id()
    last_run: dict[str, dt.datetime] = {}
    next_reap = 0.0
    while not stop.is_set():
        try:
            with one_connection(factory) as batch_factory:
                with batch_factory() as session:
                    if queues_periodic:
                        queue.queue_periodic(session, last_run=last_run)
                    if time.monotonic() >= next_reap:
                        queue.reap_lost_claims(session, backoff_seconds=config.backoff_seconds)
                        session.commit()
                        next_reap = time.monotonic() + REAP_EVERY_SECONDS
                    jobs = queue.claim(
                        session,
                        worker_id=worker,
                        limit=config.batch,
                        lease_seconds=config.lease_seconds,
                    )
                ran = _run_batch(batch_factory, keeper, jobs, stop=stop, config=config)
        except Exception:
            log.exception("worker loop error")
            ran = 0
        if ran == 0:
            stop.wait(config.poll_seconds)


def work_forever(
    factory: sessionmaker[Session],
    *,
    stop: StopSignal,
    poll_seconds: float = 2.0,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    batch: int = 10,
    concurrency: int = 1,
) -> None:
    """Run jobs until ``stop`` is set, on ``concurrency`` threads (this one and helpers), each
    claiming ``batch`` jobs at a time. Stopping lets running handlers finish and gives claimed
    jobs that have not started back to the queue."""
    load_handlers()
    config = WorkerConfig(
        lease_seconds=lease_seconds,
        backoff_seconds=backoff_seconds,
        batch=batch,
        poll_seconds=poll_seconds,
    )
    with LeaseKeeper(factory, lease_seconds) as keeper:
        helpers = [
            threading.Thread(
                target=_work_loop,
                args=(factory, keeper),
                kwargs={"stop": stop, "config": config, "queues_periodic": False},
                name=f"jjj-worker-{n}",
                daemon=True,
            )
            for n in range(1, concurrency)
        ]
        for thread in helpers:
            thread.start()
        try:
            _work_loop(factory, keeper, stop=stop, config=config, queues_periodic=True)
        finally:
            stop.set()
            for thread in helpers:
                thread.join()
