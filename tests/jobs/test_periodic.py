"""Periodic jobs run once a period across all workers, whichever worker ticks first."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import kinds, queue
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.jobs.registry import load_handlers


def queued_per_kind(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        rows = session.execute(select(Job.kind, func.count()).group_by(Job.kind)).all()
    return {kind: count for kind, count in rows}


def periodic_kinds() -> dict[str, int]:
    load_handlers()
    schedule = kinds.periodic_schedule()
    assert schedule, "the domains declare periodic jobs"
    return {item.kind: 1 for item in schedule}


def tick(factory: sessionmaker[Session], last_run: dict[str, dt.datetime]) -> None:
    with factory() as session:
        jobs.queue_periodic(session, last_run=last_run)


def test_workers_ticking_in_one_period_queue_each_kind_once(
    session_factory: sessionmaker[Session],
) -> None:
    expected = periodic_kinds()
    for _ in range(3):  # three workers, each starting with no memory of its own
        tick(session_factory, {})
    assert queued_per_kind(session_factory) == expected


def test_a_finished_run_does_not_let_another_worker_run_it_again_this_period(
    session_factory: sessionmaker[Session],
) -> None:
    expected = periodic_kinds()
    tick(session_factory, {})
    with session_factory() as session:
        session.execute(update(Job).values(status="done"))
        session.commit()
    tick(session_factory, {})  # a worker started after the run finished
    assert queued_per_kind(session_factory) == expected


def test_the_next_period_queues_again(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = periodic_kinds()
    last_run: dict[str, dt.datetime] = {}
    tick(session_factory, last_run)
    with session_factory() as session:
        session.execute(update(Job).values(status="done"))
        session.commit()
    longest = max(item.every for item in kinds.periodic_schedule())
    later = dt.datetime.now(dt.UTC) + longest + dt.timedelta(seconds=1)
    monkeypatch.setattr(queue, "utcnow", lambda: later)
    tick(session_factory, last_run)
    assert queued_per_kind(session_factory) == {kind: 2 for kind in expected}


def test_period_start_is_the_same_for_every_worker() -> None:
    every = dt.timedelta(minutes=15)
    moment = dt.datetime(2026, 12, 1, 10, 7, 31, tzinfo=dt.UTC)
    assert queue.period_start(moment, every) == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    assert queue.period_start(moment + dt.timedelta(minutes=8), every) == dt.datetime(
        2026, 12, 1, 10, 15, tzinfo=dt.UTC
    )


# SQLite has one writer at a time; the embedded demo runs one worker.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_simultaneous_ticks_queue_one_job(session_factory: sessionmaker[Session]) -> None:
    expected = periodic_kinds()
    start = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            tick(session_factory, {})
        except BaseException as exc:  # reported below, with the other workers' results
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    assert queued_per_kind(session_factory) == expected
