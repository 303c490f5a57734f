"""Replay of the recorded Hebei day against a live gateway: every valid packet of the
registered loggers is stored exactly once and acknowledged, every corrupted one is rejected with
its reason (skipped without ../shared)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.kernels import parse_packet
from jingjinji.sources.replay import Recorded, _ask_reply, corpus_dir, read_recording, replay
from jingjinji.sources.stream import StreamNames, message_id
from tests.aio import run_async
from tests.conftest import People
from tests.sources.gateway_support import running_gateway, stream_messages
from tests.sources.registry_support import register_recorded_loggers

FILES = ("2016-08-24_00.h212", "2016-08-24_04.h212")  # 8 and 2 corrupted packets
LOGGERS = 6  # the first loggers to speak are registered; the others' packets are left out


def _corpus() -> Path:
    found = corpus_dir()
    if found is None:
        pytest.skip("the Hebei HJ 212 recording was not found (set JJJ_SHARED_DIR)")
    return found


def _register(session_factory: sessionmaker[Session], people: People, mns: dict[str, str]) -> None:
    """The loggers ``mns`` (MN -> ST) on one test enterprise in Hebei, PW 123456 as recorded."""
    with session_factory() as session:
        register_recorded_loggers(session, people["office"], mns, serial=7, name_zh="回放测试企业")


def test_replaying_two_recorded_hours_stores_every_valid_packet_once_and_rejects_the_corrupted(
    stream_names: StreamNames, session_factory: sessionmaker[Session], people: People
) -> None:
    corpus = _corpus()
    recorded = read_recording([corpus / name for name in FILES])
    chosen: dict[str, str] = {}
    for record in recorded:
        if record.valid and record.mn is not None and len(chosen) < LOGGERS:
            chosen.setdefault(record.mn, parse_packet(record.frame).st or "32")
    records = [r for r in recorded if not r.valid or r.mn in chosen]
    corrupted = [r for r in records if not r.valid]
    valid = [r for r in records if r.valid]
    asking = [r for r in valid if r.qn is not None]  # all but the loggers' own 9011/9012
    assert len(corrupted) == 10 and len(valid) > 300, (len(corrupted), len(valid))
    _register(session_factory, people, chosen)

    acked: list[tuple[str, str, str | None, str | None]] = []
    with running_gateway(stream_names, session_factory) as gateway:
        result = run_async(
            lambda: replay(
                host="127.0.0.1",
                port=gateway.port,
                records=records,
                connections=4,
                on_ack=lambda *seen: acked.append(seen),
            )
        )
        counters = gateway.snapshot()

    assert result.sent == len(records) and result.corrupted == len(corrupted)
    assert result.acknowledged == len(asking) and result.unanswered == 0, result
    assert sorted(a[3] or "" for a in acked) == sorted(r.qn or "" for r in asking)
    # The corrupted packets are rejected by the reason the parser gives each line.
    expected_rejects = collections.Counter(parse_packet(r.frame).reason for r in corrupted)
    assert counters["rejects"] == dict(expected_rejects), counters
    # Each valid packet is stored once: JetStream drops a repeat of a message id (a packet with
    # neither DataTime nor QN, such as a 2005 9012 reply, has no id and is stored every time).
    per_subject: collections.Counter[str] = collections.Counter()
    ids: set[str] = set()
    for record in valid:
        packet = parse_packet(record.frame)
        assert packet.mn is not None and packet.cn is not None
        key = message_id(
            mn=packet.mn, cn=packet.cn, data_time=packet.fields.get("DataTime"), qn=packet.qn
        )
        if not key or key not in ids:
            ids.add(key)
            per_subject[
                stream_names.packet_subject(province="130000", cn=packet.cn, mn=packet.mn)
            ] += 1
    stored = collections.Counter(subject for subject, _, _ in stream_messages(stream_names))
    assert stored == per_subject


def test_ask_replies_changes_only_qn_flag_length_and_crc() -> None:
    line = b"##0073ST=32;CN=8013;PW=123456;MN=ZG130182201205;Flag=0;CP=&&HeartbeatTime=120&&0500"
    original = parse_packet(line)
    asked = parse_packet(_ask_reply(line, original.flag, "20260101000000001"))
    assert original.valid and asked.valid, (original.detail, asked.detail)
    assert asked.reply_required and asked.qn == "20260101000000001" and asked.flag == 1
    assert (asked.st, asked.cn, asked.pw, asked.mn, asked.fields) == (
        original.st, original.cn, original.pw, original.mn, original.fields,
    )  # fmt: skip


def test_without_ask_replies_every_packet_goes_as_recorded() -> None:
    corpus = _corpus()
    path = corpus / FILES[1]
    lines = [line for line in path.read_bytes().split(b"\r\n") if line.strip()]
    records: list[Recorded] = read_recording([path], ask_replies=False)
    assert [r.frame for r in records] == lines
    assert all(r.qn is None for r in records)
