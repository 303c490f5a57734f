"""Queue, claim (compare-and-set) and run jobs.

Handlers are registered by kind. A handler gets its own session and the job's payload; raising
makes the job retry with exponential backoff until ``max_attempts``, then it is ``dead`` and
listed for administrators.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import utcnow
from jingjinji.errors import Conflict, NotFound
from jingjinji.jobs.models import Job

if TYPE_CHECKING:
    from jingjinji.security import Actor

log = logging.getLogger(__name__)
Handler = Callable[[Session, dict[str, Any]], None]


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: dt.timedelta


_handlers: dict[str, Handler] = {}
_periodic: dict[str, Periodic] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def periodic(kind: str, *, every: dt.timedelta) -> None:
    """Have the worker queue ``kind`` (payload ``{}``) every ``every``."""
    _periodic[kind] = Periodic(kind, every)


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def backoff(attempts: int, *, base_seconds: float = 10.0, cap_seconds: float = 3600.0) -> float:
    """Delay before retry number ``attempts`` (1-based): 10 s, 20 s, 40 s ... capped at 1 h."""
    return float(min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    run_after: dt.datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
) -> Job:
    if dedupe_key is not None:
        existing = session.scalar(
            select(Job).where(Job.dedupe_key == dedupe_key, Job.status.in_(("queued", "running")))
        )
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        payload=payload or {},
        run_after=run_after or utcnow(),
        max_attempts=max_attempts,
        dedupe_key=dedupe_key,
    )
    session.add(job)
    session.flush()
    return job


def claim(session: Session, *, worker_id: str, limit: int = 10) -> list[Job]:
    """Claim up to ``limit`` due jobs. Each claim is an UPDATE guarded by the old status, so
    two workers racing for one job cannot both get it."""
    now = utcnow()
    candidates = session.scalars(
        select(Job.id)
        .where(Job.status == "queued", Job.run_after <= now)
        .order_by(Job.run_after, Job.id)
        .limit(limit)
    ).all()
    claimed: list[Job] = []
    for job_id in candidates:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(
                status="running", claimed_by=worker_id, claimed_at=now, attempts=Job.attempts + 1
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if result.rowcount == 1:  # type: ignore[attr-defined]
            job = session.get(Job, job_id, populate_existing=True)
            if job is not None:
                claimed.append(job)
    return claimed


def _finish(factory: sessionmaker[Session], job_id: int, error: str | None) -> None:
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        now = utcnow()
        if error is None:
            job.status = "done"
            job.finished_at = now
            job.last_error = None
        elif job.attempts >= job.max_attempts:
            job.status = "dead"
            job.finished_at = now
            job.last_error = error
        else:
            job.status = "queued"
            job.run_after = now + dt.timedelta(seconds=backoff(job.attempts))
            job.last_error = error
        session.commit()


def run_job(factory: sessionmaker[Session], job: Job) -> bool:
    fn = _handlers.get(job.kind)
    if fn is None:
        _finish(factory, job.id, f"no handler registered for job kind {job.kind!r}")
        return False
    try:
        with factory() as session:
            fn(session, dict(job.payload))
            session.commit()
    except Exception as exc:  # a failing job must not stop the worker
        log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
        _finish(factory, job.id, "".join(traceback.format_exception_only(exc)).strip())
        return False
    _finish(factory, job.id, None)
    return True


def queue_periodic(session: Session, *, last_run: dict[str, dt.datetime]) -> None:
    now = utcnow()
    for item in _periodic.values():
        previous = last_run.get(item.kind)
        if previous is None or now - previous >= item.every:
            enqueue(session, kind=item.kind, dedupe_key=f"periodic:{item.kind}")
            last_run[item.kind] = now
    session.commit()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_pending(
    factory: sessionmaker[Session], *, worker: str | None = None, limit: int = 100
) -> int:
    """Claim and run every due job once; returns how many ran (used by tests and the CLI)."""
    import jingjinji.jobs.registry  # noqa: F401  (registers every domain's handlers)

    worker = worker or worker_id()
    with factory() as session:
        jobs = claim(session, worker_id=worker, limit=limit)
    for job in jobs:
        run_job(factory, job)
    return len(jobs)


def work_forever(
    factory: sessionmaker[Session],
    *,
    stop: threading.Event,
    poll_seconds: float = 2.0,
) -> None:
    import jingjinji.jobs.registry  # noqa: F401  (registers every domain's handlers)

    last_run: dict[str, dt.datetime] = {}
    worker = worker_id()
    while not stop.is_set():
        try:
            with factory() as session:
                queue_periodic(session, last_run=last_run)
            ran = run_pending(factory, worker=worker, limit=20)
        except Exception:
            log.exception("worker loop error")
            ran = 0
        if ran == 0:
            stop.wait(poll_seconds)


def retry(session: Session, *, actor: Actor, job_id: int) -> Job:
    """Put a dead (or failed, waiting) job back in the queue now, with fresh attempts."""
    from jingjinji.audit import service as audit

    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    if job.status not in ("dead", "queued"):
        raise Conflict(f"job {job_id} is {job.status}; only dead or waiting jobs can be retried")
    job.status = "queued"
    job.run_after = utcnow()
    job.max_attempts = job.attempts + max(1, job.max_attempts - job.attempts, 3)
    job.finished_at = None
    audit.record(
        session,
        actor=actor,
        action="job.retry",
        object_type="job",
        object_id=job.id,
        detail={"kind": job.kind},
    )
    return job


def list_jobs(
    session: Session, *, status: str | None = None, before_id: int | None = None, limit: int = 100
) -> list[Job]:
    """Newest first; ``before_id`` continues after the last job of a previous page."""
    stmt = select(Job)
    if status:
        stmt = stmt.where(Job.status == status)
    if before_id is not None:
        stmt = stmt.where(Job.id < before_id)
    return list(session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))
