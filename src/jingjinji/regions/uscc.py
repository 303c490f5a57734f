"""Unified Social Credit Code (GB 32100-2015) check, as in reference/standards.md §5."""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


@dataclass(frozen=True)
class UsccProblem:
    position: int | None  # 1-based; None when the length is wrong
    message: str
    expected: str | None = None


def check_character(first17: str) -> str:
    total = sum(_INDEX[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> UsccProblem | None:
    """None if ``code`` is a valid USCC, else what is wrong and where."""
    if len(code) != 18:
        return UsccProblem(None, f"a USCC has 18 characters, this one has {len(code)}")
    for pos, ch in enumerate(code, start=1):
        if ch not in _INDEX:
            hint = " (lower case is not allowed)" if ch.upper() in _INDEX else ""
            return UsccProblem(
                pos, f"character {ch!r} at position {pos} is not in the USCC alphabet{hint}"
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        return UsccProblem(
            18,
            f"check character at position 18 is {code[17]!r}, expected {expected!r}",
            expected=expected,
        )
    return None


def region_code(code: str) -> str:
    """The 6-digit GB/T 2260 region code inside a USCC (positions 3-8)."""
    return code[2:8]
