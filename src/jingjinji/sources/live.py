"""The pollution-source pipeline inside one process: the loader for ``jjj serve --worker``, and
for ``jjj demo`` the gateway and a replay of the real Hebei day as well.

In production the gateway (``jjj sources gateway``) and the loader (``jjj sources loader``) run
as processes of their own; this module lets the embedded demo show the whole path - TCP in,
JetStream, loader, database, exceedance detection - without starting four programs.

``jjj demo`` runs it in ONE child process (:func:`start_process`, spawned, not forked): the
gateway, the replay and the loader are CPU-bound Python, and as threads of the web process they
held its GIL while the recorded day was loaded, slowing every page (docs/sources.md, "The
demo"). The child stops when :meth:`PipelineProcess.close` is called, on SIGTERM, and when the
parent dies (its end of a pipe closes); it ignores SIGINT, which a terminal's Ctrl-C sends the
whole process group: the parent stops it after the server.

The demo's replay (``replay_demo``): the first start plays the recorded day as fast as the
gateway takes it (every packet stored once), then plays it on at real pace from the current
time of day, round the clock, so that the recorded loggers report as live ones do (the packets
are the recorded ones: their data times stay 2016-08-24; a packet stored before is a duplicate
and only refreshes when its logger was last heard).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from sqlalchemy import select

from jingjinji.sources.models import Packet
from jingjinji.sources.stream import StreamNames
from jingjinji.timezone import CHINA_TZ

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from sqlalchemy.orm import Session, sessionmaker

    from jingjinji.config import Settings
    from jingjinji.sources.gateway.runner import GatewayThread
    from jingjinji.sources.replay import Recorded

log = logging.getLogger("jingjinji.sources.live")

#: Seconds between two passes of the real-pace replay when one fails (gateway restarting).
RETRY_SECONDS = 5.0
#: After the first replay, the gateway's frame count must hold still this long (at most
#: SETTLE_LIMIT seconds) before the summary is read: the last corrupted packets get no reply.
SETTLE_SECONDS = 0.5
SETTLE_LIMIT = 10.0
#: Seconds the pipeline process gets to stop gracefully (the loader's batch committed and
#: acknowledged, the gateway's acknowledged publishes answered) before it is killed.
PROCESS_STOP_SECONDS = 30.0


def nats_reachable(url: str, *, timeout: float = 1.0) -> bool:
    """Whether something listens at the NATS URL's host and port (a quick TCP check)."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout=timeout
        ):
            return True
    except OSError:
        return False


@dataclass
class LivePipeline:
    """What :func:`start` started; ``stop`` ends them all."""

    stop: threading.Event
    loader: threading.Thread
    gateway: GatewayThread | None = None
    replay: threading.Thread | None = None
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.stop.set()
        if self.gateway is not None:
            self.gateway.stop()
        self.loader.join(timeout=10)
        if self.replay is not None:
            self.replay.join(timeout=10)


def start(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    stop: threading.Event,
    names: StreamNames | None = None,
    gateway: bool = False,
    gateway_port: int | None = None,
    replay_demo: bool = False,
    corpus: Path | None = None,
    live_pace: bool = True,
    limit: int | None = None,
    report: Callable[[str], None] | None = None,
) -> LivePipeline | None:
    """Start the loader (and with ``gateway`` a gateway on ``gateway_port``, default the
    settings' port; with ``replay_demo`` the replay of the recorded day into it, its first
    ``limit`` packets when given). None, with a
    warning logged, when NATS does not answer: the rest of the platform runs without it.

    The gateway logs each rejected packet at DEBUG only (the recording holds corrupted packets:
    they are no fault of the platform); the first, fast replay ends with one line of the
    gateway's counts (:func:`replay_summary`) given to ``report`` (default: the log, INFO)."""
    from jingjinji.sources.loader.consume import start_loader_thread

    names = names or StreamNames.from_settings(settings)
    if not nats_reachable(names.url):
        log.warning(
            "NATS does not answer at %s: no pollution-source gateway or loader (make nats)",
            names.url,
        )
        return None
    pipeline = LivePipeline(stop=stop, loader=start_loader_thread(factory, names, stop))
    if not gateway:
        return pipeline
    from jingjinji.sources.gateway.runner import start_in_thread
    from jingjinji.sources.gateway.server import GatewayConfig
    from jingjinji.sources.service.registry import LoggerEntry, logger_directory

    def directory() -> dict[str, LoggerEntry]:
        with factory() as session:
            return logger_directory(session)

    port = settings.sources_gateway_port if gateway_port is None else gateway_port
    try:
        pipeline.gateway = start_in_thread(
            names=names,
            directory_loader=directory,
            host="127.0.0.1",
            port=port,
            config=GatewayConfig(reject_log_level=logging.DEBUG),
        )
    except OSError as exc:
        pipeline.notes.append(f"no gateway on port {port}: {exc}")
        log.warning("no gateway on port %s: %s", port, exc)
        return pipeline
    if replay_demo:
        pipeline.replay = _start_replay(
            factory,
            pipeline,
            corpus=corpus,
            stop=stop,
            live_pace=live_pace,
            limit=limit,
            report=report or log.info,
        )
    return pipeline


