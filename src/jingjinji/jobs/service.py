"""Background jobs: queued in the domain's own transaction, run by ``jjj worker`` processes.

Use: register a handler with ``@jobs.handler("kind")`` (a domain's ``service`` or
``jobs_handlers`` module; ``JJJ_EXTRA_JOB_MODULES`` names more modules for a worker, see
``registry``), queue with ``jobs.enqueue(session, kind=..., payload=...)`` in the transaction of
the write that needs the job (both commit or neither), repeat with ``jobs.periodic(kind,
every=...)``. A job goes ``queued -> running -> done``, or back to ``queued`` after a backoff
(10 s, 20 s, 40 s ... capped at 1 h), or ``dead`` after ``max_attempts`` with its last error;
administrators list and retry dead ones.

Guarantees:

- Claims: a worker claims a batch with one statement, ``UPDATE jobs ... WHERE id IN (SELECT id
  ... ORDER BY run_after, id FOR UPDATE SKIP LOCKED LIMIT n) RETURNING ...``. On PostgreSQL
  several ``jjj worker`` processes run side by side, never waiting on nor double-claiming each
  other's rows; on SQLite (the embedded demo) the same statement runs one writer at a time.
- Leases: a claim holds a lease (30 s by default, ``jjj worker --lease-seconds``) that the
  worker's heartbeat thread renews every third of the lease while it holds the job. A worker
  that dies stops heartbeating; once its lease has passed another worker queues the job again
  after the backoff, or makes it dead when out of attempts, with the error "lease expired:
  worker X stopped heartbeating". A running job whose lease passed is not pending, so it never
  blocks its dedupe key: a periodic job is not stuck behind a dead claim.
- Database effects happen exactly once. A handler does its work in the session it is given and
  does not commit; the worker marks the job done in that same transaction with an UPDATE fenced
  by the claim (still ``running``, same ``claimed_by`` and ``attempts``, which grows with every
  claim). If the lease was lost and another worker took the job, the fence matches nothing and
  the late worker's transaction rolls back with all its effects. A handler error rolls its
  effects back as well.
- External side effects (HTTP calls, mail) happen at least once: a worker may die after the call
  and before its commit, and the retry calls again. Receivers de-duplicate (warnings webhooks
  carry ``X-JJJ-Delivery``). A handler that must keep a record of a failed call commits it
  itself (a webhook delivery commits every attempt); what it committed is outside the
  exactly-once guarantee, so its state must make a rerun harmless (a delivered webhook is not
  sent again).
- Times (due, lease) come from the workers' clocks in UTC: hosts running workers keep their
  clocks in sync (NTP) well within a lease.

Why our own table rather than Procrastinate (PostgreSQL only): one code path for both backends
(the embedded demo runs on SQLite); a job is a row written in the domain's SQLAlchemy
transaction, so it is queued if and only if the write that needs it commits, where Procrastinate
defers through its own connection; and exactly-once effects need the "done" in the handler's
own transaction, where Procrastinate marks a job finished in a transaction of its own. Speed is
no reason to switch: ``benchmarks/bench_jobs.py`` runs this worker against a bare ``SELECT ...
FOR UPDATE SKIP LOCKED`` + ``UPDATE`` loop on the same table; ``docs/jobs.md`` has the
measured rates (0.68-0.96 of the bare loop; 2,334 no-op jobs/s with 4 processes on 2 cores).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import Conflict, NotFound
from jingjinji.i18n import msg
from jingjinji.jobs.kinds import _periodic, handler, periodic
from jingjinji.jobs.models import Job
from jingjinji.jobs.queue import (
    ClaimedJob,
    backoff,
    claim,
    enqueue,
    queue_periodic,
    reap_lost_claims,
)
from jingjinji.jobs.worker import run_job, run_pending, work_forever, worker_id
from jingjinji.pagination import Paged, paginate
from jingjinji.security import Role, ensure_role

if TYPE_CHECKING:
    from jingjinji.security import Actor

__all__ = [
    "ClaimedJob",
    "_periodic",
    "backoff",
    "claim",
    "enqueue",
    "handler",
    "list_jobs",
    "periodic",
    "queue_periodic",
    "reap_lost_claims",
    "retry",
    "run_job",
    "run_pending",
    "statuses",
    "work_forever",
    "worker_id",
]


def retry(session: Session, *, actor: Actor | None, job_id: int) -> Job:
    """Put a dead (or failed, waiting) job back in the queue now, with fresh attempts. Office
    administrators only."""
    from jingjinji.audit import service as audit

    actor = ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="jobs.retry",
        object_type="job",
        object_id=str(job_id),
    )
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(msg("no job {job_id}", job_id=job_id))
    if job.status not in ("dead", "queued"):
        raise Conflict(
            msg(
                "job {job_id} is {job_status}; only dead or waiting jobs can be retried",
                job_id=job_id,
                job_status=job.status,
            )
        )
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
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[Job]:
    """Jobs newest first (``next_cursor`` pages to older ones). Office administrators only."""
    ensure_role(session, actor, Role.OFFICE_ADMIN, action="jobs.read", object_type="job")
    stmt = select(Job)
    if status:
        stmt = stmt.where(Job.status == status)
    return paginate(session, stmt, Job.id, cursor=cursor, limit=limit, descending=True)


def statuses(session: Session, *, job_ids: list[int]) -> dict[int, str]:
    """The status of each of ``job_ids`` (one query; unknown ids are left out), for a domain
    that shows the progress of its own jobs (say, an upload running now)."""
    if not job_ids:
        return {}
    rows = session.execute(select(Job.id, Job.status).where(Job.id.in_(job_ids)))
    return {job_id: status for job_id, status in rows}
