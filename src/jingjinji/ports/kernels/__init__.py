"""Pure functions of the ports domain: checks of the identifiers that port events carry (ISO
6346 container numbers, IMO ship numbers), EDIFACT CODECO/COARRI to DCSA events (``edifact``),
callback signing (``signing``), subscription matching (``matching``) and the indicators
(``indicators``). No database, no I/O; a failed check is reported, never raised, because real
traffic carries some bad numbers and the platform keeps the event with a warning."""

from __future__ import annotations

from jingjinji.ports.kernels.imo import imo_check_digit, is_valid_imo
from jingjinji.ports.kernels.iso6346 import (
    EquipmentCheck,
    check_equipment_reference,
    iso6346_check_digit,
)

__all__ = [
    "EquipmentCheck",
    "check_equipment_reference",
    "imo_check_digit",
    "is_valid_imo",
    "iso6346_check_digit",
]
