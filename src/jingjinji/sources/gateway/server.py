"""The HJ 212 gateway: loggers' TCP connections in, accepted packets into JetStream, replies out
only once the stream stored the packet.

Per frame: parse (never raises), check the MN and PW against the registry, publish
asynchronously (many publishes in flight per connection, replies still in arrival order), and
once the PubAck came write the 9014 (or 9011) the packet asked for. A bad frame, an unknown
logger, a wrong password or a publish that JetStream did not acknowledge is counted by reason
and never answered with a 9014; none of them closes the connection."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import socket
import time
from dataclasses import dataclass, replace
from typing import Any

from jingjinji.sources.gateway.connection import LoggerConnection, Pending
from jingjinji.sources.gateway.counters import Counters, RejectLog
from jingjinji.sources.gateway.directory import DirectoryLoader, LoggerDirectory
from jingjinji.sources.kernels import Packet, data_reply, request_reply
from jingjinji.sources.stream import (
    HEADER_GATEWAY,
    HEADER_MSG_ID,
    HEADER_RECEIVED_AT,
    StreamNames,
    ensure_stats_bucket,
    ensure_stream,
    message_id,
)

log = logging.getLogger("jingjinji.sources.gateway")

#: QnRtn of a 9011 (HJ 212-2017 table): the request is accepted, the password or the MN is wrong.
QNRTN_READY, QNRTN_PASSWORD, QNRTN_MN = 1, 3, 4
#: Commands a logger sends as replies and notifications: never answered.
_REPLY_COMMANDS = frozenset({"9011", "9012", "9013", "9014"})
#: Uploads outside 2xxx that are answered with a data reply (9014) too: the 2017 information
#: upload, the 2005-era heartbeat and the 2025 heartbeat.
_OTHER_UPLOADS = frozenset({"3020", "8013", "9015"})


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Limits and periods (the CLI options and docs/sources.md say what each is for)."""

    name: str = ""  # default: <host name>:<port>
    max_connections: int = 20_000
    idle_timeout: float = 600.0  # seconds without a byte before a connection is closed
    max_in_flight: int = 64  # per connection: beyond it, reading pauses until replies go out
    # all connections together: beyond it every connection pauses reading until half settled
    max_in_flight_total: int = 2000
    publish_timeout: float = 5.0  # seconds for the PubAck; later, no reply is sent
    refresh_every: float = 30.0  # registry refresh
    stats_every: float = 5.0  # counters to the stats bucket and the stats subject
    summary_every: float = 60.0  # counters as one log line
    reject_log_per_minute: int = 60
    # the level of those lines: the embedded demo's gateway logs them at DEBUG (the recorded day
    # holds corrupted packets on purpose) and says their counts once (sources/live.py)
    reject_log_level: int = logging.WARNING
    # SO_REUSEPORT: several gateway processes listen on one port (gateway/processes.py)
    reuse_port: bool = False


def reply_for(packet: Packet) -> bytes | None:
    """The frame answering ``packet`` once it is stored, None when none is due: only a packet
    with Flag bit A set asks; an upload gets a 9014 echoing its QN, a request a 9011
    (QnRtn 1, ready); replies and notifications of the logger are never answered."""
    cn = packet.cn or ""
    if not packet.reply_required or cn in _REPLY_COMMANDS:
        return None
    if cn.startswith("2") or cn in _OTHER_UPLOADS:
        return data_reply(packet)
    return request_reply(packet, QNRTN_READY)


def _data_time_text(packet: Packet) -> str | None:
    """The DataTime as the packet wrote it (the message id is about this packet, resent)."""
    return packet.fields.get("DataTime")


