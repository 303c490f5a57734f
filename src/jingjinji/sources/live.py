"""The pollution-source pipeline inside one process: the loader for ``jjj serve --worker``, and
for ``jjj demo`` the gateway and a replay of the real Hebei day as well.

In production the gateway (``jjj sources gateway``) and the loader (``jjj sources loader``) run
as processes of their own; this module lets the embedded demo show the whole path - TCP in,
JetStream, loader, database, exceedance detection - without starting four programs.

The demo's replay (``replay_demo``): the first start plays the recorded day as fast as the
gateway takes it (every packet stored once), then plays it on at real pace from the current
time of day, round the clock, so that the recorded loggers report as live ones do (the packets
are the recorded ones: their data times stay 2016-08-24; a packet stored before is a duplicate
and only refreshes when its logger was last heard).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from sqlalchemy import select

from jingjinji.sources.models import Packet
from jingjinji.sources.stream import StreamNames
from jingjinji.timezone import CHINA_TZ

if TYPE_CHECKING:
    from pathlib import Path

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
            before = gateway.snapshot()
            asyncio.run(_play(records, port=port, speed=0.0))
            report(replay_summary(before, _settled_snapshot(gateway)))
        while live_pace and not stop.is_set():
            try:
                asyncio.run(_play_from_now(records, port=port, stop=stop))
            except OSError:
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
    task = asyncio.ensure_future(_play(rest, port=port, speed=1.0))
    while not task.done():
        if stop.is_set():
            task.cancel()
            break
        await asyncio.sleep(1.0)
    if not task.cancelled():
        task.result()
