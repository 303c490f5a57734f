"""ISO 6346 container numbers (BIC codes): owner code (3 letters), category (U, J or Z), a
6-digit serial number and a check digit.

The check digit comes from python-stdnum's ``stdnum.iso6346``, a maintained implementation of
the standard (letter values from A=10 skipping multiples of 11, weights 2**i, sum mod 11, 10
counts as 0) tested against the published examples, so the platform does not keep its own
copy of the arithmetic. What the platform adds is the policy: a number whose check digit is
wrong is *kept* with a warning, because real traffic (and DCSA's own example ``APNR7744962``)
carries such numbers and a terminal's event must not be lost over one; a reference that is not
shaped like an ISO 6346 number at all (SMDG recommendation #2 allows non-ISO equipment
identifiers) is kept too and flagged ``not_iso``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum import iso6346

# Four letters and seven digits. The fourth letter is the category (U, J or Z in ISO 6346),
# but numbers with other letters occur (DCSA's example APNR7744962); their check digit is still
# computed, so they are warned about, not called non-ISO.
_SHAPE = re.compile(r"^[A-Z]{4}[0-9]{7}$")

Status = Literal["valid", "bad_check_digit", "not_iso"]


@dataclass(frozen=True)
class EquipmentCheck:
    """The outcome of checking one equipment reference."""

    reference: str
    status: Status
    #: The check digit the first ten characters call for (None where the shape is not ISO).
    expected_check_digit: str | None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def warning(self) -> str | None:
        """English text of the warning kept with the event (None when the number is valid)."""
        if self.status == "bad_check_digit":
            return (
                f"equipmentReference {self.reference}: ISO 6346 check digit is "
                f"{self.reference[-1]}, the owner code and serial number call for "
                f"{self.expected_check_digit}"
            )
        if self.status == "not_iso":
            return f"equipmentReference {self.reference} is not an ISO 6346 container number"
        return None


def iso6346_check_digit(first_ten: str) -> str:
    """The check digit of an owner code, category and serial number (``CSQU305438`` -> ``3``).

    Raises ``ValueError`` naming the input when it is not 4 letters and 6 digits."""
    text = first_ten.strip().upper()
    if not re.fullmatch(r"[A-Z]{4}[0-9]{6}", text):
        raise ValueError(f"{first_ten!r} is not 4 letters and 6 digits (ISO 6346 without check)")
    return str(iso6346.calc_check_digit(text))


def check_equipment_reference(reference: str) -> EquipmentCheck:
    """Classify an equipment reference; never raises (the caller keeps the event either way)."""
    text = reference.strip().upper()
    if not _SHAPE.fullmatch(text):
        return EquipmentCheck(reference=reference, status="not_iso", expected_check_digit=None)
    expected = iso6346_check_digit(text[:10])
    status: Status = "valid" if text[10] == expected else "bad_check_digit"
    return EquipmentCheck(reference=reference, status=status, expected_check_digit=expected)
