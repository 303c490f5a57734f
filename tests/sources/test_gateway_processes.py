"""`jjj sources gateway --processes 2`: two worker processes on one port (SO_REUSEPORT) under a
supervising parent, against a real NATS JetStream and the test registry. Connections are spread
over both workers, each reports its own counters (NAME-1, NAME-2), a worker killed with SIGKILL
is started again and new connections are still answered, and SIGTERM to the parent ends all."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.stream import StreamNames
from tests.browser_support import free_port
from tests.sources.conftest import Registry
from tests.sources.gateway_support import LoggerSocket, packet, stream_messages

pytestmark = pytest.mark.xdist_group("load")

JJJ = [sys.executable, "-c", "from jingjinji.cli import app; app()"]
#: The fixture's registered loggers and their passwords (tests/sources/conftest.py).
LOGGERS = [
    ("HE-A-W-001", "123456"),
    ("HE-A-G-001", "123456"),
    ("BJ-A-W-001", "654321"),
    ("TJ-A-G-001", "111111"),
]
_STARTED = re.compile(r"gateway process (\d+) started \(pid (\d+)\)")


class Gateway:
    """The parent process and its log."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, port: int) -> None:
        self.process, self.log, self.port = process, log, port

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, what: str, predicate: object, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.text()[-3000:]
            if predicate():  # type: ignore[operator]
                return
            time.sleep(0.05)
        raise AssertionError(f"{what} did not happen in {timeout} s:\n{self.text()[-3000:]}")

    def listening(self) -> int:
        return self.text().count(" listening on ")

    def workers(self) -> dict[int, int]:
        """Worker index -> its latest pid, from the parent's log."""
        return {int(i): int(pid) for i, pid in _STARTED.findall(self.text())}


@pytest.fixture
def gateway(
    db_url: str, stream_names: StreamNames, registry: Registry, tmp_path: Path
) -> Iterator[Gateway]:
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
    log = tmp_path / "gateway.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*JJJ, "sources", "gateway", "--port", str(port), "--name", "gw", "--processes", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Gateway(process, log, port)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in running.workers().values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _exchange(port: int, first: int, count: int) -> list[tuple[str | None, str | None]]:
    """Open ``count`` connections, one packet each (QN and DataTime unique from ``first``),
    and return every reply's (CN, QN)."""
    sockets = []
    for k in range(first, first + count):
        mn, pw = LOGGERS[k % len(LOGGERS)]
        logger = LoggerSocket(port)
        minute = f"{k // 60:02d}{k % 60:02d}"
        logger.send(
            packet(mn=mn, pw=pw, qn=f"2026010112{minute}{k:03d}", cp=f"DataTime=2026010112{minute}")
        )
        sockets.append(logger)
    replies = []
    for logger in sockets:
        replies += [(r.cn, r.qn) for r in map(parse_packet, logger.replies(1))]
        logger.close()
    return replies


def _expected(first: int, count: int) -> list[tuple[str | None, str | None]]:
    return [
        ("9014", f"2026010112{k // 60:02d}{k % 60:02d}{k:03d}") for k in range(first, first + count)
    ]


def _latest_counters(names: StreamNames) -> dict[str, dict[str, object]]:
    latest: dict[str, dict[str, object]] = {}
    for _subject, body, _headers in stream_messages(names, stats=True):
        snap = json.loads(body)
        latest[snap["gateway"]] = snap
    return latest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (the parent did not reap it yet) is not running.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    return False


def test_two_processes_share_the_port_restart_a_killed_one_and_stop_together(
    gateway: Gateway, stream_names: StreamNames
) -> None:
    gateway.wait_for("two workers listening", lambda: gateway.listening() == 2)
    assert _exchange(gateway.port, 0, 20) == _expected(0, 20)

    # Each worker reports its own counters (every 5 s); together they accepted all 20.
    def both_counted() -> bool:
        latest = _latest_counters(stream_names)
        accepted = {g: s["packets"]["accepted"] for g, s in latest.items()}  # type: ignore[index]
        return set(accepted) == {"gw-1", "gw-2"} and sum(accepted.values()) == 20

    gateway.wait_for("counters of both workers", both_counted, timeout=15)
    latest = _latest_counters(stream_names)
    # Linux spread the connections: both workers got some (all 20 on one: 2 ** -19).
    assert all(s["packets"]["accepted"] > 0 for s in latest.values()), latest  # type: ignore[index]

    before = gateway.workers()
    assert set(before) == {1, 2}
    os.kill(before[1], signal.SIGKILL)
    gateway.wait_for(
        "the killed worker started again",
        lambda: gateway.workers().get(1) not in (None, before[1]) and gateway.listening() == 3,
    )
    assert f"gateway process 1 (pid {before[1]}) died" in gateway.text()
    assert _exchange(gateway.port, 20, 20) == _expected(20, 20)

    workers = gateway.workers()
    started = time.monotonic()
    gateway.process.send_signal(signal.SIGTERM)
    assert gateway.process.wait(10) == 0
    assert time.monotonic() - started < 10
    assert not any(_alive(pid) for pid in workers.values()), workers
    assert gateway.text().count("(stopped)") == 2  # both closed gracefully


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sources", "gateway", *args], prog_name="jjj")
    return result.exit_code, " ".join(result.stderr.split())


def test_a_process_count_out_of_range_is_refused() -> None:
    for count in (0, (os.cpu_count() or 1) * 4 + 1):
        code, stderr = _cli("--port", "0", "--processes", str(count))
        assert code == 1, stderr
        assert "--processes must be between 1 and" in stderr, stderr


def test_a_taken_port_is_refused_clearly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stderr = _cli("--port", str(port), "--processes", "2")
    assert code == 1, stderr
    assert f"cannot listen on 127.0.0.1:{port}" in stderr, stderr
