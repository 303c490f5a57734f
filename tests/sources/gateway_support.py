"""Helpers of the gateway and replay tests (no tests here): a gateway on a thread reading the
test registry, a logger's socket, packets, and the stream's contents."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.gateway import GatewayConfig, GatewayThread, start_in_thread
from jingjinji.sources.kernels import Framer, FramingError, build_frame
from jingjinji.sources.service.registry import LoggerEntry, logger_directory
from jingjinji.sources.stream import StreamNames
from tests.aio import run_async


def packet(
    *,
    mn: str = "HE-A-W-001",
    pw: str = "123456",
    cn: str = "2011",
    st: str = "32",
    qn: str | None = "20260101120000001",
    flag: int | None = 5,
    cp: str = "DataTime=20260101120000;w01018-Rtd=12.5,w01018-Flag=N",
) -> bytes:
    """A well-formed frame with CRLF (2017: Flag 4-7; 2005: no QN, no Flag)."""
    head = [f"QN={qn}"] if qn is not None else []
    head += [f"ST={st}", f"CN={cn}", f"PW={pw}", f"MN={mn}"]
    if flag is not None:
        head.append(f"Flag={flag}")
    return build_frame(";".join(head) + f";CP=&&{cp}&&")


@contextmanager
def running_gateway(
    names: StreamNames, session_factory: sessionmaker[Session], **config: Any
) -> Iterator[GatewayThread]:
    """A gateway on an ephemeral port whose registry is the test database's."""

    def load() -> dict[str, LoggerEntry]:
        with session_factory() as session:
            return logger_directory(session)

    settings: dict[str, Any] = {"name": "test-gw", "publish_timeout": 2.0, **config}
    gateway = start_in_thread(names=names, directory_loader=load, config=GatewayConfig(**settings))
    try:
        yield gateway
    finally:
        gateway.stop()


class LoggerSocket:
    """A logger's TCP connection: send bytes, read whole reply frames."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.framer = Framer()
        self.frames: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def replies(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Read until ``count`` reply frames came (fewer if the timeout passes first)."""
        self.sock.settimeout(timeout)
        while len(self.frames) < count:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            self.frames += [f for f in self.framer.feed(chunk) if not isinstance(f, FramingError)]
        taken, self.frames = self.frames[:count], self.frames[count:]
        return taken

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


def stream_messages(
    names: StreamNames, *, stats: bool = False
) -> list[tuple[str, bytes, dict[str, str]]]:
    """The packets in the test stream (subject, body, headers), oldest first; with ``stats``
    the gateway's counters messages instead."""

    async def read() -> list[tuple[str, bytes, dict[str, str]]]:
        import nats

        nc = await nats.connect(names.url, connect_timeout=2)
        try:
            js = nc.jetstream()
            info = await js.stream_info(names.stream)
            found: list[tuple[str, bytes, dict[str, str]]] = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                if info.state.messages == 0:
                    break
                msg = await js.get_msg(names.stream, seq)
                subject = msg.subject or ""
                if subject.startswith(names.stats_prefix) == stats:
                    found.append((subject, msg.data or b"", dict(msg.headers or {})))
            return found
        finally:
            await nc.close()

    return run_async(lambda: read())
