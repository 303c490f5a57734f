"""The pipeline of `jjj demo` (in a child process) and `jjj serve --worker` (in-process): gateway,
loader and the replay of the recorded day end in the database; without NATS nothing starts and
the caller is told. The demo's child process stops with the demo, however the demo ends."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import os
import pickle
import selectors
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import Settings
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.sources import live
from jingjinji.sources.gateway.counters import RejectLog
from jingjinji.sources.gateway.runner import GatewayThread
from jingjinji.sources.gateway.server import Gateway
from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.models import Batch, Packet
from jingjinji.sources.replay import corpus_dir
from jingjinji.sources.service.exceedances import DETECT_JOB
from jingjinji.sources.stream import StreamNames
from tests.browser_support import free_port
from tests.conftest import People
from tests.sources.registry_support import register_recorded_loggers

LINES = 300  # the first packets of one recorded hour
DATA_COMMANDS = {"2011", "2051", "2061", "2031"}


def _small_recording(folder: Path) -> list[bytes]:
    found = corpus_dir()
    if found is None:
        pytest.skip("the Hebei HJ 212 recording was not found (set JJJ_SHARED_DIR)")
    lines = (found / "2016-08-24_04.h212").read_bytes().split(b"\r\n")[:LINES]
    (folder / "2016-08-24_04.h212").write_bytes(b"\r\n".join(lines) + b"\r\n")
    return lines


def _register(session_factory: sessionmaker[Session], people: People, frames: list[bytes]) -> None:
    stations: dict[str, str] = {}
    for frame in frames:
        packet = parse_packet(frame)
        if packet.valid and packet.mn and packet.st:
            stations.setdefault(packet.mn, packet.st)
    with session_factory() as session:
        register_recorded_loggers(
            session, people["office"], stations, serial=11, name_zh="演示管道测试企业"
        )


def _expected_keys(frames: list[bytes]) -> int:
    keys = set()
    for frame in frames:
        packet = parse_packet(frame)
        if packet.valid and packet.cn in DATA_COMMANDS and packet.data_time is not None:
            keys.add((packet.mn, packet.cn, packet.data_time))
    return len(keys)


def test_the_demo_pipeline_stores_the_replayed_packets(
    session_factory: sessionmaker[Session],
    settings: Settings,
    people: People,
    stream_names: StreamNames,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    frames = _small_recording(tmp_path)
    # A few corrupted packets among them, as in the real recording: each is logged at DEBUG
    # only, and the end of the replay says the counts by reason in one line.
    corrupted = [frames[5][:-4] + b"0000", frames[12][:-4] + b"FFFF"]
    (tmp_path / "2016-08-24_04.h212").write_bytes(b"\r\n".join([*frames, *corrupted]) + b"\r\n")
    _register(session_factory, people, frames)
    expected = _expected_keys(frames)
    assert expected > 100
    summaries: list[str] = []
    stop = threading.Event()
    caplog.set_level(logging.DEBUG, logger="jingjinji.sources")
    pipeline = live.start(
        session_factory,
        settings,
        stop=stop,
        names=stream_names,
        gateway=True,
        gateway_port=0,
        replay_demo=True,
        corpus=tmp_path,
        live_pace=False,
        report=summaries.append,
    )
    assert pipeline is not None and pipeline.gateway is not None and pipeline.replay is not None
    try:
        stored = 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with session_factory() as session:
                stored = session.scalar(select(func.count()).select_from(Packet)) or 0
            if stored >= expected:
                break
            time.sleep(0.5)
        assert stored == expected
        pipeline.replay.join(timeout=60)
        assert not pipeline.replay.is_alive()
        snap = pipeline.gateway.snapshot()
    finally:
        pipeline.close()
    reasons = collections.Counter(
        parse_packet(f).reason for f in [*frames, *corrupted] if f and not parse_packet(f).valid
    )
    assert sum(reasons.values()) >= len(corrupted)
    assert snap["rejects"] == dict(sorted(reasons.items()))
    zero = {"packets": {"frames": 0, "accepted": 0}, "rejects": {}}
    assert summaries == [live.replay_summary(zero, snap)]
    assert f"rejected {sum(reasons.values())} (" in summaries[0]
    rejects = [r for r in caplog.records if r.getMessage().startswith("rejected (")]
    assert len(rejects) == sum(reasons.values())
    assert {r.levelno for r in rejects} == {logging.DEBUG}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_replay_summary_counts_each_reason_between_two_snapshots() -> None:
    before = {"packets": {"frames": 10, "accepted": 8}, "rejects": {"crc": 2}}
    after = {
        "packets": {"frames": 190456, "accepted": 190373},
        "rejects": {"length": 68, "crc": 3, "framing": 12, "unknown_logger": 0},
    }
    assert live.replay_summary(before, after) == (
        "gateway read 190446 packets, stored 190365, rejected 81 (crc 1, framing 12, length 68)"
    )
    quiet = {"packets": {"frames": 5, "accepted": 5}, "rejects": {}}
    assert live.replay_summary(quiet, quiet) == "gateway read 0 packets, stored 0, rejected 0"


def test_the_reject_log_writes_at_its_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="jingjinji.sources.gateway")
    RejectLog(level=logging.DEBUG)("length", "127.0.0.1:1", b"##0000", "too short")
    RejectLog()("crc", "127.0.0.1:2", b"##0101")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "rejected (length: too short) from 127.0.0.1:1: b'##0000'"),
        (logging.WARNING, "rejected (crc) from 127.0.0.1:2: b'##0101'"),
    ]


def test_a_call_to_a_stopped_gateway_closes_its_coroutine() -> None:
    """The gateway thread's loop is closed once it stopped: a call is refused (RuntimeError)
    and its coroutine closed, not left to warn "coroutine ... was never awaited"."""
    loop = asyncio.new_event_loop()
    loop.close()
    stopped = GatewayThread(loop, cast(Gateway, object()), threading.Thread(target=lambda: None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="closed"):
            stopped.snapshot()
        gc.collect()
    assert [str(w.message) for w in caught] == []


def test_without_nats_nothing_starts(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    names = StreamNames(url="nats://127.0.0.1:1", stream="S", prefix="p")
    stop = threading.Event()
    assert live.start(session_factory, settings, stop=stop, names=names, gateway=True) is None


@jobs.handler("test.live_worker")
def _live_worker_job(session: Session, payload: dict[str, Any]) -> None:
    del session, payload


def test_without_nats_the_process_still_runs_the_job_worker(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory() as session:
        job_id = jobs.enqueue(session, kind="test.live_worker").id
        session.commit()
    names = StreamNames(url="nats://127.0.0.1:1", stream="S", prefix="p")
    options = live.ProcessOptions(label="demo", names=names, gateway=True, worker=True)
    stop = threading.Event()
    runner = threading.Thread(
        target=live.run_until_stopped,
        args=(session_factory, settings, options),
        kwargs={"stop": stop},
        daemon=True,
    )
    runner.start()
    status = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with session_factory() as session:
                status = session.scalar(select(Job.status).where(Job.id == job_id))
            if status == "done":
                break
            time.sleep(0.2)
    finally:
        stop.set()
        runner.join(timeout=60)
    assert status == "done"
    assert not runner.is_alive()


# --- the demo's pipeline in a process of its own ----------------------------------------------


def _read_until(stream: IO[bytes], wanted: str, seen: list[str], timeout: float = 120) -> str:
    """Lines of ``stream`` (collected in ``seen``) until one holding ``wanted``, which is
    returned; fails with what came once ``timeout`` seconds passed or the stream ended."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            line = stream.readline().decode()
            if not line:
                break
            seen.append(line)
            if wanted in line:
                return line
    raise AssertionError(f"no line with {wanted!r} in {''.join(seen)!r}")


