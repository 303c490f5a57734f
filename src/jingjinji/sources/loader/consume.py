"""The JetStream side of the loader: a durable pull consumer on the packets stream.

Exactly once: a batch of up to N messages is fetched, stored in ONE transaction
(:class:`~jingjinji.sources.loader.pipeline.BatchLoader`), and only after the commit are all its
messages acknowledged (concurrently). A loader killed before its acks (``kill -9``, a lost
connection) loses nothing: the stream redelivers the unacknowledged messages after the
consumer's AckWait, and the packets' key (logger, command, data time) stores each packet once
whoever loads it again. A batch whose transaction fails is negatively acknowledged with a delay
(redelivered then) and the loader backs off.

Several loaders may share the durable consumer (the stream hands each message to one of them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.sources.loader.batch import StreamMessage
from jingjinji.sources.loader.pipeline import BatchLoader
from jingjinji.sources.loader.store import StoredBatch
from jingjinji.sources.stream import HEADER_GATEWAY, HEADER_RECEIVED_AT, StreamNames, ensure_stream

log = logging.getLogger("jingjinji.sources.loader")

#: The durable consumer's name.
CONSUMER = "loader"
#: Seconds the stream waits for a batch's acknowledgement before it redelivers the messages:
#: long enough for a large batch on a busy database.
ACK_WAIT_SECONDS = 60.0
#: How long one fetch waits when the stream is empty (also how soon a stop is noticed).
IDLE_WAIT_SECONDS = 1.0
#: After a failed batch: the messages come back after this long, and the loader pauses as long.
RETRY_DELAY_SECONDS = 5.0


class StopSignal(Protocol):
    """A ``threading.Event`` or an ``asyncio.Event``: the loader only asks ``is_set()``."""

    def is_set(self) -> bool: ...


def _stream_message(msg: Any) -> StreamMessage:
    headers = msg.headers or {}
    received: dt.datetime | None = None
    stamp = headers.get(HEADER_RECEIVED_AT)
    if stamp:
        try:
            received = dt.datetime.fromisoformat(stamp)
        except ValueError:
            received = None
        if received is not None and received.tzinfo is None:
            received = None
    return StreamMessage(
        sequence=int(msg.metadata.sequence.stream),
        subject=msg.subject,
        data=bytes(msg.data),
        received_at=received,
        gateway=headers.get(HEADER_GATEWAY),
    )


async def _consumer(js: Any, names: StreamNames, *, batch_size: int, ack_wait: float) -> Any:
    """Create the durable pull consumer, or update an existing one to this configuration."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
    from nats.js.errors import APIError

    config = ConsumerConfig(
        durable_name=CONSUMER,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_ack_pending=max(batch_size * 4, 1000),
        max_waiting=512,
        filter_subject=names.all_subjects,
    )
    try:
        await js.add_consumer(names.stream, config=config)
    except APIError as exc:  # an existing consumer with another configuration: keep it
        log.warning("consumer %s of %s kept as it is: %s", CONSUMER, names.stream, exc)
    return await js.pull_subscribe_bind(durable=CONSUMER, stream=names.stream)


async def consume(
    factory: sessionmaker[Session],
    names: StreamNames,
    *,
    stop: StopSignal,
    batch_size: int | None = None,
    ack_wait: float = ACK_WAIT_SECONDS,
    idle_wait: float = IDLE_WAIT_SECONDS,
    retry_delay: float = RETRY_DELAY_SECONDS,
    on_batch: Callable[[StoredBatch], None] | None = None,
) -> None:
    """Load the stream into the database until ``stop`` is set."""
    import nats

    size = batch_size or get_settings().sources_loader_batch
    loader = BatchLoader(factory, stats_prefix=names.stats_prefix)
    nc = await nats.connect(names.url, max_reconnect_attempts=-1, name=f"jjj-loader {loader.name}")
    try:
        js = nc.jetstream()
        await ensure_stream(js, names)
        sub = await _consumer(js, names, batch_size=size, ack_wait=ack_wait)
        log.info(
            "loader %s: stream %s, consumer %s, batches of %d, AckWait %gs",
            loader.name,
            names.stream,
            CONSUMER,
            size,
            ack_wait,
        )
        # Two batches in hand at most: while one is stored (a thread), the next is fetched.
        storing: asyncio.Task[StoredBatch] | None = None
        in_store: list[Any] = []
        while not stop.is_set() or storing is not None:
            msgs: list[Any] = []
            if not stop.is_set():
                try:
                    msgs = await sub.fetch(size, timeout=idle_wait)
                except TimeoutError:  # nothing to fetch (nats raises asyncio's or a subclass)
                    msgs = []
            if storing is not None:
                await _settle(nc, storing, in_store, retry_delay, on_batch)
                storing = None
            if msgs:  # (a pull may also end with a status message and no data)
                in_store = msgs
                messages = [_stream_message(m) for m in msgs]
                storing = asyncio.create_task(asyncio.to_thread(loader.load, messages))
    finally:
        await nc.close()


async def _settle(
    nc: Any,
    storing: asyncio.Task[StoredBatch],
    msgs: list[Any],
    retry_delay: float,
    on_batch: Callable[[StoredBatch], None] | None,
) -> None:
    """Wait for a batch's transaction; acknowledge its messages once it committed, or have them
    redelivered after ``retry_delay`` (and pause as long) when it failed."""
    try:
        stored = await storing
    except Exception:
        log.exception("batch of %d messages failed; redelivered in %gs", len(msgs), retry_delay)
        await asyncio.gather(*(m.nak(delay=retry_delay) for m in msgs))
        await nc.flush()
        await asyncio.sleep(retry_delay)
        return
    # Committed: only now may the stream forget them.
    await asyncio.gather(*(m.ack() for m in msgs))
    await nc.flush()
    if on_batch is not None:
        on_batch(stored)


def run_loader(
    factory: sessionmaker[Session],
    names: StreamNames,
    *,
    stop: StopSignal,
    batch_size: int | None = None,
    ack_wait: float = ACK_WAIT_SECONDS,
    idle_wait: float = IDLE_WAIT_SECONDS,
    on_batch: Callable[[StoredBatch], None] | None = None,
) -> None:
    """:func:`consume` on an event loop of its own, until ``stop`` is set (``jjj sources
    loader``; a thread for ``jjj serve --worker`` and the demo)."""
    asyncio.run(
        consume(
            factory,
            names,
            stop=stop,
            batch_size=batch_size,
            ack_wait=ack_wait,
            idle_wait=idle_wait,
            on_batch=on_batch,
        )
    )


def start_loader_thread(
    factory: sessionmaker[Session],
    names: StreamNames,
    stop: threading.Event,
    *,
    batch_size: int | None = None,
) -> threading.Thread:
    """The loader in a daemon thread, stopped by ``stop`` (within a second, after its batch);
    restarted after a failure (NATS down) until then."""

    def target() -> None:
        while not stop.is_set():
            try:
                run_loader(factory, names, stop=stop, batch_size=batch_size)
            except Exception:  # NATS unreachable, the stream gone: try again shortly
                log.exception("the loader stopped; starting again in %gs", RETRY_DELAY_SECONDS)
                stop.wait(RETRY_DELAY_SECONDS)

    thread = threading.Thread(target=target, name="jjj-sources-loader", daemon=True)
    thread.start()
    return thread
