"""Framing of HJ 212 over TCP: ``##`` + 4-digit length + data segment + 4 hex CRC + ``\\r\\n``.

A TCP stream delivers frames split and glued at any byte; the frame is found by ``##`` and the
declared length, never by line breaks (standards.md §6). The framer is strict: a frame whose
declared length is not followed by its CRC and ``\\r\\n`` is dropped and reported, and reading
resumes at the next ``##``.
"""

from __future__ import annotations

from dataclasses import dataclass

from jingjinji.sources.kernels.crc import crc_hex

__all__ = [
    "MAX_FRAME",
    "MAX_SEGMENT",
    "Framer",
    "FramingError",
    "build_frame",
    "dropped",
    "flush_buffer",
]

#: the longest data segment a frame may declare (bytes)
MAX_SEGMENT = 1024
_HEAD = 6  # "##" + 4 digits
_TAIL = 6  # 4 hex CRC + "\r\n"
#: the longest frame with its "\r\n": the framer never waits for more than this
MAX_FRAME = _HEAD + MAX_SEGMENT + _TAIL
_END = b"\r\n"
_START = b"##"
_HASH = 0x23  # "#"
_HEX_DIGITS = b"0123456789abcdefABCDEF"


@dataclass(frozen=True, slots=True)
class FramingError:
    """Bytes the framer dropped, and why.

    ``reason`` is ``"framing"`` (bytes before a ``##``, or length digits that are not 4
    decimal digits) or ``"length"`` (a declared length over ``MAX_SEGMENT``, or one not
    followed by the CRC and ``\\r\\n``: bytes were lost or added in transit)."""

    reason: str
    detail: str
    data: bytes


def build_frame(segment: str) -> bytes:
    """The whole frame carrying ``segment``: ``##``, its length in UTF-8 bytes, the segment, its
    CRC in upper-case hex and ``\\r\\n``. A segment over ``MAX_SEGMENT`` bytes is a ValueError."""
    data = segment.encode("utf-8")
    if len(data) > MAX_SEGMENT:
        raise ValueError(f"a data segment of {len(data)} bytes is over {MAX_SEGMENT}")
    return b"##%04d%s%s\r\n" % (len(data), data, crc_hex(data).encode("ascii"))


def _length_detail(declared: int, dropped: bytes) -> str:
    """Why a frame declaring ``declared`` bytes was dropped, with the length it had when the
    dropped bytes end like a frame (a CRC and ``\\r\\n``)."""
    if dropped.endswith(_END) and len(dropped) >= _HEAD + _TAIL:
        got = len(dropped) - _HEAD - _TAIL
        return f"declared {declared:04d} bytes, got {got:04d}"
    return f"declared {declared:04d} bytes, not followed by a CRC and \\r\\n"


