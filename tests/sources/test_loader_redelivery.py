"""A loader that dies before acknowledging loses nothing and duplicates nothing: the stream
redelivers the batch after AckWait, and the packets' key stores each packet once."""

from __future__ import annotations

import datetime as dt

import nats
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.loader import BatchLoader
from jingjinji.sources.loader.consume import _consumer, _stream_message
from jingjinji.sources.loader.store import StoredBatch
from jingjinji.sources.models import Batch, Packet, Value
from jingjinji.sources.stream import StreamNames
from tests.aio import run_async
from tests.sources.conftest import Registry
from tests.sources.loader_support import load_until_drained, packet_message, publish

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
ACK_WAIT = 1.0


def _segment(minute: int) -> str:
    return (
        f"ST=32;CN=2051;PW=123456;MN=HE-A-W-001;Flag=4;CP=&&DataTime=20261201100{minute}00;"
        f"w01018-Avg={40 + minute},w01018-Flag=N;w21003-Avg=1.{minute},w21003-Flag=N&&"
    )


def _take_without_ack(
    names: StreamNames, *, load: BatchLoader | None
) -> tuple[list[int], StoredBatch | None]:
    """Fetch a batch from the loader's consumer and never acknowledge it, as a loader killed
    before (``load`` None) or after (``load`` given: stored and committed) its commit."""

    async def run() -> tuple[list[int], StoredBatch | None]:
        nc = await nats.connect(names.url)
        try:
            sub = await _consumer(nc.jetstream(), names, batch_size=10, ack_wait=ACK_WAIT)
            msgs = await sub.fetch(10, timeout=ACK_WAIT * 5)
            deliveries = [m.metadata.num_delivered for m in msgs]
            stored = None if load is None else load.load([_stream_message(m) for m in msgs])
            return deliveries, stored
        finally:
            await nc.close()  # no acks: the stream redelivers after AckWait

    return run_async(run)


def test_a_batch_never_acknowledged_is_redelivered_and_stored_once(
    session_factory: sessionmaker[Session], registry: Registry, stream_names: StreamNames
) -> None:
    publish(
        stream_names, [packet_message(stream_names, _segment(m), received_at=T0) for m in (1, 2, 3)]
    )

    # Killed before its commit: nothing stored, nothing acknowledged.
    deliveries, _ = _take_without_ack(stream_names, load=None)
    assert deliveries == [1, 1, 1]
    # Killed after its commit, before its acks: stored once, redelivered all the same.
    loader = BatchLoader(session_factory, stats_prefix=stream_names.stats_prefix)
    deliveries, committed = _take_without_ack(stream_names, load=loader)
    assert deliveries == [2, 2, 2]
    assert committed is not None and committed.packets_stored == 3
    # The next loader gets the batch a third time: all duplicates.
    batches = load_until_drained(session_factory, stream_names, ack_wait=ACK_WAIT)
    assert [(b.packets_stored, b.duplicates, b.values_stored) for b in batches] == [(0, 3, 0)]

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Packet)) == 3
        assert session.scalar(select(func.count()).select_from(Value)) == 6
        rows = session.execute(select(Batch.packets_stored, Batch.duplicates).order_by(Batch.id))
        assert [tuple(r) for r in rows] == [(3, 0), (0, 3)]
