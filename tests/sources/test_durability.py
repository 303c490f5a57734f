"""Durability of the whole chain: real `jjj sources gateway` and `jjj sources loader` processes,
killed with SIGKILL at random (seeded) moments while the real Hebei recording is replayed to the
gateway, and started again. Afterwards, once the stream is drained:

- every data packet the gateway acknowledged (9014) to a logger is in the database, and
- nothing is stored twice: the batches' stored counts add up to the rows, one row per key.

The acknowledgement is the gateway's promise (it replies only after JetStream stored the
packet); the loader's is that whatever the stream holds ends up committed exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.sources.kernels import parse_time
from jingjinji.sources.models import Batch, OutletKind, Packet, Value
from jingjinji.sources.replay import Recorded, corpus_dir, read_recording, replay
from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as registry_service
from jingjinji.sources.stream import StreamNames
from tests.aio import run_async
from tests.browser_support import free_port
from tests.conftest import People
from tests.sources.loader_support import stream_state

pytestmark = pytest.mark.xdist_group("load")

JJJ = [sys.executable, "-c", "from jingjinji.cli import app; app()"]
DATA_COMMANDS = {"2011", "2031", "2051", "2061"}
SEED = 20261202
REGISTRABLE_MN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
ACK_WAIT = "3"  # seconds: a killed loader's batch comes back quickly


def _records(count: int) -> list[Recorded]:
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("the Hebei HJ 212 recording (../shared/data/hj212) is not here")
    return read_recording([corpus], limit=count)


def _register(factory: sessionmaker[Session], people: People, mns: set[str]) -> dict[str, int]:
    office = people["office"]
    with factory() as session:
        enterprise = registry_service.save_enterprise(
            session,
            actor=office,
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "130100", 7),
                name_zh="回放企业",
                jurisdiction_code="130000",
                city_code="130100",
                synthetic=True,
            ),
        )
        outlet = registry_service.save_outlet(
            session,
            actor=office,
            enterprise_id=enterprise.id,
            data=OutletIn.model_validate(
                {
                    "code": "DW001",
                    "name_zh": "排放口",
                    "kind": OutletKind.WASTEWATER,
                    "longitude": 114.5,
                    "latitude": 38.0,
                }
            ),
        )
        ids = {}
        for mn in sorted(mns):
            logger = registry_service.save_logger(
                session,
                actor=office,
                outlet_id=outlet.id,
                data=LoggerIn(mn=mn, password="123456", protocol_version=2005, st="32"),
            )
            ids[mn] = logger.id
        session.commit()
    return ids


class Process:
    """A `jjj` command that can be killed and started again."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*JJJ, *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _wait_listening(port: int, gateway: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert gateway.process is not None and gateway.process.poll() is None, (
            gateway.log.read_text(errors="replace")[-2000:]
        )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise AssertionError("the gateway did not listen in time")


@pytest.fixture
def processes(
    db_url: str, stream_names: StreamNames, tmp_path: Path
) -> Iterator[tuple[Process, Process, int]]:
    port = free_port()
    env = {
        **os.environ,
        "JJJ_DATABASE_URL": db_url,
        "JJJ_VAR_DIR": str(tmp_path),
        "JJJ_SECRET_KEY": "test-secret-key",
        "JJJ_NATS_URL": stream_names.url,
        "JJJ_SOURCES_STREAM": stream_names.stream,
        "JJJ_SOURCES_SUBJECT_PREFIX": stream_names.prefix,
    }
    gateway = Process(
        ["sources", "gateway", "--port", str(port), "--no-uvloop"], env, tmp_path / "gateway.log"
    )
    loader = Process(
        ["sources", "loader", "--batch", "200", "--ack-wait", ACK_WAIT],
        env,
        tmp_path / "loader.log",
    )
    yield gateway, loader, port
    gateway.stop()
    loader.stop()