class Framer:
    """Incremental framer of a TCP byte stream.

    ``feed`` returns, in stream order, each whole frame (``##`` to the CRC, without the
    ``\\r\\n``) and a ``FramingError`` for each run of dropped bytes: garbage before a ``##``,
    bad length digits, a declared length over ``MAX_SEGMENT`` or one that does not end at a
    CRC and ``\\r\\n`` (reading resumes at the next ``##``). Frames split or glued across
    reads come out whole. Between calls at most ``MAX_FRAME`` bytes (one unfinished frame)
    stay buffered: ``pending()``. Every byte fed comes out exactly once, in a frame (plus its
    ``\\r\\n``), an error, or still pending.
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def pending(self) -> int:
        """Bytes buffered: the start of a frame not yet complete."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes | FramingError]:
        """Frames and errors completed by ``chunk``."""
        buffer = self._buffer + chunk if self._buffer else bytes(chunk)
        out: list[bytes | FramingError] = []
        pos = self._scan(buffer, out)
        self._buffer = buffer[pos:]
        return out

    def flush(self) -> list[bytes | FramingError]:
        """At the end of the stream: what is still buffered. A complete frame that only lacks
        its ``\\r\\n`` is given as a frame, anything else as an error."""
        buffer, self._buffer = self._buffer, b""
        return flush_buffer(buffer)

    @staticmethod
    def _scan(buffer: bytes, out: list[bytes | FramingError]) -> int:
        """Append what ``buffer`` completes to ``out``; return where the unread part starts."""
        n = len(buffer)
        pos = 0
        while pos < n:
            start = buffer.find(_START, pos)
            if start < 0:
                # keep a last "#": it may be the first half of a "##"
                keep = n - 1 if buffer[n - 1] == _HASH else n
                if keep > pos:
                    out.append(_garbage(buffer[pos:keep]))
                return keep
            if start > pos:
                out.append(_garbage(buffer[pos:start]))
                pos = start
            if n - start < _HEAD:
                return start
            digits = buffer[start + 2 : start + _HEAD]
            declared = int(digits) if digits.isdigit() else -1
            if 0 <= declared <= MAX_SEGMENT:
                stop = start + _HEAD + declared + 4  # where the "\r\n" must be
                if buffer[stop : stop + 2] == _END:
                    out.append(buffer[start:stop])
                    pos = stop + 2
                    continue
                # Not (yet) a frame. A "\r\n##" before `stop` ends it early (bytes were
                # lost); with all `stop + 2` bytes here and no "\r\n" there, it is too long.
                early = buffer.find(b"\r\n##", start + _HEAD, min(n, stop + 2))
                if early < 0 and n < stop + 2:
                    return start  # wait for the rest
                end = early + 2 if early >= 0 else _broken_end(buffer, start)
                if end is None:
                    return start
                dropped = buffer[start:end]
                out.append(FramingError("length", _length_detail(declared, dropped), dropped))
            else:
                end = _broken_end(buffer, start)
                if end is None:
                    return start
                dropped = buffer[start:end]
                out.append(_bad_digits(dropped) if declared < 0 else _over_limit(declared, dropped))
            pos = end
        return pos


def flush_buffer(buffer: bytes) -> list[bytes | FramingError]:
    """What the bytes left at the end of a stream are (``Framer.flush``): a complete frame that
    only lacks its ``\\r\\n`` is given as a frame, anything else as an error."""
    if not buffer:
        return []
    digits = buffer[2:_HEAD]
    if not (buffer.startswith(_START) and len(digits) == 4 and digits.isdigit()):
        return [_bad_digits(buffer) if len(digits) == 4 else _garbage(buffer)]
    declared = int(digits)
    if declared > MAX_SEGMENT:
        return [_over_limit(declared, buffer)]
    crc = buffer[-4:]
    if len(buffer) == _HEAD + declared + 4 and not crc.translate(None, _HEX_DIGITS):
        return [buffer]
    return [FramingError("length", _length_detail(declared, buffer), buffer)]


#: the kinds of dropped bytes, as the compiled framer (kernels/native.py) names them
DROPPED_GARBAGE, DROPPED_LENGTH, DROPPED_DIGITS, DROPPED_OVER = range(4)


def dropped(kind: int, declared: int, data: bytes) -> FramingError:
    """The FramingError of ``data`` dropped for ``kind`` (one of the DROPPED_ values), as
    ``Framer.feed`` makes it; ``declared`` is the declared length (LENGTH and OVER)."""
    if kind == DROPPED_GARBAGE:
        return _garbage(data)
    if kind == DROPPED_LENGTH:
        return FramingError("length", _length_detail(declared, data), data)
    if kind == DROPPED_DIGITS:
        return _bad_digits(data)
    if kind == DROPPED_OVER:
        return _over_limit(declared, data)
    raise ValueError(f"unknown kind of dropped bytes: {kind}")


def _garbage(data: bytes) -> FramingError:
    return FramingError("framing", f"{len(data)} bytes outside any frame", data)


def _bad_digits(data: bytes) -> FramingError:
    return FramingError("framing", f"length {data[2:_HEAD]!r} is not 4 decimal digits", data)


def _over_limit(declared: int, data: bytes) -> FramingError:
    return FramingError("length", f"declared {declared:04d} bytes, over {MAX_SEGMENT}", data)


def _broken_end(buffer: bytes, start: int) -> int | None:
    """Where reading resumes after a broken frame at ``start``: the next ``##``. None while
    none has come and less than a maximal frame is buffered (the rest of the broken frame is
    reported with it); past that, the end of the buffer (less a last ``#``)."""
    nxt = buffer.find(_START, start + 1)
    if nxt >= 0:
        return nxt
    n = len(buffer)
    if n - start <= MAX_FRAME:
        return None
    return n - 1 if buffer[n - 1] == _HASH else n
