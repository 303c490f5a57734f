"""Jobs: compare-and-set claims, retries with backoff, dead letters."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job

calls: list[dict[str, Any]] = []


@jobs.handler("test.ok")
def _ok(session: Session, payload: dict[str, Any]) -> None:
    calls.append(payload)


@jobs.handler("test.fail")
def _fail(session: Session, payload: dict[str, Any]) -> None:
    raise RuntimeError("upstream unavailable")


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    calls.clear()


def test_job_runs_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind="test.ok", payload={"n": 1})
        session.commit()
    assert jobs.run_pending(session_factory) == 1
    assert jobs.run_pending(session_factory) == 0
    assert calls == [{"n": 1}]
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
        assert job.status == "done" and job.attempts == 1


def test_claim_is_compare_and_set(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        for i in range(20):
            jobs.enqueue(session, kind="test.ok", payload={"n": i})
        session.commit()
    claimed: list[list[int]] = [[], []]

    def claim(slot: int) -> None:
        with session_factory() as session:
            for _ in range(10):
                claimed[slot].extend(
                    j.id for j in jobs.claim(session, worker_id=f"w{slot}", limit=3)
                )

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_ids = claimed[0] + claimed[1]
    assert len(all_ids) == len(set(all_ids)) == 20


def test_failing_job_retries_with_backoff_then_dies(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind="test.fail", max_attempts=3)
        session.commit()
    for attempt in range(1, 4):
        assert jobs.run_pending(session_factory) == 1
        with session_factory() as session:
            job = session.scalars(select(Job)).one()
            assert job.attempts == attempt
            assert "upstream unavailable" in (job.last_error or "")
            if attempt < 3:
                assert job.status == "queued"
                delay = (job.run_after - dt.datetime.now(dt.UTC)).total_seconds()
                assert jobs.backoff(attempt) - 5 < delay <= jobs.backoff(attempt)
                job.run_after = dt.datetime.now(dt.UTC)  # let it run again now
                session.commit()
            else:
                assert job.status == "dead"
    assert jobs.run_pending(session_factory) == 0


def test_backoff_doubles_and_caps() -> None:
    assert [jobs.backoff(n) for n in (1, 2, 3, 4)] == [10.0, 20.0, 40.0, 80.0]
    assert jobs.backoff(30) == 3600.0


def test_unknown_kind_is_recorded_not_crashing(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(session, kind="no.such.kind", max_attempts=1)
        session.commit()
    jobs.run_pending(session_factory)
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
        assert job.status == "dead" and "no handler" in (job.last_error or "")


def test_dedupe_key_queues_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        a = jobs.enqueue(session, kind="test.ok", dedupe_key="k")
        b = jobs.enqueue(session, kind="test.ok", dedupe_key="k")
        session.commit()
        assert a.id == b.id


def test_future_jobs_wait(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(
            session, kind="test.ok", run_after=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        )
        session.commit()
    assert jobs.run_pending(session_factory) == 0


def test_dead_job_can_be_retried_by_office_only(
    session_factory: sessionmaker[Session], client: Any, people: Any
) -> None:
    with session_factory() as session:
        job = jobs.enqueue(session, kind="test.fail", max_attempts=1)
        session.commit()
        job_id = job.id
    jobs.run_pending(session_factory)
    denied = client.post(
        f"/api/v1/jobs/{job_id}/retry", headers=people.headers(session_factory, "bj-admin")
    )
    assert denied.status_code == 403
    listing = client.get(
        "/api/v1/jobs", params={"status": "dead"}, headers=people.headers(session_factory, "office")
    )
    assert [j["id"] for j in listing.json()["items"]] == [job_id]
    retried = client.post(
        f"/api/v1/jobs/{job_id}/retry", headers=people.headers(session_factory, "office")
    )
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    assert jobs.run_pending(session_factory) == 1


def test_job_listing_pages_newest_first_and_checks_limit(
    session_factory: sessionmaker[Session], client: Any, people: Any
) -> None:
    with session_factory() as session:
        ids = [jobs.enqueue(session, kind="test.ok", payload={"n": n}).id for n in range(5)]
        session.commit()
    headers = people.headers(session_factory, "office")
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = client.get("/api/v1/jobs", params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += [j["id"] for j in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert seen == sorted(ids, reverse=True)
    for limit in ("-1", "0", "100000"):
        refused = client.get("/api/v1/jobs", params={"limit": limit}, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"] == ["query", "limit"]
