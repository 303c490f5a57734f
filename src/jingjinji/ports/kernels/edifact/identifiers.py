"""Identifiers an EDIFACT report carries: container numbers (ISO 6346), vessel IMO numbers,
UN/LOCODEs and ISO size-type codes.

Syntax is checked strictly (a container number that is not 4 letters and 7 digits cannot be
matched to anything), check digits leniently: real data carries wrong ones (standards.md §7:
DCSA's own example APNR7744962 fails), so a wrong check digit is a warning for the caller.
"""

from __future__ import annotations

import re

from jingjinji.ports.kernels.imo import is_valid_imo
from jingjinji.ports.kernels.iso6346 import iso6346_check_digit

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


def container_syntax_ok(number: str) -> bool:
    """4 capital letters (owner code and category) and 7 digits (serial and check digit)."""
    return _CONTAINER.fullmatch(number) is not None


def container_check_digit(number: str) -> int:
    """The ISO 6346 check digit of the first 10 characters of ``number`` (owner code, category,
    serial), from the platform's one implementation (``ports.kernels.iso6346``). ``number``
    must pass ``container_syntax_ok`` (or be its first 10 characters)."""
    return int(iso6346_check_digit(number[:10]))


def imo_check_ok(number: str) -> bool:
    """An IMO ship number: 7 digits, the last the check digit of the first six
    (``ports.kernels.imo``)."""
    return is_valid_imo(number)


def unlocode_ok(code: str) -> bool:
    """A UN/LOCODE: the ISO 3166 country code and 3 letters or digits 2-9."""
    return _LOCODE.fullmatch(code) is not None


def iso_size_type_ok(code: str) -> bool:
    """An ISO 6346 size-type code (``22G1``, ``45R1``): 4 letters or digits."""
    return _SIZE_TYPE.fullmatch(code) is not None
