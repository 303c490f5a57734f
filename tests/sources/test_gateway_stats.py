"""The gateway page's counters reach it within seconds however many packets wait for the
loader: the gateway puts them in its stats bucket (NATS KV) beside the packets' work queue, and
the page's service reads that bucket directly (and what the loader stored, the newer wins).
Against a real NATS JetStream, on both backends."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import Settings
from jingjinji.db import utcnow
from jingjinji.sources.service import overview
from jingjinji.sources.stream import StreamNames, ensure_stats_bucket, ensure_stream
from tests.aio import run_async
from tests.conftest import People, login
from tests.sources.conftest import Registry
from tests.sources.gateway_support import LoggerSocket, packet, running_gateway
from tests.sources.pages_support import counters, report_gateway

#: Packets waiting in the stream, that no loader takes while the test runs.
BACKLOG = 5000


@pytest.fixture
def names(stream_names: StreamNames) -> Iterator[StreamNames]:
    """The test's stream and subjects; its stats bucket is removed afterwards too."""
    yield stream_names

    async def drop() -> None:
        import nats

        nc = await nats.connect(stream_names.url, connect_timeout=2)
        try:
            with contextlib.suppress(Exception):  # the test may never have made it
                await nc.jetstream().delete_key_value(stream_names.stats_bucket)
        finally:
            await nc.close()

    run_async(lambda: drop())


@pytest.fixture
def settings(db_url: str, tmp_path: Path, names: StreamNames) -> Settings:
    """The app's settings with the test's NATS stream (the page reads its stats bucket)."""
    return Settings(
        database_url=db_url,
        secret_key="test-secret-key",
        var_dir=tmp_path,
        secure_cookies=False,
        nats_url=names.url,
        sources_stream=names.stream,
        sources_subject_prefix=names.prefix,
    )


def _fill_backlog(names: StreamNames, count: int) -> int:
    """``count`` packets into the stream (as a gateway would have stored them); the stream's
    message count afterwards."""
    frame = packet(qn="20260101120000001").removesuffix(b"\r\n")
    subject = names.packet_subject(province="130000", cn="2011", mn="HE-A-W-001")

    async def fill() -> int:
        import asyncio

        import nats

        nc = await nats.connect(names.url, connect_timeout=2)
        try:
            js = nc.jetstream(publish_async_max_pending=count)
            await ensure_stream(js, names)
            acks = [await js.publish_async(subject, frame) for _ in range(count)]
            await asyncio.gather(*acks)
            info = await js.stream_info(names.stream)
            return int(info.state.messages)
        finally:
            await nc.close()

    return run_async(lambda: fill())


def _stream_messages(names: StreamNames) -> int:
    async def count() -> int:
        import nats

        nc = await nats.connect(names.url, connect_timeout=2)
        try:
            return int((await nc.jetstream().stream_info(names.stream)).state.messages)
        finally:
            await nc.close()

    return run_async(lambda: count())


def _put(names: StreamNames, reports: dict[str, dict[str, object]]) -> None:
    """Reports into the stats bucket as gateways put them (key: the gateway's name)."""

    async def put() -> None:
        import nats

        nc = await nats.connect(names.url, connect_timeout=2)
        try:
            bucket = await ensure_stats_bucket(nc.jetstream(), names)
            for gateway, body in reports.items():
                await bucket.put(names.stats_key(gateway), json.dumps(body).encode())
        finally:
            await nc.close()

    run_async(lambda: put())


