"""Replaying recorded HJ 212 traffic to a gateway over TCP (`jjj sources replay`, the demo, the
durability tests and the benchmark of the whole chain).

A recording is one or more files of packets, one a line (CRLF), in arrival order; a folder
stands for its ``*.h212`` files in name order. Files named ``..._HH.h212`` hold hour ``HH``: its
packets are spread evenly over that hour (the recording keeps no arrival times), and played back
``speed`` times faster (``speed=0``: as fast as the gateway takes them).

Each logger (MN) gets its own connection, up to ``connections``; beyond that loggers share them
round-robin. Packets are sent as recorded, with one exception the caller chooses:
``ask_replies`` (on by default). The 2005-era recordings carry no QN and no Flag, so by the
standard the gateway answers none of them; with ``ask_replies`` every packet the parser accepts
but the logger's own replies (9011-9014) is re-framed with a QN (a unique one made up by the
replay, 17 digits) and Flag bit A set (length and CRC recomputed) so that the gateway's 9014
can be observed and matched. The data area is untouched. Packets the parser rejects (the
corrupted ones) are always sent byte for byte as recorded."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jingjinji.sources.kernels import Framer, FramingError, build_frame, parse_packet

_HOUR = re.compile(r"_(\d{2})\.h212$")
_MN = re.compile(rb"MN=([^;&]*)")
_CN = re.compile(rb"CN=(\d+)")
_DATA_TIME = re.compile(rb"DataTime=(\d+)")
_QN_RTN = re.compile(rb"QnRtn=(\d+)")
_HEADER_DROPPED = re.compile(r"^(QN|Flag)=")
#: The logger's own replies (to the platform's requests): never answered, so never asked to be.
_REPLIES = frozenset({"9011", "9012", "9013", "9014"})
#: Whole CRLF-ended lines read back from the gateway are parsed; a stall this long after the
#: last packet ends the wait for missing replies.
SETTLE_SECONDS = 5.0

AckCallback = Callable[[str, str, str | None, str | None], None]

#: The recorded day shipped beside the project (ATTRIBUTION.md there says where it comes from).
CORPUS = Path("data/hj212/hebei-2016-08-24")
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def corpus_dir() -> Path | None:
    """Where the Hebei recording is: ``$JJJ_SHARED_DIR/data/hj212/hebei-2016-08-24``, else
    ``../shared/...`` beside the working directory or the project; None if absent."""
    candidates: list[Path] = []
    explicit = os.environ.get("JJJ_SHARED_DIR")
    if explicit:
        candidates.append(Path(explicit) / CORPUS)
    candidates += [Path.cwd().parent / "shared" / CORPUS, _PROJECT_ROOT.parent / "shared" / CORPUS]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.h212")):
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Recorded:
    """One packet to send: when (seconds into the recording), whose, and the frame as it will
    be sent (without CRLF)."""

    at: float
    mn: str | None
    cn: str | None
    data_time: str | None
    frame: bytes
    valid: bool
    qn: str | None = None  # the QN the replay gave it (ask_replies), to match the 9014


@dataclass
class ReplayResult:
    """What a replay did. ``acknowledged``: 9014 (or 9011 QnRtn=1) replies matched to a sent
    packet; ``refused``: 9011 replies refusing one (unknown MN, wrong PW); ``unanswered``:
    packets that asked for a reply and got none (rejected, not stored, or still in flight)."""

    sent: int = 0
    asked: int = 0  # packets sent asking for a reply
    acknowledged: int = 0
    refused: int = 0
    unanswered: int = 0
    corrupted: int = 0  # sent unchanged because the parser rejects them
    connections: int = 0
    duration: float = 0.0
    refusals: dict[str, int] = field(default_factory=dict)  # QnRtn -> count

    @property
    def packets_per_second(self) -> float:
        return self.sent / self.duration if self.duration > 0 else 0.0


def recording_files(paths: Iterable[Path]) -> list[Path]:
    """The files a recording is made of: folders expand to their ``*.h212`` files, sorted."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.h212")) if path.is_dir() else [path])
    return files


def _ask_reply(frame: bytes, flag: int | None, qn: str) -> bytes:
    """The same packet with a QN and Flag bit A set (length and CRC recomputed)."""
    segment = frame[6:-4].decode("utf-8")
    head, cp_mark, data = segment.partition("CP=")
    kept = [part for part in head.split(";") if part and not _HEADER_DROPPED.match(part)]
    fields = [f"QN={qn}", *kept, f"Flag={(flag or 0) | 1}"]
    return build_frame(";".join(fields) + ";" + cp_mark + data).removesuffix(b"\r\n")


