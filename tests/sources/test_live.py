"""The in-process pipeline of `jjj demo` and `jjj serve --worker`: gateway, loader and the replay
of the recorded day end in the database; without NATS nothing starts and the caller is told."""

from __future__ import annotations

import asyncio
import collections
import gc
import logging
import threading
import time
import warnings
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import Settings
from jingjinji.sources import live
from jingjinji.sources.gateway.counters import RejectLog
from jingjinji.sources.gateway.runner import GatewayThread
from jingjinji.sources.gateway.server import Gateway
from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.models import Packet
from jingjinji.sources.replay import corpus_dir
from jingjinji.sources.stream import StreamNames
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