def test_a_busy_gateways_counters_reach_the_page_within_5_s_behind_a_packet_backlog(
    client: TestClient,
    names: StreamNames,
    session_factory: sessionmaker[Session],
    registry: Registry,
    people: People,
) -> None:
    assert _fill_backlog(names, BACKLOG) == BACKLOG
    login(client, "he-analyst", people.password)
    with running_gateway(names, session_factory, stats_every=0.2) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(packet(qn="20260101180000001", cp="DataTime=20260101180000;w01018-Rtd=1.0"))
        assert len(logger.replies(1)) == 1
        started = time.monotonic()
        row = None
        while time.monotonic() - started < 5.0:
            fragment = client.get("/sources/gateway/counters").text
            found = re.search(r'<tr data-gateway="test-gw">(.*?)</tr>', fragment, re.S)
            cells = re.findall(r"<td>(.*?)</td>", found.group(1), re.S) if found else []
            if found and "gateway-silent" not in found.group(1) and cells[4] == "1":
                row = found.group(1)
                break
            time.sleep(0.2)
        waited = time.monotonic() - started
        logger.close()
        assert row is not None, "the page did not show the gateway's counters within 5 s"
        with session_factory() as session:
            rows = overview.gateway_rows(session, actor=people["he-analyst"], names=names)
    assert waited < 5.0
    assert [(r.gateway, r.silent, r.accepted) for r in rows] == [("test-gw", False, 1.0)]
    print(f"counters on the page {waited:.2f} s after the packet's reply")
    # Nothing took the backlog meanwhile: the counters went round it, not through it.
    assert _stream_messages(names) >= BACKLOG + 1


def test_the_newer_of_bucket_and_database_wins_and_an_old_report_is_stopped_reporting(
    names: StreamNames, session_factory: sessionmaker[Session], people: People
) -> None:
    now = utcnow().replace(microsecond=0)

    def report(gateway: str, at: dt.datetime, accepted: int) -> dict[str, object]:
        return {
            "gateway": gateway,
            "reported_at": at.isoformat(),
            **counters(accepted, {"crc": 1}, 1.0, 2.0),
        }

    _put(
        names,
        {
            "gw-live:9212": report("gw-live:9212", now, 30),  # newer than the database's
            "gw-behind": report("gw-behind", now - dt.timedelta(minutes=3), 5),  # older
            "gw-gone": report("gw-gone", now - dt.timedelta(minutes=2), 7),  # bucket only
        },
    )
    with session_factory() as session:
        stored = counters(10, {}, 1.0, 1.0)
        report_gateway(
            session, gateway="gw-live:9212", at=now - dt.timedelta(minutes=1), counters=stored
        )
        report_gateway(session, gateway="gw-behind", at=now, counters=stored)
        report_gateway(session, gateway="gw-db", at=now, counters=stored)  # database only
        session.commit()
        rows = overview.gateway_rows(session, actor=people["bj-analyst"], now=now, names=names)
        stored_only = overview.gateway_rows(session, actor=people["bj-analyst"], now=now)
    assert [(r.gateway, r.silent, r.accepted) for r in rows] == [
        ("gw-behind", False, 10.0),
        ("gw-db", False, 10.0),
        ("gw-gone", True, 7.0),
        ("gw-live:9212", False, 30.0),
    ]
    assert [(r.gateway, r.accepted) for r in stored_only] == [
        ("gw-behind", 10.0),
        ("gw-db", 10.0),
        ("gw-live:9212", 10.0),
    ]


def test_without_nats_the_page_shows_what_the_loader_stored_without_waiting_each_time(
    session_factory: sessionmaker[Session], people: People
) -> None:
    away = StreamNames(url="nats://127.0.0.1:1", stream="JJJ_AWAY", prefix="jjjaway")
    with session_factory() as session:
        report_gateway(session, gateway="gw-1", at=utcnow(), counters=counters(4, {}, 1.0, 1.0))
        session.commit()
        started = time.monotonic()
        first = overview.gateway_rows(session, actor=people["bj-analyst"], names=away)
        first_took = time.monotonic() - started
        started = time.monotonic()
        again = overview.gateway_rows(session, actor=people["bj-analyst"], names=away)
        again_took = time.monotonic() - started
    assert [(r.gateway, r.accepted) for r in first] == [("gw-1", 4.0)]
    assert [(r.gateway, r.accepted) for r in again] == [("gw-1", 4.0)]
    assert first_took < 2.5  # bounded by the read's timeout
    assert again_took < 0.5  # not asked again for a while
