"""The HJ 212 check sum (standards.md §6), which is not CRC-16/MODBUS.

The standard's loop is: register = 0xFFFF; for each byte b: register = (register >> 8) XOR b, then
eight times "shift right, XOR 0xA001 if the low bit was set". MODBUS XORs the byte into the whole
register (register XOR b); HJ 212 first drops the low byte, so the register entering each byte's
eight shifts is below 256 and the 16-bit result is ``STEP[y]`` of one byte
``y = (previous >> 8) ^ b``: only 256 check values exist.

Computing it byte by byte in Python costs about 70 ns a byte (20 µs for a 300-byte packet, more
than the rest of the parser). The high-byte map ``h -> STEP[h] >> 8`` is linear over GF(2) and
its eighth power is the identity (checked at import), so

    y_n = b_n ^ H(b_{n-1}) ^ H²(b_{n-2}) ^ ... ^ H^{n-1}(b_1 ^ 0xFF)

depends only on the XOR of the bytes in each of the 8 positions counted from the end: the
segment is read as one big integer and folded in halves down to 8 bytes (a dozen big-integer
operations), then 8 table look-ups finish it. ``tests/sources/kernels/test_crc.py`` checks it
against the standard's loop on random and worst-case inputs.
"""

from __future__ import annotations

__all__ = ["crc16", "crc_hex"]


def _step(x: int) -> int:
    """The standard's eight shifts of one register value below 256."""
    for _ in range(8):
        x = (x >> 1) ^ 0xA001 if x & 1 else x >> 1
    return x


#: STEP[y]: the register after the eight shifts, y being (register >> 8) ^ byte
STEP: tuple[int, ...] = tuple(_step(y) for y in range(256))
_HIGH: tuple[int, ...] = tuple(s >> 8 for s in STEP)


def _power(k: int) -> tuple[int, ...]:
    """The high-byte map applied ``k`` times, as a table."""
    table = tuple(range(256))
    for _ in range(k):
        table = tuple(_HIGH[v] for v in table)
    return table


_PERIOD = 8
if _power(_PERIOD) != tuple(range(256)):  # pragma: no cover - a property of the polynomial
    raise AssertionError("HJ 212 CRC: the high-byte map is not of order 8")
#: _POWERS[j][x]: H^j(x), j = 0..7
_POWERS: tuple[tuple[int, ...], ...] = tuple(_power(j) for j in range(_PERIOD))
#: what the initial 0xFF contributes to y_n, by (n - 1) mod 8
_INITIAL: tuple[int, ...] = tuple(_POWERS[j][0xFF] for j in range(_PERIOD))
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7 = _POWERS
_TOP = 16  # folds are tabled for up to 2**16 bytes; longer inputs are first folded in a loop
#: _FOLDS[k]: the (shift, mask) pairs folding an integer of at most 2**k bytes to 8 bytes
_FOLDS: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple((8 << j, (1 << (8 << j)) - 1) for j in range(k - 1, 2, -1)) for k in range(_TOP + 1)
)
_TOP_SHIFT, _TOP_MASK = _FOLDS[_TOP][0]


def crc16(data: bytes) -> int:
    """The HJ 212 CRC of ``data`` (the data segment, as bytes), 0..0xFFFF; 0xFFFF for no bytes."""
    n = len(data)
    if not n:
        return 0xFFFF
    v = int.from_bytes(data, "big")  # byte j from the least significant end is b_{n-j}
    bits = n * 8
    while bits > 2 * _TOP_SHIFT:
        v = (v >> _TOP_SHIFT) ^ (v & _TOP_MASK)
        bits -= _TOP_SHIFT
    # every shift is a multiple of 8 bytes, so each byte keeps its position modulo 8
    for shift, mask in _FOLDS[((bits >> 3) - 1).bit_length()]:
        v = (v >> shift) ^ (v & mask)
    b = v.to_bytes(_PERIOD, "little")
    y = (
        _P0[b[0]]
        ^ _P1[b[1]]
        ^ _P2[b[2]]
        ^ _P3[b[3]]
        ^ _P4[b[4]]
        ^ _P5[b[5]]
        ^ _P6[b[6]]
        ^ _P7[b[7]]
        ^ _INITIAL[(n - 1) % _PERIOD]
    )
    return STEP[y]


def crc_hex(data: bytes) -> str:
    """``crc16(data)`` as the 4 upper-case hex digits a frame carries."""
    return f"{crc16(data):04X}"
