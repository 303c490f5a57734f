"""Identifiers an EDIFACT report carries: container numbers (ISO 6346), vessel IMO numbers,
UN/LOCODEs and ISO size-type codes.

Syntax is checked strictly (a container number that is not 4 letters and 7 digits cannot be
matched to anything), check digits leniently: real data carries wrong ones (standards.md §7:
DCSA's own example APNR7744962 fails), so a wrong check digit is a warning for the caller.
"""

from __future__ import annotations

import re

__all__ = [
    "container_check_digit",
    "container_syntax_ok",
    "imo_check_ok",
    "iso_size_type_ok",
    "unlocode_ok",
]

_CONTAINER = re.compile(r"[A-Z]{4}[0-9]{7}")
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_SIZE_TYPE = re.compile(r"[0-9A-Z]{4}")
_IMO = re.compile(r"[0-9]{7}")


def _letter_values() -> dict[str, int]:
    """ISO 6346 letter values: A=10 upward, skipping the multiples of 11 (11, 22, 33), so that
    no letter has the value of a check-digit remainder collision: A=10, B=12 ... K=21, L=23."""
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUES = _letter_values()


def container_syntax_ok(number: str) -> bool:
    """4 capital letters (owner code and category) and 7 digits (serial and check digit)."""
    return _CONTAINER.fullmatch(number) is not None


def container_check_digit(number: str) -> int:
    """The ISO 6346 check digit of the first 10 characters of ``number`` (owner code, category,
    serial): each character's value weighted by 2**position, the sum modulo 11, 10 counting
    as 0. ``number`` must pass ``container_syntax_ok`` (or be its first 10 characters)."""
    total = 0
    for position, char in enumerate(number[:10]):
        value = _LETTER_VALUES[char] if char.isalpha() else int(char)
        total += value * 2**position
    return total % 11 % 10


def imo_check_ok(number: str) -> bool:
    """An IMO ship number: 7 digits, the last the sum of the first six weighted 7 down to 2,
    modulo 10."""
    if _IMO.fullmatch(number) is None:
        return False
    total = sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(number[6])


def unlocode_ok(code: str) -> bool:
    """A UN/LOCODE: the ISO 3166 country code and 3 letters or digits 2-9."""
    return _LOCODE.fullmatch(code) is not None


def iso_size_type_ok(code: str) -> bool:
    """An ISO 6346 size-type code (``22G1``, ``45R1``): 4 letters or digits."""
    return _SIZE_TYPE.fullmatch(code) is not None
