"""The job table's statements: queue, claim a batch under a lease, renew, finish, give back.

Every change to a claimed job is an UPDATE fenced by its claim (:func:`_claimed`): the job is
still ``running`` with this claim's ``claimed_by`` and ``attempts`` (which grows with every
claim). A worker whose lease passed and whose job was taken over matches no row, whatever it
does. Only :func:`claim` commits (a claim must be visible to the other workers at once); every
other function works in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, Table, and_, bindparam, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jingjinji.db import UTCDateTime, is_postgres, utcnow
from jingjinji.jobs import kinds
from jingjinji.jobs.models import Job
from jingjinji.jobs.registry import load_handlers

# Arbitrary constant naming the PostgreSQL advisory lock that serialises periodic queueing.
_PERIODIC_LOCK_KEY = 72_700_212
DEFAULT_LEASE_SECONDS = 30.0
DEFAULT_BACKOFF_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class ClaimedJob:
    """A job as one claim holds it: what the handler needs and what fences the claim."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    claimed_by: str


def backoff(
    attempts: int,
    *,
    base_seconds: float = DEFAULT_BACKOFF_SECONDS,
    cap_seconds: float = BACKOFF_CAP_SECONDS,
) -> float:
    """Delay before retry number ``attempts`` (1-based): 10 s, 20 s, 40 s ... capped at 1 h."""
    return float(min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def _changed(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _fence(job_id: int, claimed_by: str | None, attempts: int) -> ColumnElement[bool]:
    """The job is still running under the claim that ``claimed_by`` made at ``attempts``."""
    return and_(
        Job.id == job_id,
        Job.status == "running",
        Job.claimed_by == claimed_by,
        Job.attempts == attempts,
    )


def _claimed(job: ClaimedJob) -> ColumnElement[bool]:
    return _fence(job.id, job.claimed_by, job.attempts)


def _pending(now: dt.datetime) -> ColumnElement[bool]:
    """Queued, or running under a live lease. A running job whose lease passed lost its worker:
    it is not pending (it goes back to the queue when reaped), so it blocks no dedupe key."""
    return or_(Job.status == "queued", and_(Job.status == "running", Job.lease_expires_at > now))


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    run_after: dt.datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
) -> Job:
    """Queue a job in the caller's transaction (it commits with the domain write that needs it).
    With ``dedupe_key``, a pending job with that key is returned instead of queuing another."""
    if dedupe_key is not None:
        # A claim lost with its worker goes back to the queue first; it then is the pending job.
        reap_lost_claims(session, dedupe_key=dedupe_key)
        existing = session.scalar(
            select(Job)
            .where(Job.dedupe_key == dedupe_key, _pending(utcnow()))
            .order_by(Job.id)
            .limit(1)
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


def period_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the period of length ``every`` that holds ``now``, counted from the Unix
    epoch: every worker, whenever it started, agrees on it."""
    seconds = every.total_seconds()
    epoch = now.timestamp()
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def queue_periodic(session: Session, *, last_run: dict[str, dt.datetime]) -> None:
    """Queue each periodic kind at most once per period across all workers, and commit.

    ``last_run`` is this process's memory of its ticks, so that it looks at a kind once a
    period; the database decides: a kind already queued (by any worker) since the start of the
    current period is not queued again. On PostgreSQL the check and the insert run under an
    advisory lock, so two workers ticking at the same instant queue one job."""
    load_handlers()  # the domains declare their periodic kinds when their modules load
    now = utcnow()
    for item in kinds.periodic_schedule():
        previous = last_run.get(item.kind)
        if previous is not None and now - previous < item.every:
            continue
        last_run[item.kind] = now
        key = kinds.periodic_dedupe_key(item.kind)
        if is_postgres(session):
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PERIODIC_LOCK_KEY})
        queued_this_period = session.scalar(
            select(Job.id)
            .where(Job.dedupe_key == key, Job.created_at >= period_start(now, item.every))
            .limit(1)
        )
        if queued_this_period is None:
            enqueue(session, kind=item.kind, dedupe_key=key)
    session.commit()


# The two statements every job passes through, built once: a worker runs them hundreds of
# times a second, and a prebuilt statement skips construction and cache-key work each time.
_jobs = cast(Table, Job.__table__)
_now = bindparam("now", type_=UTCDateTime())
_CLAIM = (
    update(_jobs)
    .where(
        _jobs.c.id.in_(
            select(_jobs.c.id)
            .where(_jobs.c.status == "queued", _jobs.c.run_after <= _now)
            .order_by(_jobs.c.run_after, _jobs.c.id)
            .limit(bindparam("batch", type_=Integer()))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(
        status="running",
        claimed_by=bindparam("claimant"),
        claimed_at=_now,
        lease_expires_at=bindparam("lease_until", type_=UTCDateTime()),
        attempts=_jobs.c.attempts + 1,
    )
    .returning(
        _jobs.c.id,
        _jobs.c.kind,
        _jobs.c.payload,
        _jobs.c.attempts,
        _jobs.c.max_attempts,
        _jobs.c.run_after,
    )
)
_MARK_DONE = (
    update(_jobs)
    .where(
        _jobs.c.id == bindparam("job_id"),
        _jobs.c.status == "running",
        _jobs.c.claimed_by == bindparam("claimant"),
        _jobs.c.attempts == bindparam("claim_attempts"),
    )
    .values(
        status="done",
        finished_at=bindparam("finished", type_=UTCDateTime()),
        last_error=None,
        lease_expires_at=None,
    )
)


def claim(
    session: Session,
    *,
    worker_id: str,
    limit: int = 10,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> list[ClaimedJob]:
    """Claim up to ``limit`` due jobs in one statement and commit.

    ``UPDATE jobs ... WHERE id IN (SELECT id ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING``:
    on PostgreSQL concurrent claimers skip each other's rows instead of waiting or colliding;
    SQLite (no row locks; the clause is left out) runs one writer at a time, so the same
    statement cannot hand a job to two workers there either."""
    now = utcnow()
    rows = session.execute(
        _CLAIM,
        {
            "now": now,
            "batch": limit,
            "claimant": worker_id,
            "lease_until": now + dt.timedelta(seconds=lease_seconds),
        },
    ).all()
    session.commit()
    rows = sorted(rows, key=lambda row: (row.run_after, row.id))
    return [
        ClaimedJob(
            id=row.id,
            kind=row.kind,
            payload=dict(row.payload),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            claimed_by=worker_id,
        )
        for row in rows
    ]


def renew_leases(session: Session, jobs: list[ClaimedJob], *, lease_seconds: float) -> None:
    """Extend the leases of ``jobs`` still held under their claims (a lost claim stays lost)."""
    if jobs:
        session.execute(
            update(Job)
            .where(or_(*(_claimed(job) for job in jobs)))
            .values(lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )


def mark_done(session: Session, job: ClaimedJob) -> bool:
    """Mark ``job`` done in the caller's transaction, which holds the handler's effects; False
    (and nothing changed) when the claim was lost: the caller must then roll back."""
    result = session.execute(
        _MARK_DONE,
        {
            "job_id": job.id,
            "claimant": job.claimed_by,
            "claim_attempts": job.attempts,
            "finished": utcnow(),
        },
    )
    return _changed(result) == 1


def _retry_or_bury(
    session: Session,
    fence: ColumnElement[bool],
    *,
    attempts: int,
    max_attempts: int,
    error: str,
    backoff_seconds: float,
) -> bool:
    now = utcnow()
    values: dict[str, Any] = {"last_error": error, "lease_expires_at": None}
    if attempts >= max_attempts:
        values |= {"status": "dead", "finished_at": now}
    else:
        delay = backoff(attempts, base_seconds=backoff_seconds)
        values |= {"status": "queued", "run_after": now + dt.timedelta(seconds=delay)}
    result = session.execute(
        update(Job).where(fence).values(**values).execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


def mark_failed(
    session: Session,
    job: ClaimedJob,
    error: str,
    *,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
) -> bool:
    """Queue ``job`` again after a backoff, or make it dead once out of attempts; False when the
    claim was lost (another worker owns the job now)."""
    return _retry_or_bury(
        session,
        _claimed(job),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        error=error,
        backoff_seconds=backoff_seconds,
    )


def reap_lost_claims(
    session: Session,
    *,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    dedupe_key: str | None = None,
    limit: int = 100,
) -> int:
    """Running jobs whose lease passed lost their worker: queue them again with backoff, or make
    them dead once out of attempts, with the error "lease expired: worker X stopped
    heartbeating". Returns how many were reaped. A running job without a lease (claimed before
    leases existed) counts as lost."""
    now = utcnow()
    stmt = select(Job.id, Job.claimed_by, Job.attempts, Job.max_attempts).where(
        Job.status == "running",
        or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now),
    )
    if dedupe_key is not None:
        stmt = stmt.where(Job.dedupe_key == dedupe_key)
    lost = session.execute(
        stmt.order_by(Job.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    reaped = 0
    for row in lost:
        reaped += _retry_or_bury(
            session,
            _fence(row.id, row.claimed_by, row.attempts),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            error=f"lease expired: worker {row.claimed_by} stopped heartbeating",
            backoff_seconds=backoff_seconds,
        )
    return reaped


def give_back(session: Session, jobs: list[ClaimedJob]) -> int:
    """Return claimed jobs that never started (a stopping worker's rest of batch) to the queue,
    due now and with the attempt their claim counted undone."""
    if not jobs:
        return 0
    result = session.execute(
        update(Job)
        .where(or_(*(_claimed(job) for job in jobs)))
        .values(
            status="queued",
            claimed_by=None,
            claimed_at=None,
            lease_expires_at=None,
            attempts=Job.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    return _changed(result)
