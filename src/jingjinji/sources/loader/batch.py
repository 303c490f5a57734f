"""One batch of stream messages turned into the rows the store writes: pure, no database, no
NATS (the consumer hands in plain :class:`StreamMessage` values, the logger ids come in as a
map).

A batch's messages are taken in stream order (by sequence, redeliveries included). Each packet
message is parsed again by :func:`jingjinji.sources.kernels.parse_packet` (the stream holds the
frame as the logger sent it); what becomes of it:

- a data upload (2011 real-time, 2051 minute, 2061 hourly, 2031 daily) with a DataTime from a
  registered logger: one packet row and one value row per factor (2005 codes come mapped to the
  2017 ones by the parser); a second message of the same packet (logger, command, data time) in
  the batch is a duplicate, the first one in stream order is kept;
- any other valid command (heartbeat 8013, 9015, alarm 2072, running state 2021, ...): only the
  logger's ``last_seen_at``; data uploads refresh it too;
- an invalid frame, a logger not in the registry or a data upload without DataTime (it cannot
  be keyed): counted, logged, never stored.

Gateway counters (``<prefix>.stats.<gateway>``, JSON) keep the latest report of each gateway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jingjinji.sources.kernels import Packet, parse_packet
from jingjinji.sources.models import DataCommand

log = logging.getLogger("jingjinji.sources.loader")

#: The commands stored as packets and values (every other valid command only marks the logger
#: as seen).
DATA_COMMANDS = frozenset(int(c) for c in DataCommand)

#: The value columns of ``source_values``, by the HJ 212 field suffix that fills them.
SUFFIX_COLUMNS: dict[str, str] = {
    "Rtd": "rtd",
    "Avg": "avg",
    "Min": "min",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsAvg": "zs_avg",
    "ZsMin": "zs_min",
    "ZsMax": "zs_max",
}
VALUE_COLUMNS: tuple[str, ...] = tuple(SUFFIX_COLUMNS.values())
_SUFFIX_INDEX = {suffix: index for index, suffix in enumerate(SUFFIX_COLUMNS)}

# Column widths of the tables (models.py): a longer value would fail the whole batch's
# transaction, again at every redelivery, so it is cut or dropped here.
QN_WIDTH = 20
FACTOR_WIDTH = 12
FLAG_WIDTH = 2


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """A message as the loader took it from the stream."""

    sequence: int  # the stream sequence (64-bit)
    subject: str
    data: bytes
    received_at: dt.datetime | None  # header Jjj-Received-At (UTC), when present
    gateway: str | None  # header Jjj-Gateway


PacketRow = tuple[int, int, dt.datetime, str | None, int, dt.datetime, int]
"""logger_id, cn, data_time (UTC), qn, protocol_version, received_at (UTC), stream_sequence"""

ValueRow = tuple[
    int,
    int,
    dt.datetime,
    str,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    str | None,
]
"""logger_id, cn, data_time (UTC), factor, the nine VALUE_COLUMNS, flag"""


@dataclass(frozen=True, slots=True)
class GatewayReport:
    gateway: str
    reported_at: dt.datetime
    counters: dict[str, Any]


@dataclass(slots=True)
class PreparedBatch:
    """What one batch stores, and what it counted."""

    messages: int  # every message of the batch, gateway counters included
    frames: int  # the packet messages (hashed into ``sha256``)
    first_sequence: int
    last_sequence: int
    sha256: str
    packets: list[PacketRow] = field(default_factory=list)
    values: list[ValueRow] = field(default_factory=list)
    last_seen: dict[int, dt.datetime] = field(default_factory=dict)  # logger id -> received
    reports: dict[str, GatewayReport] = field(default_factory=dict)
    repeated: int = 0  # a second message of a packet already in this batch
    invalid: int = 0
    unknown_logger: int = 0
    undated: int = 0
    other_commands: int = 0  # valid, not a data upload: only last_seen_at

    def months(self) -> set[dt.date]:
        """The first day of each UTC month the packets fall in (their partitions)."""
        return {month_of(row[2]) for row in self.packets}


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the UTC month of ``moment`` (the partitions are UTC months)."""
    utc = moment.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