def _gone(pid: int, timeout: float = 60) -> bool:
    """Whether process ``pid`` ended (or is a zombie waiting to be reaped) within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in {"Z", "X"}:
            return True
        time.sleep(0.2)
    return False


def _pipeline_children(pid: int) -> list[int]:
    """The processes ``pid`` spawned with multiprocessing (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def test_the_pipeline_process_stores_the_replay_outside_this_process(
    session_factory: sessionmaker[Session],
    settings: Settings,
    people: People,
    stream_names: StreamNames,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    frames = _small_recording(tmp_path)
    _register(session_factory, people, frames)
    expected = _expected_keys(frames)
    options = live.ProcessOptions(
        label="demo",
        names=stream_names,
        gateway=True,
        gateway_port=0,
        replay_demo=True,
        corpus=tmp_path,
        live_pace=False,
        worker=True,
    )
    pipeline = live.start_process(settings, options)
    output = ""
    try:
        assert pipeline.pid is not None and pipeline.pid != os.getpid()
        deadline = time.monotonic() + 120
        while "demo: gateway read" not in output and time.monotonic() < deadline:
            time.sleep(0.5)
            output += capfd.readouterr().out
        # The replay summary counts the packets the gateway stored in the stream; the child's
        # loader (which shares the child with the job worker) may store them a little later.
        stored: int | None = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with session_factory() as session:
                stored = session.scalar(select(func.count()).select_from(Packet))
            if stored == expected:
                break
            time.sleep(0.5)
        with session_factory() as session:
            loaders = set(session.scalars(select(Batch.loader)))
        # The child's job worker runs the detection job each stored batch queued.
        detections: list[str] = []
        while time.monotonic() < deadline:
            with session_factory() as session:
                detections = list(session.scalars(select(Job.status).where(Job.kind == DETECT_JOB)))
            if detections and set(detections) == {"done"}:
                break
            time.sleep(0.5)
    finally:
        code = pipeline.close()
    output += capfd.readouterr().out
    assert code == 0 and not pipeline.process.is_alive()
    assert "demo: HJ 212 gateway on 127.0.0.1:" in output, output
    assert f"demo: gateway read {sum(1 for f in frames if f)} packets, stored " in output, output
    assert stored == expected
    # The batches were written by the child's loader, named host:pid.
    assert loaders and {name.rsplit(":", 1)[1] for name in loaders} == {str(pipeline.pid)}
    assert detections and set(detections) == {"done"}, detections


PARENT = """
import pickle, sys, time
from jingjinji.sources import live
settings, options = pickle.loads(sys.stdin.buffer.read())
child = live.start_process(settings, options)
print("child", child.pid, flush=True)
time.sleep(600)
"""


def test_the_pipeline_process_stops_when_its_parent_is_killed(
    engine: object, settings: Settings, stream_names: StreamNames
) -> None:
    options = live.ProcessOptions(label="demo", names=stream_names, gateway=True, gateway_port=0)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=0,  # unbuffered: select() sees every line that came
    )
    assert parent.stdin is not None and parent.stdout is not None
    seen: list[str] = []
    try:
        parent.stdin.write(pickle.dumps((settings, options)))
        parent.stdin.close()
        child = int(_read_until(parent.stdout, "child ", seen).split()[1])
        # The child's lines reach the parent's standard output.
        _read_until(parent.stdout, "demo: HJ 212 gateway on 127.0.0.1:", seen)
        assert _pipeline_children(parent.pid) == [child]
        parent.kill()  # no chance to clean up
        parent.wait(timeout=30)
        assert _gone(child), f"the pipeline process {child} outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()


@pytest.mark.slow
@pytest.mark.xdist_group("load")  # loads the whole demo: one at a time beside the other loads
def test_jjj_demo_serves_with_the_pipeline_in_a_child_and_stops_it_on_ctrl_c(
    engine: object, db_url: str, stream_names: StreamNames, tmp_path: Path
) -> None:
    """The real `jjj demo`: the pipeline is a child process of the server, its lines on the
    demo's output, and it ends with the demo on Ctrl-C (SIGINT to the whole process group, as
    a terminal sends it: the child ignores it and the server stops it after itself)."""
    port = free_port()
    env = {
        **os.environ,
        "JJJ_DATABASE_URL": db_url,
        "JJJ_VAR_DIR": str(tmp_path / "var"),
        "JJJ_SECRET_KEY": "test-secret-key",
        # No air history to load (faster). The Hebei recording may still be found beside the
        # project: then the demo is stopped while it reads or replays it, as a person would.
        "JJJ_SHARED_DIR": str(tmp_path / "no-shared"),
        "JJJ_NATS_URL": stream_names.url,
        "JJJ_SOURCES_STREAM": stream_names.stream,
        "JJJ_SOURCES_SUBJECT_PREFIX": stream_names.prefix,
        "JJJ_SOURCES_GATEWAY_PORT": str(free_port()),
    }
    demo = subprocess.Popen(
        [sys.executable, "-c", "from jingjinji.cli import app; app()", "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=0,
        start_new_session=True,
    )
    assert demo.stdout is not None
    seen: list[str] = []
    try:
        _read_until(demo.stdout, f"jingjinji is up: http://127.0.0.1:{port}/", seen, 300)
        _read_until(demo.stdout, "demo: HJ 212 gateway on 127.0.0.1:", seen)
        children = _pipeline_children(demo.pid)
        assert len(children) == 1, seen
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while True:  # the line is printed just before the server binds its port
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/healthz").status_code == 200:
                        break
                assert time.monotonic() < deadline, "the demo server did not come up"
                time.sleep(0.2)
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=60)
        assert _gone(children[0]), f"the pipeline process outlived the demo: {''.join(seen)}"
        rest = demo.stdout.read().decode()
        assert "Traceback" not in "".join(seen) + rest, "".join(seen) + rest
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        demo.stdout.close()
