"""The HJ 212 CRC: the standard's worked examples, the standard's own loop on any bytes, and
the difference from CRC-16/MODBUS (standards.md §6)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.sources.kernels import build_frame, crc16, crc_hex

MN = "010000A8900016F000169DC0"
# (data segment, declared length, CRC): the standard's example (its prose misprints 1C80 as
# 1C08) and the two computed in standards.md
WORKED = [
    (
        f"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN={MN};Flag=5;CP=&&RtdInterval=30&&",
        "0101",
        "1C80",
    ),
    (f"QN=20160801085857223;ST=91;CN=9011;PW=123456;MN={MN};Flag=4;CP=&&QnRtn=1&&", "0094", "1B00"),
    (f"QN=20160801085000001;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&", "0087", "C241"),
]


def standard_crc(data: bytes) -> int:
    """The loop as the standard writes it, byte by byte."""
    register = 0xFFFF
    for byte in data:
        register = (register >> 8) ^ byte
        for _ in range(8):
            register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
    return register


def modbus_crc(data: bytes) -> int:
    """CRC-16/MODBUS: the byte is XORed into the whole register."""
    register = 0xFFFF
    for byte in data:
        register ^= byte
        for _ in range(8):
            register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
    return register


@pytest.mark.parametrize(("segment", "length", "crc"), WORKED, ids=["1062", "9011", "9014"])
def test_worked_examples(segment: str, length: str, crc: str) -> None:
    data = segment.encode()
    assert f"{len(data):04d}" == length
    assert crc_hex(data) == crc
    assert standard_crc(data) == int(crc, 16)
    assert build_frame(segment) == f"##{length}{segment}{crc}\r\n".encode()


@pytest.mark.parametrize(("segment", "length", "crc"), WORKED, ids=["1062", "9011", "9014"])
def test_modbus_is_another_check(segment: str, length: str, crc: str) -> None:
    data = segment.encode()
    assert modbus_crc(data) != crc16(data)
    assert f"{modbus_crc(data):04X}" != crc


@pytest.mark.parametrize(
    "size", [*range(0, 40), 63, 64, 65, 127, 128, 129, 1023, 1024, 1025, 65535, 65536, 65537]
)
def test_every_length_folds_right(size: int) -> None:
    """The fold by 8-byte positions holds at every length, across the table's power-of-two
    boundaries and past the largest tabled fold (64 KiB)."""
    data = bytes((i * 131 + size) % 256 for i in range(size))
    assert crc16(data) == standard_crc(data)
    worst = b"\xff" * size  # every bit set
    assert crc16(worst) == standard_crc(worst)


@settings(max_examples=300)
@given(st.binary(max_size=2100))
def test_matches_the_standards_loop(data: bytes) -> None:
    assert crc16(data) == standard_crc(data)


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=300))
def test_only_256_values_exist(data: bytes) -> None:
    """The register entering each byte's shifts is below 256, so the check is one of 256
    values: the reason the declared length must always be checked too."""
    from jingjinji.sources.kernels.crc import STEP

    assert crc16(data) in STEP
    assert len(set(STEP)) == 256
