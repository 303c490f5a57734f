"""Leases: a claim lost with its worker is reclaimed (with backoff, up to the attempt limit),
blocks no periodic job, and a late worker's effects never commit; the heartbeat keeps a long
job's lease; PostgreSQL claims skip locked rows instead of waiting or double-claiming."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import kinds
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from tests.jobs.effect_handlers import EFFECT_JOB, effects

WAIT_SECONDS = 30.0
ticks: list[str] = []
lease_watch: list[tuple[int, int]] = []
stop_after_first = threading.Event()


@jobs.handler("test.tick")
def _tick(session: Session, payload: dict[str, Any]) -> None:
    ticks.append("tick")


@jobs.handler("test.outlive_lease")
def _outlive_lease(session: Session, payload: dict[str, Any]) -> None:
    """Run past the lease the job was claimed with, then check that nobody can take it over."""
    with Session(session.get_bind().engine) as watcher:

        def lease() -> dt.datetime | None:
            return watcher.scalar(select(Job.lease_expires_at).where(Job.kind == _OUTLIVE))

        first = lease()
        assert first is not None

        def renewed() -> bool:
            now = dt.datetime.now(dt.UTC)
            current = lease()
            return now > first + dt.timedelta(seconds=0.5) and current is not None and current > now

        wait_for(renewed, "the heartbeat to renew the lease past its first expiry")
        reaped = jobs.reap_lost_claims(watcher)
        watcher.commit()
        taken = jobs.claim(watcher, worker_id="thief", limit=10)
        lease_watch.append((reaped, len(taken)))


_OUTLIVE = "test.outlive_lease"


@jobs.handler("test.stop_after_first")
def _stop_after_first(session: Session, payload: dict[str, Any]) -> None:
    ticks.append(str(payload["n"]))
    stop_after_first.set()


@pytest.fixture(autouse=True)
def _reset() -> None:
    ticks.clear()
    lease_watch.clear()
    stop_after_first.clear()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds:.0f}s waiting for {what}")
        time.sleep(0.02)


def claim_and_vanish(factory: sessionmaker[Session], worker: str) -> jobs.ClaimedJob:
    """A worker claims the one due job with a very short lease and dies: no heartbeat, no
    finish. Returns once its lease has passed."""
    with factory() as session:
        (claimed,) = jobs.claim(session, worker_id=worker, limit=1, lease_seconds=0.05)
        lease = session.scalar(select(Job.lease_expires_at).where(Job.id == claimed.id))
    assert lease is not None
    wait_for(lambda: dt.datetime.now(dt.UTC) > lease, "the lease to pass")
    return claimed


def make_due(factory: sessionmaker[Session]) -> None:
    """Skip the backoff wait (what the clock would do)."""
    with factory() as session:
        session.execute(
            update(Job)
            .where(Job.status == "queued")
            .values(run_after=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()


def the_job(factory: sessionmaker[Session]) -> Job:
    with factory() as session:
        return session.scalars(select(Job)).one()


def test_expired_lease_is_reclaimed_with_backoff_then_dead(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind="test.tick", max_attempts=2)
        session.commit()
    claim_and_vanish(session_factory, "crashed-1")
    before = dt.datetime.now(dt.UTC)
    assert jobs.run_pending(session_factory) == 0  # reaped, but waiting out its backoff
    job = the_job(session_factory)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == "lease expired: worker crashed-1 stopped heartbeating"
    wait = (job.run_after - before).total_seconds()
    assert jobs.backoff(1) - 1 <= wait <= jobs.backoff(1) + 5
    assert job.lease_expires_at is None
    make_due(session_factory)
    claim_and_vanish(session_factory, "crashed-2")  # the second and last attempt dies too
    assert jobs.run_pending(session_factory) == 0
    job = the_job(session_factory)
    assert (job.status, job.attempts) == ("dead", 2)
    assert job.last_error == "lease expired: worker crashed-2 stopped heartbeating"
    assert job.finished_at is not None
    assert ticks == []


def test_reclaimed_job_runs_on_another_worker(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind="test.tick")
        session.commit()
    claim_and_vanish(session_factory, "crashed")
    assert jobs.run_pending(session_factory, worker="rescuer", backoff_seconds=0) == 1
    job = the_job(session_factory)
    assert (job.status, job.attempts, job.claimed_by, job.last_error) == (
        "done",
        2,
        "rescuer",
        None,
    )
    assert ticks == ["tick"]


def test_periodic_job_is_not_blocked_by_a_dead_claim(
    session_factory: sessionmaker[Session],
) -> None:
    """The incident: after one lost claim, three periodic ticks queued nothing, for ever."""
    key = kinds.periodic_dedupe_key("test.tick")
    with session_factory() as session:
        first = jobs.enqueue(session, kind="test.tick", dedupe_key=key).id
        session.commit()
    claim_and_vanish(session_factory, "vanished")
    for _ in range(3):  # three ticks
        with session_factory() as session:
            pending = jobs.enqueue(session, kind="test.tick", dedupe_key=key)
            session.commit()
            assert (pending.id, pending.status) == (first, "queued")
    make_due(session_factory)
    assert jobs.run_pending(session_factory) == 1
    assert ticks == ["tick"]
    with session_factory() as session:
        later = jobs.enqueue(session, kind="test.tick", dedupe_key=key)  # the next period
        session.commit()
        assert later.id != first and later.status == "queued"


def test_late_worker_effects_vanish(session_factory: sessionmaker[Session]) -> None:
    """Exactly-once effects: the worker whose lease passed runs its handler after another
    worker finished the job; its transaction rolls back."""
    with session_factory() as session:
        jobs.enqueue(session, kind=EFFECT_JOB, payload={"tag": "late"})
        session.commit()
    stalled = claim_and_vanish(session_factory, "stalled")
    assert jobs.run_pending(session_factory, worker="prompt", backoff_seconds=0) == 1
    assert jobs.run_job(session_factory, stalled) is False  # the stalled worker wakes up
    job = the_job(session_factory)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 2, "prompt")
    with session_factory() as session:
        assert len(effects(session, "late")) == 1


def test_heartbeat_keeps_a_long_jobs_lease(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind=_OUTLIVE, max_attempts=1)
        session.commit()
    assert jobs.run_pending(session_factory, worker="steady", lease_seconds=2.0) == 1
    job = the_job(session_factory)
    assert (job.status, job.attempts, job.claimed_by, job.last_error) == (
        "done",
        1,
        "steady",
        None,
    )
    assert lease_watch == [(0, 0)]  # nothing to reap, nothing to claim while it ran


def test_stopping_worker_gives_back_the_rest_of_its_batch(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        ids = [
            jobs.enqueue(session, kind="test.stop_after_first", payload={"n": n}).id
            for n in range(3)
        ]
        session.commit()
    worker = threading.Thread(
        target=jobs.work_forever,
        args=(session_factory,),
        kwargs={"stop": stop_after_first, "poll_seconds": 0.05, "batch": 3},
        daemon=True,
    )
    worker.start()
    worker.join(timeout=WAIT_SECONDS)
    assert not worker.is_alive()
    assert ticks == ["0"]
    with session_factory() as session:
        rows = session.execute(
            select(Job.id, Job.status, Job.attempts, Job.claimed_by)
            .where(Job.kind == "test.stop_after_first")
            .order_by(Job.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (ids[0], "done", 1, rows[0].claimed_by),
        (ids[1], "queued", 0, None),
        (ids[2], "queued", 0, None),
    ]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_batch_claims_never_double_claim(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        for n in range(300):
            jobs.enqueue(session, kind="test.tick", payload={"n": n})
        session.commit()
    claimed: list[list[int]] = [[], [], []]
    start = threading.Barrier(3, timeout=WAIT_SECONDS)

    def claimer(slot: int) -> None:
        start.wait()
        with session_factory() as session:
            while batch := jobs.claim(session, worker_id=f"w{slot}", limit=7):
                claimed[slot].extend(job.id for job in batch)

    threads = [threading.Thread(target=claimer, args=(n,), daemon=True) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
        assert not thread.is_alive()
    everything = [job_id for ids in claimed for job_id in ids]
    assert len(everything) == len(set(everything)) == 300


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_claim_skips_locked_rows_instead_of_waiting(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        ids = [jobs.enqueue(session, kind="test.tick").id for _ in range(5)]
        session.commit()
    with session_factory() as holder, session_factory() as claimer:
        holder.execute(select(Job.id).where(Job.id == ids[0]).with_for_update())
        # Without SKIP LOCKED the claim would wait for the holder: make that an error.
        claimer.execute(text("SET LOCAL lock_timeout = '5s'"))
        taken = jobs.claim(claimer, worker_id="w", limit=10)
        holder.rollback()
    assert sorted(job.id for job in taken) == ids[1:]