def read_recording(
    paths: Sequence[Path], *, ask_replies: bool = True, limit: int | None = None
) -> list[Recorded]:
    """The packets of the recording in order, at most ``limit``."""
    records: list[Recorded] = []
    base = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for index, path in enumerate(recording_files(paths)):
        hour_match = _HOUR.search(path.name)
        hour = int(hour_match.group(1)) if hour_match else index
        lines = [line for line in path.read_bytes().split(b"\r\n") if line.strip()]
        for position, line in enumerate(lines):
            if limit is not None and len(records) >= limit:
                return records
            mn = _MN.search(line)
            cn = _CN.search(line)
            data_time = _DATA_TIME.search(line)
            packet = parse_packet(line)
            qn = None
            frame = line
            if ask_replies and packet.valid and packet.cn not in _REPLIES:
                # Unique and well-formed (YYYYMMDDhhmmsszzz): now + one millisecond a packet.
                stamp = base + dt.timedelta(milliseconds=len(records))
                qn = stamp.strftime("%Y%m%d%H%M%S%f")[:17]
                frame = _ask_reply(line, packet.flag, qn)
            records.append(
                Recorded(
                    at=hour * 3600.0 + 3600.0 * position / max(len(lines), 1),
                    mn=mn.group(1).decode("utf-8", "replace") if mn else None,
                    cn=cn.group(1).decode() if cn else None,
                    data_time=data_time.group(1).decode() if data_time else None,
                    frame=frame,
                    valid=packet.valid,
                    qn=qn,
                )
            )
    return records


class _Link:
    """One TCP connection of the replay and the packets on it that wait for a reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.waiting: dict[str, Recorded] = {}
        self.last_reply = time.monotonic()

    async def read_replies(self, result: ReplayResult, on_ack: AckCallback | None) -> None:
        framer = Framer()
        while chunk := await self.reader.read(65536):
            self.last_reply = time.monotonic()
            for frame in framer.feed(chunk):
                if isinstance(frame, FramingError):
                    continue
                self._settle(frame, result, on_ack)

    def _settle(self, frame: bytes, result: ReplayResult, on_ack: AckCallback | None) -> None:
        reply = parse_packet(frame)
        sent = self.waiting.pop(reply.qn, None) if reply.qn else None
        if sent is None:
            return
        rtn = _QN_RTN.search(frame)
        if reply.cn == "9011" and rtn is not None and rtn.group(1) != b"1":
            result.refused += 1
            code = rtn.group(1).decode()
            result.refusals[code] = result.refusals.get(code, 0) + 1
            return
        result.acknowledged += 1
        if on_ack is not None:
            on_ack(sent.mn or "", sent.cn or "", sent.data_time, sent.qn)


async def replay(
    paths: Sequence[Path] | None = None,
    *,
    host: str,
    port: int,
    speed: float = 0.0,
    connections: int = 300,
    limit: int | None = None,
    ask_replies: bool = True,
    records: Sequence[Recorded] | None = None,
    on_ack: AckCallback | None = None,
    settle: float = SETTLE_SECONDS,
) -> ReplayResult:
    """Play a recording (``paths``, or ``records`` read already) to the gateway at ``host``:
    ``port`` and count what it answered. ``on_ack(mn, cn, data_time, qn)`` is called for every
    packet the gateway acknowledged (data_time as recorded, None for packets without one)."""
    if records is None:
        records = read_recording(paths or [], ask_replies=ask_replies, limit=limit)
    result = ReplayResult()
    slot: dict[str | None, int] = {}
    for record in records:
        if record.mn not in slot:
            slot[record.mn] = len(slot) % max(connections, 1)
    links = [
        _Link(*await asyncio.open_connection(host, port))
        for _ in range(min(len(set(slot.values())), max(connections, 1)))
    ]
    result.connections = len(links)
    readers = [asyncio.create_task(link.read_replies(result, on_ack)) for link in links]
    started = time.monotonic()
    try:
        await _send(records, links, slot, speed, result)
        await _await_replies(links, settle)
    finally:
        result.duration = time.monotonic() - started
        result.unanswered = sum(len(link.waiting) for link in links)
        for link in links:
            link.writer.close()
        for link, reader in zip(links, readers, strict=True):
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await reader
            with contextlib.suppress(ConnectionError):
                await link.writer.wait_closed()
    return result


async def _send(
    records: Sequence[Recorded],
    links: list[_Link],
    slot: dict[str | None, int],
    speed: float,
    result: ReplayResult,
) -> None:
    if not records:
        return
    first = records[0].at
    started = time.monotonic()
    for record in records:
        if speed > 0:
            delay = started + (record.at - first) / speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        link = links[slot[record.mn]]
        if record.qn is not None:
            link.waiting[record.qn] = record
            result.asked += 1
        if not record.valid:
            result.corrupted += 1
        link.writer.write(record.frame + b"\r\n")
        result.sent += 1
        if link.writer.transport.get_write_buffer_size() > 65536:
            await link.writer.drain()


async def _await_replies(links: list[_Link], settle: float) -> None:
    """Until every packet that asked got its reply, or nothing came for ``settle`` seconds."""
    last = time.monotonic()
    for link in links:
        link.last_reply = last
    while any(link.waiting for link in links):
        last = max(link.last_reply for link in links)
        if time.monotonic() - last > settle:
            return
        await asyncio.sleep(0.02)
