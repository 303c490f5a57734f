"""Types of the C extension (see _native.c). Packets and framing errors are the classes given
to ``configure``; the jingjinji wrapper (``sources.kernels.native``) types them."""

from collections.abc import Callable
from datetime import tzinfo

KEYS_KEPT: int

def configure(
    *,
    packet_type: type,
    field_names: tuple[str, ...],
    parse_packet: Callable[[bytes], object],
    framing_error: Callable[[int, int, bytes], object],
    china_tz: tzinfo,
    old_to_new: dict[str, str],
    numeric_suffixes: frozenset[str],
    versions: tuple[int | None, ...],
    no_flag_version: int | None,
    max_segment: int,
) -> None: ...
def parse(frame: bytes, /) -> object: ...
def scan(buffer: bytes, /) -> tuple[list[object], int]: ...
def pending(packet: object, /) -> bool: ...
def values_read() -> int: ...
def fallbacks() -> int: ...
def crc16(data: bytes, /) -> int: ...