def _start_replay(
    factory: sessionmaker[Session],
    pipeline: LivePipeline,
    *,
    corpus: Path | None,
    stop: threading.Event,
    live_pace: bool,
    limit: int | None,
    report: Callable[[str], None],
) -> threading.Thread | None:
    from jingjinji.sources.replay import corpus_dir, read_recording

    folder = corpus or corpus_dir()
    if folder is None:
        pipeline.notes.append("the Hebei recording is not in ../shared: nothing to replay")
        return None
    gateway = pipeline.gateway
    assert gateway is not None
    port = gateway.gateway.port
    with factory() as session:
        stored_before = session.scalar(select(Packet.logger_id).limit(1)) is not None

    def run() -> None:
        # Reading and re-framing the day takes a while (tens of seconds on a busy machine):
        # here, not before the server starts.
        records = read_recording([folder], limit=limit)
        if not stored_before:
            try:
                before = gateway.snapshot()
                asyncio.run(_unless_stopped(_play(records, port=port, speed=0.0), stop))
                if not stop.is_set():
                    report(replay_summary(before, _settled_snapshot(gateway)))
            except RuntimeError:
                if stop.is_set():  # stopped meanwhile: the gateway's loop is closed
                    return
                raise
        while live_pace and not stop.is_set():
            try:
                asyncio.run(_play_from_now(records, port=port, stop=stop))
            except OSError:
                if stop.is_set():
                    return
                log.exception("the demo replay lost the gateway; again in %gs", RETRY_SECONDS)
                stop.wait(RETRY_SECONDS)

    thread = threading.Thread(target=run, name="jjj-sources-replay", daemon=True)
    thread.start()
    return thread


def _settled_snapshot(gateway: GatewayThread) -> dict[str, Any]:
    """The gateway's counters once its frame count held still for SETTLE_SECONDS."""
    snap = gateway.snapshot()
    deadline = time.monotonic() + SETTLE_LIMIT
    while time.monotonic() < deadline:
        time.sleep(SETTLE_SECONDS)
        again = gateway.snapshot()
        if again["packets"]["frames"] == snap["packets"]["frames"]:
            return again
        snap = again
    return snap


