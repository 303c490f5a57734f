"""The HJ 212 gateway against a real NATS JetStream and real TCP: framing across and within
segments, rejects by reason, the registry check, replies only after the stream stored the
packet, the connection cap, the idle timeout and the counters on the stats subject."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.kernels.native import values_read
from jingjinji.sources.stream import StreamNames
from tests.aio import run_async
from tests.sources.conftest import Registry
from tests.sources.gateway_support import (
    LoggerSocket,
    packet,
    running_gateway,
    stream_messages,
)


def test_split_glued_and_garbage_separated_frames_are_all_published_and_acknowledged(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    first = packet(qn="20260101120000001", cp="DataTime=20260101120000;w01018-Rtd=1.0")
    second = packet(qn="20260101120100002", cp="DataTime=20260101120100;w01018-Rtd=2.0")
    third = packet(qn="20260101120200003", cp="DataTime=20260101120200;w01018-Rtd=3.0")
    read = values_read()
    with running_gateway(stream_names, session_factory) as gateway:
        logger = LoggerSocket(gateway.port)
        for byte in first:
            logger.send(bytes([byte]))
        logger.send(b"noise\r\n#" + second + b"\x00garbage" + third)
        replies = [parse_packet(r) for r in logger.replies(3)]
        logger.close()
    # The gateway checks, answers and publishes the raw frame: it never builds the values
    # (the compiled parser builds them on first access only; the gateway thread is in-process).
    assert values_read() == read
    assert [(r.cn, r.qn) for r in replies] == [
        ("9014", "20260101120000001"),
        ("9014", "20260101120100002"),
        ("9014", "20260101120200003"),
    ]
    stored = stream_messages(stream_names)
    subject = stream_names.packet_subject(province="130000", cn="2011", mn="HE-A-W-001")
    assert [(s, body) for s, body, _ in stored] == [
        (subject, frame.removesuffix(b"\r\n")) for frame in (first, second, third)
    ]
    headers = stored[0][2]
    assert headers["Nats-Msg-Id"] == "HE-A-W-001:2011:20260101120000"
    assert headers["Jjj-Gateway"] == "test-gw" and headers["Jjj-Received-At"].endswith("+00:00")


def test_bad_crc_and_bad_length_are_counted_by_reason_and_the_connection_keeps_working(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    good = packet(qn="20260101130000001")
    bad_crc = good[:-6] + (b"0000" if good[-6:-2] != b"0000" else b"1111") + b"\r\n"
    declared = int(good[2:6])
    bad_length = b"##" + f"{declared - 3:04d}".encode() + good[6:]
    with running_gateway(stream_names, session_factory) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(bad_crc + bad_length + good)
        # Replies keep the packets' order: once the good one is answered, none is still due.
        replies = [parse_packet(r).qn for r in logger.replies(1)]
        counters = gateway.snapshot()
        logger.close()
    assert replies == ["20260101130000001"]
    assert counters["rejects"] == {"crc": 1, "length": 1}, counters
    assert counters["packets"]["accepted"] == 1, counters
    assert len(stream_messages(stream_names)) == 1


def test_unknown_logger_and_wrong_password_are_refused_with_9011_and_never_published(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with running_gateway(stream_names, session_factory) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(packet(mn="NOT-REGISTERED", qn="20260101140000001"))
        logger.send(packet(pw="999999", qn="20260101140000002"))
        logger.send(packet(mn="NOT-REGISTERED", qn="20260101140000003", flag=4))  # no reply
        logger.send(packet(qn="20260101140000004"))
        replies = logger.replies(3)
        counters = gateway.snapshot()
        logger.close()
    assert [(parse_packet(r).cn, parse_packet(r).qn) for r in replies] == [
        ("9011", "20260101140000001"),
        ("9011", "20260101140000002"),
        ("9014", "20260101140000004"),
    ]
    assert b"QnRtn=4" in replies[0] and b"QnRtn=3" in replies[1]
    assert counters["rejects"] == {"password": 1, "unknown_logger": 2}, counters
    assert len(stream_messages(stream_names)) == 1  # the registered logger's packet only


def test_no_reply_without_flag_a_and_a_2005_packet_without_qn_or_flag_is_accepted(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    quiet_2017 = packet(qn="20260101150000001", flag=4)
    era_2005 = packet(
        mn="HE-A-G-001", st="31", qn=None, flag=None, cp="DataTime=20260101150000000;02-Rtd=20.0"
    )
    marker = packet(qn="20260101150000009", cp="DataTime=20260101150900;w01018-Rtd=9.0")
    with running_gateway(stream_names, session_factory) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(quiet_2017 + era_2005 + marker)
        replies = logger.replies(1)  # an earlier reply would come before the marker's
        logger.close()
    assert [parse_packet(r).qn for r in replies] == ["20260101150000009"]
    subjects = [s for s, _, _ in stream_messages(stream_names)]
    assert subjects == [
        stream_names.packet_subject(province="130000", cn="2011", mn="HE-A-W-001"),
        stream_names.packet_subject(province="130000", cn="2011", mn="HE-A-G-001"),
        stream_names.packet_subject(province="130000", cn="2011", mn="HE-A-W-001"),
    ]


def test_9014_goes_out_only_once_the_stream_stored_the_packet(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with running_gateway(stream_names, session_factory, publish_timeout=0.5) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(packet(qn="20260101160000001"))
        assert [parse_packet(r).qn for r in logger.replies(1)] == ["20260101160000001"]
        assert len(stream_messages(stream_names)) == 1  # stored before the reply

        async def drop_stream() -> None:
            import nats

            nc = await nats.connect(stream_names.url)
            try:
                await nc.jetstream().delete_stream(stream_names.stream)
            finally:
                await nc.close()

        run_async(lambda: drop_stream())
        logger.send(packet(qn="20260101160100002", cp="DataTime=20260101160100;w01018-Rtd=2"))
        assert logger.replies(1, timeout=1.0) == []  # not stored: the logger must send again
        counters = gateway.snapshot()
        logger.close()
    assert counters["rejects"] == {"stream_unavailable": 1}, counters
    assert counters["packets"]["accepted"] == 1 and counters["packets"]["replies"] == 1


def test_connections_over_the_cap_are_closed_and_counted(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with running_gateway(stream_names, session_factory, max_connections=2) as gateway:
        kept = [LoggerSocket(gateway.port), LoggerSocket(gateway.port)]
        extra = LoggerSocket(gateway.port)
        assert extra.closed_by_peer()
        kept[0].send(packet(qn="20260101170000001"))
        assert len(kept[0].replies(1)) == 1  # the admitted ones still work
        counters = gateway.snapshot()
        for s in [*kept, extra]:
            s.close()
    assert counters["connections"]["refused"] == 1
    assert counters["connections"]["current"] == 2 and counters["connections"]["total"] == 2


def test_an_idle_connection_is_closed(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with running_gateway(stream_names, session_factory, idle_timeout=0.3) as gateway:
        logger = LoggerSocket(gateway.port)
        assert logger.closed_by_peer(timeout=3.0)
        counters = gateway.snapshot()
        logger.close()
    assert counters["connections"]["idle_closed"] == 1


def test_counters_are_published_to_the_stats_subject(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with running_gateway(stream_names, session_factory, stats_every=0.2) as gateway:
        logger = LoggerSocket(gateway.port)
        logger.send(packet(qn="20260101180000001") + packet(mn="NOT-REGISTERED", flag=4))
        logger.replies(1)
        deadline = time.monotonic() + 5
        stats: list[dict[str, Any]] = []
        subject = stream_names.stats_subject("test-gw")
        while time.monotonic() < deadline and not stats:
            time.sleep(0.3)
            stats = [
                json.loads(b)
                for s, b, _ in stream_messages(stream_names, stats=True)
                if s == subject
            ]
        logger.close()
    assert stats, "no counters on the stats subject"
    latest = stats[-1]
    assert latest["gateway"] == "test-gw"
    assert latest["packets"]["accepted"] == 1
    assert latest["rejects"] == {"unknown_logger": 1}
    assert set(latest["ack_ms"]) == {"p50", "p99", "n"}


def test_backpressure_pauses_reading_and_loses_nothing(
    stream_names: StreamNames, session_factory: sessionmaker[Session], registry: Registry
) -> None:
    # One publish in flight for the whole gateway, two per connection: reading pauses after
    # nearly every frame and resumes as the acknowledgements come back.
    frames = [
        packet(qn=f"202601011900{n:05d}", cp=f"DataTime=20260101190{n % 10}{n:02d};w01018-Rtd={n}")
        for n in range(40)
    ]
    with running_gateway(
        stream_names, session_factory, max_in_flight=2, max_in_flight_total=1
    ) as gateway:
        loggers = [LoggerSocket(gateway.port), LoggerSocket(gateway.port)]
        loggers[0].send(b"".join(frames[:20]))
        loggers[1].send(b"".join(frames[20:]))
        replies = [parse_packet(r).qn for r in loggers[0].replies(20) + loggers[1].replies(20)]
        counters = gateway.snapshot()
        for logger in loggers:
            logger.close()
    assert replies == [parse_packet(f).qn for f in frames]
    assert counters["packets"]["accepted"] == 40 and counters["rejects"] == {}
    assert len(stream_messages(stream_names)) == 40
