"""One logger connection: bytes in, packets out of the compiled framer and parser, replies
written in the order the packets arrived, each only once its fate is known (stored by
JetStream, or refused).

A :class:`asyncio.Protocol` rather than a stream reader and a task per connection: ten thousand
idle loggers cost ten thousand small objects, not ten thousand tasks, and a chunk read goes
straight into the framer."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from jingjinji.sources.kernels import FramingError, Packet, PacketFramer
from jingjinji.sources.stream import received_at_header

if TYPE_CHECKING:
    from jingjinji.sources.gateway.server import Gateway


@dataclass(slots=True)
class Pending:
    """A packet whose reply (or silence) waits for its turn: ``ack`` is the PubAck future of a
    published packet (None for a refusal), ``reply`` the frame to write once it is its turn
    and the packet is stored (a refusal's 9011 is written regardless)."""

    ack: asyncio.Future[object] | None
    reply: bytes | None
    received: float
    published: float = 0.0
    timer: asyncio.TimerHandle | None = field(default=None)


class LoggerConnection(asyncio.Protocol):
    """Frames and parses a logger's bytes in one compiled pass (``PacketFramer``) and hands each
    packet to the gateway; writes replies in order."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.framer = PacketFramer()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.pending: collections.deque[Pending] = collections.deque()
        self.last_active = time.monotonic()
        self.paused = False  # by backpressure (see work)
        self.reading = True  # the transport's state
        self.refused = False
        # Packets read but not yet handed to the gateway, with when they were read.
        self.backlog: collections.deque[tuple[Packet | FramingError, tuple[float, str]]] = (
            collections.deque()
        )

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but offer its methods.
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        if not self.gateway.admit(self):
            self.refused = True
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.last_active = now
        items = self.framer.feed(data)
        if items:
            stamp = (now, received_at_header(dt.datetime.now(dt.UTC)))
            self.backlog.extend((item, stamp) for item in items)
            self.work()

    def work(self) -> None:
        """Hand the frames read to the gateway while the limits allow; the rest wait here (a
        read chunk can hold hundreds of frames) and reading pauses until the limits allow again."""
        gateway = self.gateway
        limit = gateway.config.max_in_flight
        backlog = self.backlog
        while backlog and len(self.pending) < limit and not gateway.saturated:
            item, (received, received_at) = backlog.popleft()
            if isinstance(item, FramingError):
                gateway.counters.frames += 1
                gateway.refuse(self, item.reason, item.data, item.detail)
            else:
                gateway.handle_packet(self, item, received, received_at)
        if not self.paused and (backlog or len(self.pending) >= limit or gateway.saturated):
            self.pause()

    def pause(self) -> None:
        """Stop reading (backpressure: the logger's packets wait in TCP, not in our queues)
        until this connection's replies, or the gateway's publishes, caught up."""
        self.paused = True
        self.gateway.paused.add(self)
        if self.reading and self.transport is not None:
            self.reading = False
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.gateway.closing:
            return
        self.paused = False
        self.gateway.paused.discard(self)
        self.work()  # the frames read already come first
        if not self.paused and not self.reading and self.transport is not None:
            self.reading = True
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.gateway.paused.discard(self)
        if not self.refused:
            self.gateway.release(self)
        self.transport = None

    # replies, in arrival order

    def queue(self, item: Pending) -> None:
        self.pending.append(item)
        if item.ack is None:
            self.drain()
        else:
            item.ack.add_done_callback(self._acked)

    def _acked(self, _future: asyncio.Future[object]) -> None:
        self.drain()

    def drain(self) -> None:
        """Settle the packets at the head whose fate is known, writing their replies."""
        gateway = self.gateway
        pending = self.pending
        out: list[bytes] = []
        while pending:
            head = pending[0]
            if head.ack is not None and not head.ack.done():
                break
            pending.popleft()
            reply = head.reply
            if head.ack is not None:
                if head.timer is not None:
                    head.timer.cancel()
                if head.ack.cancelled() or head.ack.exception() is not None:
                    gateway.counters.reject("stream_unavailable")
                    reply = None  # not stored: no 9014, the logger sends again
                else:
                    gateway.stored(head)
            if head.ack is not None:
                gateway.settled()
            if reply is not None and self.transport is not None:
                out.append(reply)
                gateway.replied(head)
        if out and self.transport is not None:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
        if (
            self.paused
            and not gateway.saturated
            and len(pending) <= gateway.config.max_in_flight // 2
        ):
            self.resume()
