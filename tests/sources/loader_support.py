"""Helpers of the loader tests: frames as the gateway publishes them, publishing to the test's
stream, running the real loader until the stream is drained, and reading the stored rows."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.kernels import build_frame
from jingjinji.sources.loader import StoredBatch, consume
from jingjinji.sources.loader.batch import StreamMessage
from jingjinji.sources.models import Packet, Value
from jingjinji.sources.stream import (
    HEADER_GATEWAY,
    HEADER_RECEIVED_AT,
    StreamNames,
    ensure_stream,
    received_at_header,
)
from tests.aio import run_async


def frame(segment: str) -> bytes:
    """The frame as the gateway publishes it: ``##`` to the CRC, no ``\\r\\n``."""
    return build_frame(segment)[:-2]


@dataclass(frozen=True)
class Outgoing:
    subject: str
    data: bytes
    received_at: dt.datetime | None = None
    gateway: str = "gw-test"


def packet_message(
    names: StreamNames, segment: str, *, received_at: dt.datetime, province: str = "130000"
) -> Outgoing:
    data = frame(segment)
    fields = dict(part.split("=", 1) for part in segment.split("CP=")[0].split(";") if "=" in part)
    subject = names.packet_subject(province=province, cn=fields["CN"], mn=fields["MN"])
    return Outgoing(subject, data, received_at)


def publish(names: StreamNames, messages: Sequence[Outgoing]) -> list[int]:
    """Publish to the test's stream (made if missing); the stream sequences, in order. No
    message id: two equal frames are two messages, as a resend beyond the duplicate window."""

    async def run() -> list[int]:
        nc = await nats.connect(names.url)
        try:
            js = nc.jetstream()
            await ensure_stream(js, names)
            sequences = []
            for m in messages:
                headers = {HEADER_GATEWAY: m.gateway}
                if m.received_at is not None:
                    headers[HEADER_RECEIVED_AT] = received_at_header(m.received_at)
                ack = await js.publish(m.subject, m.data, headers=headers)
                sequences.append(ack.seq)
            return sequences
        finally:
            await nc.close()

    return run_async(run)


def stream_state(names: StreamNames) -> Any:
    async def run() -> Any:
        nc = await nats.connect(names.url)
        try:
            return (await nc.jetstream().stream_info(names.stream)).state
        finally:
            await nc.close()

    return run_async(run)


def load_until_drained(
    factory: sessionmaker[Session],
    names: StreamNames,
    *,
    batch_size: int = 100,
    ack_wait: float = 30.0,
    timeout: float = 30.0,
) -> list[StoredBatch]:
    """Run the real loader (its own thread and event loop) until the stream holds no message
    (a work queue forgets a message once it was acknowledged), then stop it."""
    batches: list[StoredBatch] = []
    stop = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        import asyncio

        try:
            asyncio.run(
                consume(
                    factory,
                    names,
                    stop=stop,
                    batch_size=batch_size,
                    ack_wait=ack_wait,
                    idle_wait=0.2,
                    on_batch=batches.append,
                )
            )
        except BaseException as exc:  # reported by the test
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not failure:
            if stream_state(names).messages == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"stream not drained: {failure or stream_state(names)}")
    finally:
        stop.set()
        thread.join(10)
    if failure:
        raise failure[0]
    return batches


def message(
    sequence: int, segment: str, *, received_at: dt.datetime, subject: str = "t.130000.x"
) -> StreamMessage:
    """A stream message for :meth:`BatchLoader.load` without NATS."""
    return StreamMessage(sequence, subject, frame(segment), received_at, "gw-test")


def packets(session: Session) -> list[Packet]:
    return list(
        session.scalars(select(Packet).order_by(Packet.logger_id, Packet.cn, Packet.data_time))
    )


def values(session: Session) -> list[Value]:
    return list(
        session.scalars(
            select(Value).order_by(Value.logger_id, Value.cn, Value.data_time, Value.factor)
        )
    )