class Gateway:
    """A running gateway: :func:`serve` makes one; ``await close()`` stops it gracefully."""

    def __init__(
        self,
        *,
        names: StreamNames,
        directory: LoggerDirectory,
        config: GatewayConfig,
        nc: Any,
        js: Any,
        stats_bucket: Any = None,
    ) -> None:
        self.names = names
        self.directory = directory
        self.config = config
        self.counters = Counters(config.name)
        self._nc = nc
        self._js = js
        self._loop = asyncio.get_running_loop()
        self._server: asyncio.Server | None = None
        self._connections: set[LoggerConnection] = set()
        self.paused: set[LoggerConnection] = set()
        self.in_flight = 0  # published, PubAck not yet settled
        self.saturated = False
        self.closing = False
        self._outbox: collections.deque[tuple[str, bytes, dict[str, str], Pending]] = (
            collections.deque()
        )
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._reject_log = RejectLog(config.reject_log_per_minute, level=config.reject_log_level)
        self._stats_subject = names.stats_subject(config.name)
        self._stats_bucket = stats_bucket  # a nats KeyValue, None: counters to the stream only
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        self._server = await self._loop.create_server(
            lambda: LoggerConnection(self),
            host,
            port,
            reuse_address=True,
            reuse_port=self.config.reuse_port,
            backlog=4096,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if not self.config.name:  # the default name needs the bound port
            self.config = replace(self.config, name=f"{socket.gethostname()}:{self.port}")
            self.counters.gateway = self.config.name
            self._stats_subject = self.names.stats_subject(self.config.name)
        for job in (
            self._publish_loop(),
            self.directory.keep_fresh(self.config.refresh_every),
            self._sweep_idle(),
            self._report(),
        ):
            self._tasks.append(asyncio.create_task(job))
        log.info("gateway %s listening on %s:%d", self.config.name, host, self.port)

    # connections

    def admit(self, conn: LoggerConnection) -> bool:
        if len(self._connections) >= self.config.max_connections:
            self.counters.connections_refused += 1
            self._reject_log("connection_limit", conn.peer, b"")
            return False
        self._connections.add(conn)
        self.counters.connections_current = len(self._connections)
        self.counters.connections_total += 1
        return True

    def release(self, conn: LoggerConnection) -> None:
        self._connections.discard(conn)
        self.counters.connections_current = len(self._connections)

    # frames

    def refuse(self, conn: LoggerConnection, reason: str, data: bytes, detail: str = "") -> None:
        self.counters.reject(reason)
        self._reject_log(reason, conn.peer, data, detail)

    def handle_packet(
        self, conn: LoggerConnection, packet: Packet, received: float, received_at: str
    ) -> None:
        """One frame of ``conn``, parsed by its ``PacketFramer`` (``packet.raw`` is the frame)."""
        self.counters.frames += 1
        frame = packet.raw
        mn, cn = packet.mn, packet.cn
        if not packet.valid or mn is None or cn is None:  # a valid packet has both
            self.refuse(conn, packet.reason or "field", frame, packet.detail or "")
            return
        entry = self.directory.get(mn)
        if entry is None or packet.pw != entry.password:
            unknown = entry is None
            self.refuse(conn, "unknown_logger" if unknown else "password", frame)
            if packet.reply_required and cn not in _REPLY_COMMANDS:
                answer = request_reply(packet, QNRTN_MN if unknown else QNRTN_PASSWORD)
                conn.queue(Pending(ack=None, reply=answer, received=received))
            return
        subject = self.names.packet_subject(province=entry.province_code, cn=cn, mn=mn)
        headers = {HEADER_RECEIVED_AT: received_at, HEADER_GATEWAY: self.config.name}
        msg_id = message_id(mn=mn, cn=cn, data_time=_data_time_text(packet), qn=packet.qn)
        if msg_id:
            headers[HEADER_MSG_ID] = msg_id
        ack: asyncio.Future[object] = self._loop.create_future()
        item = Pending(ack=ack, reply=reply_for(packet), received=received)
        item.timer = self._loop.call_later(self.config.publish_timeout, ack.cancel)
        conn.queue(item)
        self._outbox.append((subject, frame, headers, item))
        self._wakeup.set()
        self.in_flight += 1
        if self.in_flight >= self.config.max_in_flight_total:
            self.saturated = True  # each connection pauses once its chunk is handled

    def settled(self) -> None:
        """A publish got its answer (or timed out): resume reading once half are settled."""
        self.in_flight -= 1
        if self.saturated and self.in_flight <= self.config.max_in_flight_total // 2:
            self.saturated = False
            for conn in list(self.paused):
                if len(conn.pending) <= self.config.max_in_flight // 2:
                    conn.resume()

    def stored(self, item: Pending) -> None:
        self.counters.accepted += 1
        self.counters.publish_ms.add((time.monotonic() - item.published) * 1000.0)
        self.counters.rate.add(time.monotonic())

    def replied(self, item: Pending) -> None:
        self.counters.replies += 1
        if item.ack is not None:  # the latency of a 9014 (or 9011 ready), not of a refusal
            self.counters.ack_ms.add((time.monotonic() - item.received) * 1000.0)

    async def _publish_loop(self) -> None:
        """Hands the accepted frames to JetStream in arrival order without waiting for the
        acknowledgements (they settle each connection's replies as they come)."""
        outbox = self._outbox
        while True:
            if not outbox:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            subject, body, headers, item = outbox.popleft()
            ack = item.ack
            assert ack is not None
            if ack.done():  # timed out while waiting here
                continue
            item.published = time.monotonic()
            try:
                stored = await self._js.publish_async(subject, body, headers=headers)
            except Exception as exc:  # NATS away, outbound buffer full...
                ack.set_exception(exc)
                continue
            stored.add_done_callback(lambda done, ack=ack: _settle(ack, done))

    # background

    async def _sweep_idle(self) -> None:
        every = max(0.05, min(self.config.idle_timeout / 4, 30.0))
        while True:
            await asyncio.sleep(every)
            cutoff = time.monotonic() - self.config.idle_timeout
            for conn in [c for c in self._connections if c.last_active < cutoff]:
                if conn.transport is not None and not (conn.pending or conn.backlog or conn.paused):
                    self.counters.connections_idle_closed += 1
                    conn.transport.close()

    async def _report(self) -> None:
        last_summary = time.monotonic()
        while True:
            await asyncio.sleep(self.config.stats_every)
            await self.publish_stats()
            if time.monotonic() - last_summary >= self.config.summary_every:
                last_summary = time.monotonic()
                log.info("%s", self.counters.summary_line())

    async def publish_stats(self) -> None:
        """The counters, as JSON, into the stats bucket (what the page reads, whatever the
        packets' backlog) and to the stats subject (what the loader stores); each is skipped,
        and said, if JetStream is away."""
        body = json.dumps(self.counters.snapshot()).encode()
        if self._stats_bucket is not None:
            try:
                key = self.names.stats_key(self.config.name)
                await asyncio.wait_for(self._stats_bucket.put(key, body), timeout=2.0)
            except Exception as exc:
                log.warning("gateway stats not put in %s: %s", self.names.stats_bucket, exc)
        try:
            await self._js.publish(self._stats_subject, body, timeout=2.0)
        except Exception as exc:
            log.warning("gateway stats not published: %s", exc)

    async def close(self, *, grace: float | None = None) -> None:
        """Stop accepting, stop reading, let the publishes in flight settle (their replies
        still go out), then close the connections and NATS."""
        if self._server is None:
            return
        server, self._server = self._server, None
        self.closing = True
        server.close()
        for conn in self._connections:
            conn.pause()  # frames read but not yet handed over get no reply: sent again
        deadline = time.monotonic() + (self.config.publish_timeout + 1 if grace is None else grace)
        while time.monotonic() < deadline and any(c.pending for c in self._connections):
            await asyncio.sleep(0.01)
        for conn in list(self._connections):
            if conn.transport is not None:
                conn.transport.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.publish_stats()
        log.info("%s (stopped)", self.counters.summary_line())
        with contextlib.suppress(Exception):
            await self._nc.drain()


def _settle(ack: asyncio.Future[object], done: asyncio.Future[object]) -> None:
    """Copy JetStream's answer onto the packet's own future (unless it timed out meanwhile)."""
    if ack.done():
        return
    if done.cancelled():
        ack.cancel()
    elif (error := done.exception()) is not None:
        ack.set_exception(error)
    else:
        ack.set_result(done.result())


async def serve(
    *,
    names: StreamNames,
    directory_loader: DirectoryLoader,
    host: str = "127.0.0.1",
    port: int = 0,
    config: GatewayConfig | None = None,
) -> Gateway:
    """Connect to NATS, make sure the stream exists, read the registry, listen on ``host``:
    ``port`` (0: an ephemeral port, see ``gateway.port``) and return the running gateway."""
    import nats

    config = config or GatewayConfig()
    nc = await nats.connect(
        names.url,
        name=f"jjj-gateway {config.name}".strip(),
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
    )
    try:
        js = nc.jetstream(publish_async_max_pending=20_000)
        await ensure_stream(js, names)
        try:
            bucket = await ensure_stats_bucket(js, names)
        except Exception as exc:  # the packets do not depend on it: serve, and say so
            log.warning(
                "no stats bucket %s (%s): counters to the stream only", names.stats_bucket, exc
            )
            bucket = None
        directory = LoggerDirectory(directory_loader)
        await directory.refresh()
        gateway = Gateway(
            names=names, directory=directory, config=config, nc=nc, js=js, stats_bucket=bucket
        )
        await gateway.start(host, port)
    except BaseException:
        await nc.close()
        raise
    return gateway
