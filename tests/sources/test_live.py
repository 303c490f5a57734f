"""The in-process pipeline of `jjj demo` and `jjj serve --worker`: gateway, loader and the replay
of the recorded day end in the database; without NATS nothing starts and the caller is told."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import Settings
from jingjinji.sources import live
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
) -> None:
    frames = _small_recording(tmp_path)
    _register(session_factory, people, frames)
    expected = _expected_keys(frames)
    assert expected > 100
    stop = threading.Event()
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
    finally:
        pipeline.close()


def test_without_nats_nothing_starts(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    names = StreamNames(url="nats://127.0.0.1:1", stream="S", prefix="p")
    stop = threading.Event()
    assert live.start(session_factory, settings, stop=stop, names=names, gateway=True) is None
