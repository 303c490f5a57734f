"""IMO ship identification numbers: seven digits, the last a check digit.

The check digit is the last digit of the sum of the first six digits weighted 7, 6, 5, 4, 3,
2 (IMO Resolution A.1078(28)): 9074729 -> 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139, check 9.
"""

from __future__ import annotations

_WEIGHTS = (7, 6, 5, 4, 3, 2)


def imo_check_digit(first_six: str) -> int:
    """The check digit of the first six digits of an IMO number.

    Raises ``ValueError`` naming the input when it is not six digits."""
    if len(first_six) != 6 or not first_six.isascii() or not first_six.isdigit():
        raise ValueError(f"{first_six!r} is not six digits (an IMO number without its check)")
    return sum(int(d) * w for d, w in zip(first_six, _WEIGHTS, strict=True)) % 10


def is_valid_imo(number: str) -> bool:
    """Whether ``number`` is seven digits whose last is the check digit of the first six
    (an optional ``IMO`` prefix is not accepted: DCSA's ``vesselIMONumber`` is digits only)."""
    if len(number) != 7 or not number.isascii() or not number.isdigit():
        return False
    return imo_check_digit(number[:6]) == int(number[6])
