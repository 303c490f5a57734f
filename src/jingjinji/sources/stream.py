"""The JetStream stream between the gateway and the loader: its names, subjects, headers and
configuration, in one place so that both sides agree.

One message per accepted HJ 212 packet:

- subject ``<prefix>.<province>.<cn>.<mn>`` (e.g. ``jjj.sources.130000.2011.LD130107000319``);
  an MN holding a character NATS subjects forbid (``.``, ``*``, ``>``, whitespace) is written
  with those characters as ``_`` (the body keeps the true MN);
- body: the frame exactly as the logger sent it, from ``##`` to the CRC (no ``\\r\\n``): the
  loader parses it again (the parser is pure and fast), so the stream holds evidence, not an
  interpretation;
- headers: ``Nats-Msg-Id`` (JetStream drops a repeat within the duplicate window: a logger
  resending after a lost 9014 is stored once), ``Jjj-Received-At`` (UTC, ISO 8601, when the
  gateway read the frame) and ``Jjj-Gateway`` (the gateway's name).

Gateway counters go to the KV bucket ``<stream>_STATS`` (key: the gateway's name, history 1, kept
``STATS_TTL_SECONDS``), which the gateway page reads directly: behind a backlog of packets the
counters would reach the page only once the loader got through it, and the page would say
"stopped reporting" about a gateway that is busy. They also go to ``<prefix>.stats.<gateway>``
on the packets stream, from which the loader keeps the latest of each gateway in the database
(the page's fallback and the record once the bucket forgot a gateway).

The stream is a work queue: a message is removed once the loader acknowledged it, which the
loader does only after its transaction committed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from jingjinji.config import Settings

HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_RECEIVED_AT = "Jjj-Received-At"
HEADER_GATEWAY = "Jjj-Gateway"

#: JetStream forgets message ids older than this: a repeat within it is dropped as a duplicate
#: (beyond it, the loader's key - logger, command, data time - still stores it once).
DUPLICATE_WINDOW_SECONDS = 120.0

#: The stats bucket forgets a gateway's counters this long after its last report (the page says
#: "stopped reporting" after 30 s; beyond this it shows what the loader stored).
STATS_TTL_SECONDS = 600.0

_SUBJECT_UNSAFE = re.compile(r"[.*>\s]")
_BUCKET_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class StreamNames:
    """Where the packets go: the stream and its subject prefix (tests use their own)."""

    url: str
    stream: str
    prefix: str

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamNames:
        return cls(
            url=settings.nats_url,
            stream=settings.sources_stream,
            prefix=settings.sources_subject_prefix,
        )

    def packet_subject(self, *, province: str, cn: str, mn: str) -> str:
        return f"{self.prefix}.{province}.{cn}.{_SUBJECT_UNSAFE.sub('_', mn)}"

    def stats_subject(self, gateway: str) -> str:
        return f"{self.prefix}.stats.{_SUBJECT_UNSAFE.sub('_', gateway)}"

    @property
    def all_subjects(self) -> str:
        return f"{self.prefix}.>"

    @property
    def stats_prefix(self) -> str:
        return f"{self.prefix}.stats."

    @property
    def stats_bucket(self) -> str:
        """The KV bucket of the gateways' latest counters (outside the packets' queue)."""
        return f"{_BUCKET_UNSAFE.sub('_', self.stream)}_STATS"

    def stats_key(self, gateway: str) -> str:
        """A gateway's key in the stats bucket (``host:port`` is written ``host_port``; the
        counters themselves carry the true name)."""
        return _BUCKET_UNSAFE.sub("_", gateway) or "_"


def message_id(*, mn: str, cn: str, data_time: str | None, qn: str | None) -> str:
    """The id JetStream deduplicates on: the logger, the command and the packet's own time
    (DataTime, else QN); a packet with neither gets no id (it is not deduplicated by the
    stream)."""
    stamp = data_time or qn or ""
    return f"{mn}:{cn}:{stamp}" if stamp else ""


def received_at_header(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def stream_config(names: StreamNames) -> StreamConfig:
    """File storage, a work queue (a message leaves once the loader acknowledged it), duplicates
    dropped within DUPLICATE_WINDOW_SECONDS."""
    return StreamConfig(
        name=names.stream,
        subjects=[names.all_subjects],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


def stats_bucket_config(names: StreamNames) -> KeyValueConfig:
    """One value per gateway (history 1), forgotten STATS_TTL_SECONDS after its last put."""
    return KeyValueConfig(
        bucket=names.stats_bucket,
        description="HJ 212 gateways' latest counters (jingjinji sources)",
        history=1,
        ttl=STATS_TTL_SECONDS,
        storage=StorageType.FILE,
    )


async def ensure_stats_bucket(js: object, names: StreamNames) -> Any:
    """The stats bucket (a ``nats.js.kv.KeyValue``), made if it does not exist yet."""
    from nats.js import JetStreamContext
    from nats.js.errors import BucketNotFoundError

    assert isinstance(js, JetStreamContext)
    try:
        return await js.key_value(names.stats_bucket)
    except BucketNotFoundError:
        return await js.create_key_value(stats_bucket_config(names))


async def ensure_stream(js: object, names: StreamNames) -> None:
    """Create the stream, or leave an existing one as it is (both the gateway and the loader
    call this at start, in either order)."""
    from nats.js import JetStreamContext
    from nats.js.errors import NotFoundError

    assert isinstance(js, JetStreamContext)
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await js.add_stream(stream_config(names))
