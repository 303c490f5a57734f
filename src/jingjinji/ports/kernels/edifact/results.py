"""What reading an interchange gives: DCSA events, where each came from, and every problem."""

from __future__ import annotations

from dataclasses import dataclass, field

from jingjinji.i18n import Msg

__all__ = ["EdifactError", "EdifactResult", "EventSource", "InterchangeHeader", "MessageError"]


class EdifactError(Exception):
    """The whole file is refused: over a limit, empty, not text in its declared character set,
    or not an interchange (no ``UNB``). ``reason`` is an ``i18n.msg``; the caller answers it as a
    422 on the upload."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MessageError:
    """Where and why, as a terminal's EDI staff can find it in the file.

    ``message_index`` counts the interchange's messages from 1 (``None`` for the envelope:
    ``UNB``, ``UNZ``, segments outside any message). ``segment_index`` counts the segments of the
    message from 1 (``UNH`` is 1, as ``UNT``'s count does); for the envelope it counts the
    interchange's segments (``UNA`` not counted). ``element`` is the data element's position after
    the tag, and the component's after a colon (``2:1`` is the first component of the second
    element: the container number in ``EQD+CN+CSQU3054383``). ``reason`` is an ``i18n.msg``."""

    message_ref: str | None
    message_index: int | None
    segment_index: int | None
    segment_tag: str | None
    element: str | None
    reason: Msg

    def to_json(self) -> dict[str, object]:
        return {
            "message_ref": self.message_ref,
            "message_index": self.message_index,
            "segment_index": self.segment_index,
            "segment_tag": self.segment_tag,
            "element": self.element,
            "reason": str(self.reason),
        }


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """The ``UNB`` envelope: who sent it to whom, its control reference and its syntax."""

    sender: str
    recipient: str
    control_ref: str
    syntax: str
    prepared: str | None


@dataclass(frozen=True, slots=True)
class EventSource:
    """Where one event came from and what the report says that DCSA 2.2 has no field for
    (stowage cell, gross weight, the other port of the leg), in the order of ``events``."""

    message_ref: str
    message_index: int
    segment_index: int
    message_type: str
    document_number: str
    message_function: str
    check_digit_ok: bool
    stowage_location: str | None = None
    gross_weight_kg: float | None = None
    port_of_loading: str | None = None
    port_of_discharge: str | None = None


@dataclass(slots=True)
class EdifactResult:
    """Every message either became events or is named in ``errors`` (never silently lost);
    ``warnings`` are accepted oddities (a wrong check digit). ``events`` are DCSA Track & Trace
    2.2 EQUIPMENT events, without the metadata the platform assigns when it stores them
    (``eventID``, ``eventCreatedDateTime``)."""

    interchange: InterchangeHeader | None
    events: list[dict[str, object]] = field(default_factory=list)
    sources: list[EventSource] = field(default_factory=list)
    errors: list[MessageError] = field(default_factory=list)
    warnings: list[MessageError] = field(default_factory=list)
    messages: int = 0
    messages_accepted: int = 0

    @property
    def messages_rejected(self) -> int:
        return self.messages - self.messages_accepted
