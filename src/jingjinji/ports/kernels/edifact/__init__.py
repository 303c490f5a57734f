"""UN/EDIFACT CODECO and COARRI (D.95B, SMDG guides) to DCSA Track & Trace 2.2 EQUIPMENT
events: ``parse_interchange(data)`` gives an ``EdifactResult`` (events, where each came from,
per-message errors and warnings, the envelope) or refuses the whole file with ``EdifactError``.
"""

from jingjinji.ports.kernels.edifact.identifiers import (
    container_check_digit,
    container_syntax_ok,
    imo_check_ok,
    iso_size_type_ok,
    unlocode_ok,
)
from jingjinji.ports.kernels.edifact.interchange import MAX_BYTES, MAX_MESSAGES, parse_interchange
from jingjinji.ports.kernels.edifact.messages import EVENT_OF_DOCUMENT
from jingjinji.ports.kernels.edifact.results import (
    EdifactError,
    EdifactResult,
    EventSource,
    InterchangeHeader,
    MessageError,
)
from jingjinji.ports.kernels.edifact.values import SEAL_TYPE

__all__ = [
    "EVENT_OF_DOCUMENT",
    "MAX_BYTES",
    "MAX_MESSAGES",
    "SEAL_TYPE",
    "EdifactError",
    "EdifactResult",
    "EventSource",
    "InterchangeHeader",
    "MessageError",
    "container_check_digit",
    "container_syntax_ok",
    "imo_check_ok",
    "iso_size_type_ok",
    "parse_interchange",
    "unlocode_ok",
]