def replay_summary(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """One line of what the gateway did between two counter snapshots: packets read, stored
    (acknowledged by JetStream) and rejected, by reason: "gateway read 190446 packets, stored
    190365, rejected 81 (crc 1, framing 12, length 68)"."""
    read = after["packets"]["frames"] - before["packets"]["frames"]
    stored = after["packets"]["accepted"] - before["packets"]["accepted"]
    rejects = {
        reason: count - before["rejects"].get(reason, 0)
        for reason, count in sorted(after["rejects"].items())
    }
    by_reason = ", ".join(f"{reason} {n}" for reason, n in rejects.items() if n)
    line = f"gateway read {read} packets, stored {stored}, rejected {sum(rejects.values())}"
    return f"{line} ({by_reason})" if by_reason else line


async def _play(records: list[Recorded], *, port: int, speed: float) -> None:
    from jingjinji.sources.replay import replay

    result = await replay(records=records, host="127.0.0.1", port=port, speed=speed)
    log.info(
        "demo replay: %d packets sent, %d acknowledged, %d corrupted, in %.1f s",
        result.sent,
        result.acknowledged,
        result.corrupted,
        result.duration,
    )


def seconds_into_day(now: dt.datetime) -> float:
    """Seconds since midnight, China time: where the real-pace replay picks up the day."""
    local = now.astimezone(CHINA_TZ)
    return local.hour * 3600.0 + local.minute * 60.0 + local.second


async def _play_from_now(records: list[Recorded], *, port: int, stop: threading.Event) -> None:
    """The rest of the recorded day at real pace from the current time of day (then the next
    pass starts at midnight's records)."""
    start_at = seconds_into_day(dt.datetime.now(dt.UTC))
    rest = [r for r in records if r.at >= start_at] or records
    await _unless_stopped(_play(rest, port=port, speed=1.0), stop)


async def _unless_stopped(job: Coroutine[Any, Any, None], stop: threading.Event) -> None:
    """Run ``job`` to its end, or cancel it (and wait for it to unwind) once ``stop`` is set,
    which is checked every second; once stopping, its errors are no news."""
    task = asyncio.ensure_future(job)
    while not task.done() and not stop.is_set():
        await asyncio.wait({task}, timeout=1.0)
    if not stop.is_set():
        task.result()
        return
    task.cancel()
    # Stopping: the gateway may have closed the replay's connections first.
    with contextlib.suppress(asyncio.CancelledError, OSError):
        await task


def describe(pipeline: LivePipeline | None) -> list[str]:
    """What a person starting the demo should know of the pipeline :func:`start` returned."""
    if pipeline is None:
        return ["NATS does not answer: no pollution-source gateway (make nats starts it)"]
    lines: list[str] = []
    if pipeline.gateway is not None:
        lines.append(
            f"HJ 212 gateway on 127.0.0.1:{pipeline.gateway.port}; "
            + (
                "replaying the recorded Hebei day (2016-08-24) into it"
                if pipeline.replay is not None
                else "no recording to replay"
            )
        )
    return lines + pipeline.notes


@dataclass(frozen=True)
class ProcessOptions:
    """What :func:`start_process` gives :func:`start` in the child; ``label`` begins each line
    the child prints ("demo: gateway read ...")."""

    label: str = "demo"
    names: StreamNames | None = None
    gateway: bool = False
    gateway_port: int | None = None
    replay_demo: bool = False
    corpus: Path | None = None
    live_pace: bool = True
    limit: int | None = None
    # The job worker too (the demo's): it runs the detection job each stored batch queues, so
    # that this work is not done in the web server's process either.
    worker: bool = False


class PipelineProcess:
    """The pipeline running in a child process (:func:`start_process`)."""

    def __init__(self, process: BaseProcess, keepalive: Connection) -> None:
        self.process = process
        self._keepalive = keepalive

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def close(self, timeout: float = PROCESS_STOP_SECONDS) -> int | None:
        """Stop the child (it sees the pipe close and stops gracefully), killing it if it is
        still running after ``timeout`` seconds; its exit code. Safe to call again."""
        self._keepalive.close()
        self.process.join(timeout)
        if self.process.is_alive():
            log.warning(
                "the pollution-source pipeline (pid %s) did not stop in %gs: killed",
                self.process.pid,
                timeout,
            )
            self.process.kill()
            self.process.join()
        return self.process.exitcode


def start_process(settings: Settings, options: ProcessOptions) -> PipelineProcess:
    """:func:`start` in a child process of its own, with its own engine on
    ``settings.database_url``; returns at once (the child prints what it started, and the
    replay's summary, on this process's standard output, each line begun with
    ``options.label``; warnings and errors on its standard error)."""
    context = multiprocessing.get_context("spawn")
    child_end, keepalive = context.Pipe(duplex=False)
    # Daemonic: should this process end without close(), multiprocessing's exit handler stops
    # the child (SIGTERM) instead of waiting for it.
    process = context.Process(
        target=_process_main,
        args=(settings, options, child_end),
        name="jjj-sources-pipeline",
        daemon=True,
    )
    process.start()
    child_end.close()
    return PipelineProcess(process, keepalive)


def _process_main(settings: Settings, options: ProcessOptions, parent: Connection) -> None:
    """The child of :func:`start_process`: runs the pipeline until its parent closes the pipe
    (or dies), or SIGTERM."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, request_stop)
    logging.basicConfig(
        level=logging.WARNING, format=f"{options.label}: %(levelname)s %(name)s: %(message)s"
    )
    threading.Thread(
        target=_stop_with_parent, args=(parent, stop), name="jjj-parent-watch", daemon=True
    ).start()
    from jingjinji.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        run_until_stopped(make_session_factory(engine), settings, options, stop=stop)
    finally:
        engine.dispose()


def _stop_with_parent(parent: Connection, stop: threading.Event) -> None:
    """Set ``stop`` once the parent's end of the pipe closed: :meth:`PipelineProcess.close`,
    or the parent's death, however it died (kill -9 included)."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            parent.recv()
    stop.set()


def run_until_stopped(
    factory: sessionmaker[Session],
    settings: Settings,
    options: ProcessOptions,
    *,
    stop: threading.Event,
) -> None:
    """:func:`start` with ``options``, its lines printed, until ``stop`` is set; then closed."""

    def say(line: str) -> None:
        print(f"{options.label}: {line}", file=sys.stdout, flush=True)

    if options.worker:
        # Every model and handler module imported, and the mappers configured, before the
        # loader's and the worker's threads start: the worker imports the handler modules as it
        # starts, and a batch stored meanwhile configured the mappers half-imported.
        from sqlalchemy.orm import configure_mappers

        from jingjinji.jobs.registry import load_handlers

        load_handlers()
        configure_mappers()
    pipeline = start(
        factory,
        settings,
        stop=stop,
        names=options.names,
        gateway=options.gateway,
        gateway_port=options.gateway_port,
        replay_demo=options.replay_demo,
        corpus=options.corpus,
        live_pace=options.live_pace,
        limit=options.limit,
        report=say,
    )
    for line in describe(pipeline):
        say(line)
    worker = _start_worker(factory, stop) if options.worker else None
    if pipeline is None and worker is None:
        return
    stop.wait()
    if pipeline is not None:
        pipeline.close()
    if worker is not None:  # running jobs finish, claimed ones go back to the queue
        worker.join()


def _start_worker(factory: sessionmaker[Session], stop: threading.Event) -> threading.Thread:
    from jingjinji import bootstrap  # the thread `jjj serve --worker` runs

    return bootstrap.start_worker_thread(factory, stop)