def _replay_chunk(
    chunk: list[Recorded],
    port: int,
    acknowledged: set[tuple[str, str, str]],
    victim: Process | None,
    kill_after: int,
) -> None:
    """Replay ``chunk``; SIGKILL ``victim`` (if any) once the gateway acknowledged ``kill_after``
    packets of it (a moment with the connections open and packets in flight)."""
    counted = 0
    reached = asyncio.Event()

    def on_ack(mn: str, cn: str, data_time: str | None, qn: str | None) -> None:
        nonlocal counted
        counted += 1
        if counted >= kill_after:
            reached.set()
        if cn in DATA_COMMANDS and data_time is not None:
            acknowledged.add((mn, cn, data_time))

    async def run() -> None:
        async def killer() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reached.wait(), 30)
            if victim is not None:
                victim.kill()

        kill = asyncio.create_task(killer())
        # A gateway killed under the replay breaks its connections: what it acknowledged stands.
        with contextlib.suppress(OSError):
            await replay(records=chunk, host="127.0.0.1", port=port, on_ack=on_ack, settle=2.0)
        await kill

    run_async(run)


def test_killed_gateway_and_loader_lose_and_duplicate_nothing(
    session_factory: sessionmaker[Session],
    people: People,
    stream_names: StreamNames,
    processes: tuple[Process, Process, int],
    backend: str,
) -> None:
    began = time.monotonic()
    records = _records(2000 if backend == "postgresql" else 1000)
    ids = _register(
        session_factory, people, {r.mn for r in records if r.mn and REGISTRABLE_MN.match(r.mn)}
    )
    print(f"registered {len(ids)} loggers in {time.monotonic() - began:.1f}s")
    gateway, loader, port = processes
    gateway.start()
    loader.start()
    _wait_listening(port, gateway)
    print(f"gateway listening at {time.monotonic() - began:.1f}s")

    # Each process start costs seconds (imports): two kills of the loader and one of the
    # gateway, in an order and at moments the seed picks; one chunk runs undisturbed.
    rng = random.Random(SEED)
    victims: list[Process | None] = [gateway, loader, loader, None]
    rng.shuffle(victims)
    acknowledged: set[tuple[str, str, str]] = set()
    size = len(records) // len(victims) + 1
    for index, victim in enumerate(victims):
        chunk = records[index * size : (index + 1) * size]
        started = time.monotonic()
        _replay_chunk(chunk, port, acknowledged, victim, kill_after=rng.randint(1, len(chunk) // 2))
        print(
            f"chunk {index}: {len(chunk)} packets, killed {victim and victim.args[1]}, "
            f"{time.monotonic() - started:.1f}s, {len(acknowledged)} acknowledged so far"
        )
        if victim is gateway:
            gateway.start()
            _wait_listening(port, gateway)
        elif victim is loader:
            loader.start()  # meanwhile the stream keeps what the gateway stores

    deadline = time.monotonic() + 90
    while stream_state(stream_names).messages > 0:
        assert time.monotonic() < deadline, f"stream not drained: {stream_state(stream_names)}"
        assert loader.process is not None and loader.process.poll() is None
        time.sleep(0.2)

    print(
        f"drained at {time.monotonic() - began:.1f}s after {gateway.starts} gateway and "
        f"{loader.starts} loader starts"
    )
    with session_factory() as session:
        stored = {
            (logger_id, cn, at)
            for logger_id, cn, at in session.execute(
                select(Packet.logger_id, Packet.cn, Packet.data_time)
            )
        }
        expected = set()
        for mn, cn, data_time in acknowledged:
            at = parse_time(data_time)
            if mn in ids and at is not None:
                expected.add((ids[mn], int(cn), at.astimezone(dt.UTC)))
        assert expected, "the replay must have acknowledged data packets"
        missing = expected - stored
        assert not missing, f"{len(missing)} acknowledged packets not stored: {sorted(missing)[:5]}"
        rows = session.scalar(select(func.count()).select_from(Packet))
        assert rows == len(stored)
        assert session.scalar(select(func.sum(Batch.packets_stored))) == rows
        distinct_values = session.scalar(
            select(func.count()).select_from(
                select(Value.logger_id, Value.cn, Value.data_time, Value.factor)
                .distinct()
                .subquery()
            )
        )
        assert distinct_values == session.scalar(select(func.count()).select_from(Value))
