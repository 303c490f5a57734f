"""The compiled HJ 212 parser (``native/hj212``, the C extension ``jjj_hj212._native``): framing
and parsing in one pass over the bytes, producing the same ``Packet`` objects as ``parse_packet``.

    parse_native(frame)   == parse_packet(frame), for any bytes
    PacketFramer          Framer whose frames come out parsed: feed / flush / pending give
                          Packet (for each frame) and FramingError items in stream order

The C code decides the common case itself: a frame whose framing, declared length, CRC and
fields check out, with an ASCII data segment and numbers in plain decimal notation, becomes a
valid Packet built there (header fields, ``fields``, DataTime as ``parse_time`` reads it; every
name and number of the data area checked). Its ``values`` (by 2017 code, first of a repeated
field, the float Python's own float() makes) are read from the checked frame on first access:
``Packet.values`` is the extension's descriptor over the slot (installed by ``configure``),
so a consumer that never reads them - the gateway - never builds their dicts and floats, and
one that does sees the same dict as ``parse_packet``'s (``values_read`` counts them). Any
other frame - a failed check of any kind, a non-ASCII segment, a number only float()'s
leniency reads (``" 1"``, ``"1_0"``) - is handed to the reference ``parse_packet``, so
invalid packets carry the reference's reason, detail and diagnostics by construction;
``fallbacks()`` counts them.
The tables (codes, numeric suffixes, Flag versions, the maximum segment, China time) are given
to the C code here, from codes.py, framing.py, packet.py and timezone.py.

The extension is a hard dependency: importing this module without it fails (no silent
fallback to the slower Python parser).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import cast

from jjj_hj212 import _native

from jingjinji.sources.kernels.codes import NUMERIC_SUFFIXES, OLD_TO_NEW, version_of_flag
from jingjinji.sources.kernels.framing import MAX_SEGMENT, FramingError, dropped, flush_buffer
from jingjinji.sources.kernels.packet import Packet, parse_packet
from jingjinji.timezone import CHINA_TZ

__all__ = ["PacketFramer", "fallbacks", "parse_native", "values_read"]

_native.configure(
    packet_type=Packet,
    field_names=tuple(f.name for f in dataclasses.fields(Packet)),
    parse_packet=parse_packet,
    framing_error=dropped,
    china_tz=CHINA_TZ,
    old_to_new=OLD_TO_NEW,
    numeric_suffixes=NUMERIC_SUFFIXES,
    versions=tuple(version_of_flag(flag) for flag in range(256)),
    no_flag_version=version_of_flag(None),
    max_segment=MAX_SEGMENT,
)

#: parse_packet(frame), compiled: the same Packet for any bytes (``##`` to the CRC, with or
#: without the ``\r\n``)
parse_native = cast(Callable[[bytes], Packet], _native.parse)
_scan = cast(Callable[[bytes], tuple[list[Packet | FramingError], int]], _native.scan)


def fallbacks() -> int:
    """How many frames the compiled parser handed to ``parse_packet`` in this process."""
    return _native.fallbacks()


def values_read() -> int:
    """How many Packets of the compiled parser had their ``values`` read (built on first
    access) in this process."""
    return _native.values_read()


class PacketFramer:
    """``Framer`` with each frame parsed, in one compiled pass: ``feed`` returns, in stream
    order, a ``Packet`` for each whole frame (its ``raw`` is the frame without ``\\r\\n``,
    what ``Framer.feed`` gives) and a ``FramingError`` for each run of dropped bytes, exactly
    as ``Framer`` then ``parse_packet`` would. At most ``MAX_FRAME`` bytes stay buffered."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def pending(self) -> int:
        """Bytes buffered: the start of a frame not yet complete."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[Packet | FramingError]:
        """Packets and errors completed by ``chunk``."""
        buffer = self._buffer + chunk if self._buffer else bytes(chunk)
        items, pos = _scan(buffer)
        self._buffer = buffer[pos:]
        return items

    def flush(self) -> list[Packet | FramingError]:
        """At the end of the stream: what is still buffered (``Framer.flush``), parsed."""
        buffer, self._buffer = self._buffer, b""
        return [
            item if isinstance(item, FramingError) else parse_native(item)
            for item in flush_buffer(buffer)
        ]
