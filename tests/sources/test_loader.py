"""The loader, end to end from a real JetStream stream into both databases: packets, values,
last seen, gateway counters, one batch row and one audit entry per batch, the detection job,
and exactly-once storage under redelivery."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.jobs.models import Job
from jingjinji.sources.loader import BatchLoader
from jingjinji.sources.models import Batch, GatewayStats, Logger, Packet, Value
from jingjinji.sources.stream import StreamNames
from tests.sources.conftest import Registry
from tests.sources.loader_support import (
    Outgoing,
    frame,
    load_until_drained,
    packet_message,
    packets,
    publish,
    values,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 12, 1, 1, 0, 5, 123456, tzinfo=UTC)

# 2017 hourly data of the Hebei wastewater logger: China 09:00 is 01:00 UTC.
HOURLY_2017 = (
    "QN=20261201090005123;ST=32;CN=2061;PW=123456;MN=HE-A-W-001;Flag=5;"
    "CP=&&DataTime=20261201090000;w01018-Avg=55.2,w01018-Min=40.1,w01018-Max=60.3,"
    "w01018-Cou=1.5,w01018-Flag=N;w00000-Avg=3.2,w00000-Cou=11.52,w00000-Flag=N&&"
)
# 2005 minute data of the Hebei flue-gas logger: codes 02 (SO2) and 01 (dust), corrected values.
MINUTE_2005 = (
    "ST=31;CN=2051;PW=123456;MN=HE-A-G-001;"
    "CP=&&DataTime=20261201091000000;02-Avg=30.5,02-ZsAvg=33.1,02-Flag=N;01-Avg=5,01-Flag=D&&"
)
HEARTBEAT = "ST=32;CN=8013;PW=654321;MN=BJ-A-W-001;Flag=4;CP=&&HeartbeatTime=120&&"
UNDATED = "QN=20261201090005999;ST=31;CN=2011;PW=111111;MN=TJ-A-G-001;Flag=4;CP=&&a21026-Rtd=3&&"
UNKNOWN = "ST=32;CN=2011;PW=123456;MN=NOT-REGISTERED;CP=&&DataTime=20261201090000;w01018-Rtd=1&&"


def _audits(session: Session) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "sources.batch.load")
            .order_by(AuditEntry.seq)
        )
    )


def test_a_batch_stores_packets_values_and_its_evidence(
    session_factory: sessionmaker[Session], registry: Registry, stream_names: StreamNames
) -> None:
    corrupt = bytearray(frame(HOURLY_2017.replace("55.2", "56.2")))
    corrupt[-1:] = b"0" if corrupt[-1:] != b"0" else b"1"  # a wrong CRC
    outgoing = [
        packet_message(stream_names, HOURLY_2017, received_at=T0),
        packet_message(stream_names, MINUTE_2005, received_at=T0 + dt.timedelta(seconds=2)),
        packet_message(
            stream_names, HEARTBEAT, received_at=T0 + dt.timedelta(seconds=3), province="110000"
        ),
        Outgoing(f"{stream_names.prefix}.130000.2061.HE-A-W-001", bytes(corrupt), T0),
        packet_message(stream_names, UNDATED, received_at=T0, province="120000"),
        packet_message(stream_names, UNKNOWN, received_at=T0),
        Outgoing(
            stream_names.stats_subject("gw-1"),
            b'{"gateway": "gw-1", "reported_at": "2026-12-01T01:00:10+00:00", '
            b'"packets": {"accepted": 6}}',
        ),
    ]
    sequences = publish(stream_names, outgoing)

    batches = load_until_drained(session_factory, stream_names)

    assert len(batches) == 1
    stored = batches[0]
    assert (stored.packets_stored, stored.duplicates, stored.values_stored) == (2, 0, 4)
    with session_factory() as session:
        rows = packets(session)
        he_w, he_g = registry.loggers["HE-A-W-001"], registry.loggers["HE-A-G-001"]
        assert [(p.logger_id, p.cn, p.data_time, p.protocol_version) for p in rows] == [
            (he_w, 2061, dt.datetime(2026, 12, 1, 1, 0, tzinfo=UTC), 2017),
            (he_g, 2051, dt.datetime(2026, 12, 1, 1, 10, tzinfo=UTC), 2005),
        ]
        assert rows[0].qn == "20261201090005123" and rows[1].qn is None
        assert [p.stream_sequence for p in rows] == sequences[:2]
        assert {p.batch_id for p in rows} == {stored.batch_id}
        assert rows[0].received_at == T0

        got = {(v.logger_id, v.factor): v for v in values(session)}
        assert set(got) == {(he_w, "w01018"), (he_w, "w00000"), (he_g, "a21026"), (he_g, "a34013")}
        cod = got[(he_w, "w01018")]
        assert (cod.avg, cod.min, cod.max, cod.cou, cod.flag, cod.rtd) == (
            55.2,
            40.1,
            60.3,
            1.5,
            "N",
            None,
        )
        so2 = got[(he_g, "a21026")]
        assert (so2.avg, so2.zs_avg, so2.flag) == (30.5, 33.1, "N")
        assert got[(he_g, "a34013")].flag == "D"

        seen = {lg.mn: lg.last_seen_at for lg in session.scalars(select(Logger))}
        assert seen["HE-A-W-001"] == T0
        assert seen["HE-A-G-001"] == T0 + dt.timedelta(seconds=2)
        assert seen["BJ-A-W-001"] == T0 + dt.timedelta(seconds=3)  # a heartbeat marks it seen
        # The undated packet is not stored, but its logger spoke.
        assert seen["TJ-A-G-001"] == T0

        batch = session.get(Batch, stored.batch_id)
        assert batch is not None
        frames = [m.data for m in outgoing[:6]]
        expected_sha = hashlib.sha256(b"".join(f + b"\n" for f in frames)).hexdigest()
        assert batch.sha256 == expected_sha
        assert (batch.first_sequence, batch.last_sequence) == (sequences[0], sequences[-1])
        assert (batch.messages, batch.packets_stored, batch.values_stored) == (7, 2, 4)

        (entry,) = _audits(session)
        assert entry.object_type == "source_batch" and entry.object_id == str(batch.id)
        assert entry.actor_username == "system"
        detail = entry.detail_json
        assert f'"sha256":"{expected_sha}"' in detail.replace(" ", "")
        for counted in ('"invalid":1', '"unknown_logger":1', '"undated":1', '"stored":2'):
            assert counted in detail.replace(" ", "")

        jobs = list(session.scalars(select(Job).where(Job.kind == "sources.detect_exceedances")))
        assert [j.payload for j in jobs] == [{"batch_id": batch.id}]

        stats = session.get(GatewayStats, "gw-1")
        assert stats is not None
        assert stats.counters["packets"] == {"accepted": 6}
        assert stats.reported_at == dt.datetime(2026, 12, 1, 1, 0, 10, tzinfo=UTC)


def test_a_packet_sent_again_is_stored_once(
    session_factory: sessionmaker[Session], registry: Registry, stream_names: StreamNames
) -> None:
    # Twice in one batch (a resend after a lost reply, beyond the stream's duplicate window)...
    publish(
        stream_names,
        [
            packet_message(stream_names, HOURLY_2017, received_at=T0),
            packet_message(stream_names, HOURLY_2017, received_at=T0 + dt.timedelta(seconds=30)),
        ],
    )
    (first,) = load_until_drained(session_factory, stream_names)
    assert (first.packets_stored, first.duplicates, first.values_stored) == (1, 1, 2)
    # ... and once more in a later batch, with a new value: the stored packet stays as it was.
    publish(
        stream_names,
        [packet_message(stream_names, HOURLY_2017.replace("55.2", "99.9"), received_at=T0)],
    )
    (second,) = load_until_drained(session_factory, stream_names)
    assert (second.packets_stored, second.duplicates, second.values_stored) == (0, 1, 0)

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Packet)) == 1
        assert session.scalar(select(func.count()).select_from(Value)) == 2
        assert session.scalar(select(Value.avg).where(Value.factor == "w01018")) == 55.2
        batches = list(session.scalars(select(Batch).order_by(Batch.id)))
        assert [(b.packets_stored, b.duplicates) for b in batches] == [(1, 1), (0, 1)]
        assert len(_audits(session)) == 2  # one per batch
        # Only the batch that stored something asks for detection.
        jobs = list(session.scalars(select(Job).where(Job.kind == "sources.detect_exceedances")))
        assert [j.payload for j in jobs] == [{"batch_id": batches[0].id}]
        # last_seen_at keeps the latest receive time: the older resend does not move it back.
        logger = session.scalar(select(Logger).where(Logger.mn == "HE-A-W-001"))
        assert logger is not None and logger.last_seen_at == T0 + dt.timedelta(seconds=30)


def test_counters_alone_make_no_batch_and_older_counters_do_not_win(
    session_factory: sessionmaker[Session], registry: Registry, stream_names: StreamNames
) -> None:
    def report(at: str, accepted: int) -> Outgoing:
        body = (
            f'{{"gateway": "gw-2", "reported_at": "{at}", "packets": {{"accepted": {accepted}}}}}'
        )
        return Outgoing(stream_names.stats_subject("gw-2"), body.encode())

    publish(stream_names, [report("2026-12-01T02:00:00+00:00", 10)])
    load_until_drained(session_factory, stream_names)
    publish(stream_names, [report("2026-12-01T01:00:00+00:00", 5)])  # delayed, older
    load_until_drained(session_factory, stream_names)
    with session_factory() as session:
        stats = session.get(GatewayStats, "gw-2")
        assert stats is not None and stats.counters["packets"]["accepted"] == 10
        assert session.scalar(select(func.count()).select_from(Batch)) == 0
        assert _audits(session) == []


def test_batch_loader_without_nats_counts_what_it_skips(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    from tests.sources.loader_support import message

    loader = BatchLoader(session_factory, stats_prefix="t.stats.")
    stored = loader.load(
        [
            message(5, HOURLY_2017, received_at=T0),
            message(3, HEARTBEAT, received_at=T0),
            message(9, UNKNOWN, received_at=T0),
            # A month without an end cannot get a partition: counted as undated, the rest stored.
            message(
                11, HOURLY_2017.replace("DataTime=20261201", "DataTime=99991231"), received_at=T0
            ),
        ]
    )
    assert (stored.packets_stored, stored.values_stored) == (1, 2)
    with session_factory() as session:
        batch = session.get(Batch, stored.batch_id)
        assert batch is not None
        # Sequences, and the hash, in stream order whatever order the fetch returned them in.
        assert (batch.first_sequence, batch.last_sequence) == (3, 11)
        ordered = [
            frame(HEARTBEAT),
            frame(HOURLY_2017),
            frame(UNKNOWN),
            frame(HOURLY_2017.replace("DataTime=20261201", "DataTime=99991231")),
        ]
        assert batch.sha256 == hashlib.sha256(b"".join(f + b"\n" for f in ordered)).hexdigest()
        (entry,) = _audits(session)
        assert '"undated":1' in entry.detail_json.replace(" ", "")