def frames_sha256(frames: Iterable[bytes]) -> str:
    """SHA-256 over the frames in stream order, each followed by one ``\\n`` (the frames hold
    no line break: the gateway publishes them without their ``\\r\\n``)."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame)
        digest.update(b"\n")
    return digest.hexdigest()


def is_stats(message: StreamMessage, stats_prefix: str) -> bool:
    return message.subject.startswith(stats_prefix)


def parse_messages(messages: Sequence[StreamMessage], stats_prefix: str) -> dict[int, Packet]:
    """The parsed packet of every packet message, by sequence (the consumer resolves their MNs
    to logger ids before :func:`prepare`)."""
    return {m.sequence: parse_packet(m.data) for m in messages if not is_stats(m, stats_prefix)}


def prepare(
    messages: Sequence[StreamMessage],
    parsed: Mapping[int, Packet],
    logger_ids: Mapping[str, int],
    *,
    stats_prefix: str,
    now: dt.datetime,
) -> PreparedBatch:
    """The rows of a batch: ``parsed`` holds the parsed packet of each packet message by
    sequence (:func:`parse_messages`), ``logger_ids`` the registered loggers by MN."""
    ordered = sorted(messages, key=lambda m: m.sequence)
    frames = [m for m in ordered if not is_stats(m, stats_prefix)]
    batch = PreparedBatch(
        messages=len(ordered),
        frames=len(frames),
        first_sequence=ordered[0].sequence if ordered else 0,
        last_sequence=ordered[-1].sequence if ordered else 0,
        sha256=frames_sha256(m.data for m in frames),
    )
    seen_keys: set[tuple[int, int, dt.datetime]] = set()
    for message in ordered:
        if is_stats(message, stats_prefix):
            _add_report(batch, message, now)
            continue
        _add_packet(batch, message, parsed[message.sequence], logger_ids, seen_keys, now)
    return batch


def _add_report(batch: PreparedBatch, message: StreamMessage, now: dt.datetime) -> None:
    try:
        counters = json.loads(message.data)
    except ValueError:
        log.warning("stream message %d: gateway counters are not JSON; skipped", message.sequence)
        return
    if not isinstance(counters, dict):
        log.warning("stream message %d: gateway counters are not an object", message.sequence)
        return
    gateway = str(counters.get("gateway") or message.gateway or message.subject.rsplit(".")[-1])
    reported = _moment(counters.get("reported_at")) or message.received_at or now
    # Later in the stream is later: the latest report of each gateway in the batch wins.
    batch.reports[gateway[:100]] = GatewayReport(gateway[:100], reported, counters)


def _moment(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _add_packet(
    batch: PreparedBatch,
    message: StreamMessage,
    packet: Packet,
    logger_ids: Mapping[str, int],
    seen_keys: set[tuple[int, int, dt.datetime]],
    now: dt.datetime,
) -> None:
    if not packet.valid:
        batch.invalid += 1
        log.warning(
            "stream message %d: invalid HJ 212 frame (%s); acknowledged, not stored: %r",
            message.sequence,
            packet.reason,
            message.data[:80],
        )
        return
    logger_id = logger_ids.get(packet.mn or "")
    if logger_id is None:
        batch.unknown_logger += 1
        log.warning(
            "stream message %d: MN %r is not an active registered logger; not stored",
            message.sequence,
            packet.mn,
        )
        return
    received = message.received_at or now
    previous = batch.last_seen.get(logger_id)
    if previous is None or received > previous:
        batch.last_seen[logger_id] = received
    cn = _command(packet.cn)
    if cn not in DATA_COMMANDS:
        batch.other_commands += 1
        return
    if packet.data_time is None:
        batch.undated += 1
        log.warning(
            "stream message %d: CN=%s from %s has no DataTime; it cannot be keyed, not stored",
            message.sequence,
            packet.cn,
            packet.mn,
        )
        return
    try:
        data_time = packet.data_time.astimezone(dt.UTC)
        month_of(data_time + dt.timedelta(days=31))  # its month must have an end
    except (OverflowError, ValueError):  # year 1 in China time, December 9999
        batch.undated += 1
        log.warning(
            "stream message %d: DataTime %s cannot be stored; not stored",
            message.sequence,
            packet.data_time,
        )
        return
    key = (logger_id, cn, data_time)
    if key in seen_keys:
        batch.repeated += 1
        return
    seen_keys.add(key)
    qn = packet.qn if packet.qn and len(packet.qn) <= QN_WIDTH else None
    batch.packets.append(
        (logger_id, cn, data_time, qn, packet.version or 0, received, message.sequence)
    )
    for factor, fields in packet.values.items():
        row = _value_row(key, factor, fields)
        if row is None:
            log.warning(
                "stream message %d: factor code %r is longer than %d characters; not stored",
                message.sequence,
                factor,
                FACTOR_WIDTH,
            )
            continue
        batch.values.append(row)


def _command(cn: object) -> int:
    try:
        return int(str(cn))
    except ValueError:
        return -1


def _number(value: object) -> float | None:
    """A field's value as a float (the parser gives floats; text it could not read is None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _value_row(
    key: tuple[int, int, dt.datetime], factor: str, fields: Mapping[str, object]
) -> ValueRow | None:
    if not factor or len(factor) > FACTOR_WIDTH:
        return None
    numbers: list[float | None] = [None] * len(SUFFIX_COLUMNS)
    flag_text: str | None = None
    for suffix, value in fields.items():
        index = _SUFFIX_INDEX.get(suffix)
        if index is not None:
            # The parser gives floats: the common case skips the conversions.
            numbers[index] = (
                value if type(value) is float and math.isfinite(value) else _number(value)
            )
        elif suffix == "Flag" and isinstance(value, str) and 0 < len(value) <= FLAG_WIDTH:
            flag_text = value
    logger_id, cn, data_time = key
    return (
        logger_id,
        cn,
        data_time,
        factor,
        numbers[0],
        numbers[1],
        numbers[2],
        numbers[3],
        numbers[4],
        numbers[5],
        numbers[6],
        numbers[7],
        numbers[8],
        flag_text,
    )
