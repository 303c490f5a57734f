"""Real ``jjj worker`` processes on one database: a worker killed (SIGKILL) in the middle of a job
loses it to another after its lease, and the job's effect commits exactly once; SIGTERM lets the
running job finish, then the worker exits cleanly.

The workers know the test job kind through ``JJJ_EXTRA_JOB_MODULES`` (``registry``). Every wait
is bounded; a worker still alive at the end is killed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import kinds
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.jobs.registry import EXTRA_MODULES_ENV, load_handlers
from tests.jobs import effect_handlers
from tests.jobs.effect_handlers import EFFECT_JOB, effects

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 5
# Worker start-up imports every domain: slow on a loaded machine.
WAIT_SECONDS = 120.0


@dataclass
class Workers:
    db_url: str
    tmp_path: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        jjj = shutil.which("jjj", path=str(Path(sys.executable).parent))
        assert jjj is not None, "the jjj entry point is not installed"
        env = {
            **os.environ,
            "JJJ_DATABASE_URL": self.db_url,
            "JJJ_SECRET_KEY": "test-secret-key",
            "JJJ_VAR_DIR": str(self.tmp_path),
            EXTRA_MODULES_ENV: effect_handlers.MODULE,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        log = (self.tmp_path / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [
                jjj,
                "worker",
                f"--lease-seconds={LEASE_SECONDS}",
                "--poll=0.2",
                "--backoff-seconds=0",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.tmp_path,
        )
        log.close()
        self.started.append(process)
        return process

    def by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        (process,) = [p for p in self.started if p.pid == pid]
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- worker {n}:\n{(self.tmp_path / f'worker-{n}.log').read_text(errors='replace')}"
            for n in range(len(self.started))
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=WAIT_SECONDS)


@pytest.fixture
def workers(db_url: str, tmp_path: Path, engine: object) -> Iterator[Workers]:
    group = Workers(db_url, tmp_path)
    yield group
    group.stop_all()


def wait_for(condition: Callable[[], bool], what: str, workers: Workers) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}\n{workers.logs()}")
        time.sleep(0.05)


def quiet_periodic_jobs(factory: sessionmaker[Session]) -> None:
    """Keep the domains' periodic jobs out of the way: one pending run of each, due tomorrow,
    so the workers' ticks find it and queue nothing."""
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


def enqueue_held_job(factory: sessionmaker[Session], tmp_path: Path, tag: str) -> tuple[int, Path]:
    hold = tmp_path / "hold"
    hold.touch()
    started = tmp_path / "started"
    started.mkdir()
    with factory() as session:
        job_id = jobs.enqueue(
            session,
            kind=EFFECT_JOB,
            payload={"tag": tag, "hold_file": str(hold), "started_dir": str(started)},
        ).id
        session.commit()
    return job_id, hold


def job_row(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def pid_of(claimed_by: str | None) -> int:
    assert claimed_by is not None
    return int(claimed_by.split(":")[1])


def test_killed_worker_loses_its_job_to_another_exactly_once(
    session_factory: sessionmaker[Session], workers: Workers, tmp_path: Path
) -> None:
    quiet_periodic_jobs(session_factory)
    first, second = workers.start(), workers.start()
    job_id, hold = enqueue_held_job(session_factory, tmp_path, "crash")

    def claimed_and_holding() -> bool:
        job = job_row(session_factory, job_id)
        return (
            job.status == "running"
            and (tmp_path / "started" / str(pid_of(job.claimed_by))).exists()
        )

    wait_for(claimed_and_holding, "a worker to claim the job and start its effect", workers)
    victim = workers.by_pid(pid_of(job_row(session_factory, job_id).claimed_by))
    survivor = second if victim is first else first
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=WAIT_SECONDS)
    hold.unlink()  # the retry need not wait

    wait_for(
        lambda: job_row(session_factory, job_id).status == "done",
        "the job to complete on the surviving worker",
        workers,
    )
    job = job_row(session_factory, job_id)
    assert (job.attempts, pid_of(job.claimed_by)) == (2, survivor.pid)
    with session_factory() as session:
        assert effects(session, "crash") == [{"pid": survivor.pid}]
    assert survivor.poll() is None


def test_sigterm_lets_the_running_job_finish(
    session_factory: sessionmaker[Session], workers: Workers, tmp_path: Path
) -> None:
    quiet_periodic_jobs(session_factory)
    worker = workers.start()
    job_id, hold = enqueue_held_job(session_factory, tmp_path, "term")
    wait_for(lambda: (tmp_path / "started" / str(worker.pid)).exists(), "the job to start", workers)
    worker.send_signal(signal.SIGTERM)
    hold.unlink()
    try:
        returncode = worker.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not stop after SIGTERM\n{workers.logs()}")
    assert returncode == 0, workers.logs()
    job = job_row(session_factory, job_id)
    assert (job.status, job.attempts) == ("done", 1)
    with session_factory() as session:
        assert effects(session, "term") == [{"pid": worker.pid}]
