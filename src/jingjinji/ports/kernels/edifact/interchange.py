"""An interchange (``UNA`` ``UNB`` ... ``UNZ``) to DCSA events: limits first, then the envelope
(``UNB``, each ``UNH``..``UNT`` with its segment count and reference, ``UNZ`` with its message
count and reference), then each message on its own. A bad message is reported and skipped; the
good ones of the same interchange are still returned."""

from __future__ import annotations

import datetime as dt

from jingjinji.i18n import msg
from jingjinji.ports.kernels.edifact.groups import Located
from jingjinji.ports.kernels.edifact.messages import map_message
from jingjinji.ports.kernels.edifact.results import (
    EdifactError,
    EdifactResult,
    InterchangeHeader,
)
from jingjinji.ports.kernels.edifact.syntax import (
    EDISyntaxError,
    Segment,
    component,
    count_messages,
    read_text,
    segments,
    tag_of,
)
from jingjinji.ports.kernels.edifact.values import Findings
from jingjinji.timezone import CHINA_TZ

__all__ = ["MAX_BYTES", "MAX_MESSAGES", "parse_interchange"]

#: the largest interchange taken (a terminal's daily CODECO of some thousand moves is ~1 MB)
MAX_BYTES = 5_000_000
#: the most messages one interchange may hold
MAX_MESSAGES = 10_000
_MESSAGE_TYPES = ("CODECO", "COARRI")


def _header(unb: Segment) -> InterchangeHeader:
    """``UNB+UNOA:2+<sender>:ZZ+<recipient>:ZZ+<date>:<time>+<control ref>``."""
    header = InterchangeHeader(
        sender=component(unb, 2, 1),
        recipient=component(unb, 3, 1),
        control_ref=component(unb, 5),
        syntax=":".join(p for p in (component(unb, 1, 1), component(unb, 1, 2)) if p),
        prepared=(
            f"{component(unb, 4, 1)}:{component(unb, 4, 2)}" if component(unb, 4, 1) else None
        ),
    )
    if not (header.sender and header.recipient and header.control_ref and header.syntax):
        raise EdifactError(
            msg("the UNB segment lacks its syntax, sender, recipient or control reference")
        )
    return header


class _Reader:
    """Walks the segments once, keeping the open message."""

    def __init__(self, result: EdifactResult, local: dt.tzinfo) -> None:
        self.result = result
        self.local = local
        self.envelope = Findings(ref=None, index=None)
        self.open: list[Segment] | None = None
        self.unz_seen = False

    def segment(self, number: int, segment: Segment) -> None:
        tag = tag_of(segment)
        if self.unz_seen:
            self.envelope.error(
                Located(number, segment), None, msg("segment after UNZ"), tag=tag or None
            )
        elif tag == "UNH":
            if self.open is not None:
                self.close(complete=False)
            self.result.messages += 1
            self.open = [segment]
        elif self.open is not None:
            self.open.append(segment)
            if tag == "UNT":
                self.close(complete=True)
        elif tag == "UNZ":
            self.unz(Located(number, segment))
        elif tag not in ("UNG", "UNE"):
            self.envelope.error(
                Located(number, segment),
                None,
                msg("segment {tag!r} is outside any message (UNH to UNT)", tag=tag or segment[0]),
                tag=tag or None,
            )

    def unz(self, at: Located) -> None:
        self.unz_seen = True
        count, ref = component(at.segment, 1), component(at.segment, 2)
        if count != str(self.result.messages):
            self.envelope.error(
                at,
                "1",
                msg(
                    "UNZ counts {count!r} messages; the interchange has {actual}",
                    count=count,
                    actual=self.result.messages,
                ),
            )
        header = self.result.interchange
        if header is not None and ref != header.control_ref:
            self.envelope.error(
                at,
                "2",
                msg(
                    "UNZ reference {ref!r} is not UNB's control reference {expected!r}",
                    ref=ref,
                    expected=header.control_ref,
                ),
            )

    def close(self, *, complete: bool) -> None:
        """Check the open message's envelope and map it."""
        assert self.open is not None
        message, self.open = self.open, None
        unh = Located(1, message[0])
        ref = component(unh.segment, 1)
        findings = Findings(ref=ref, index=self.result.messages)
        message_type = component(unh.segment, 2, 1)
        if not complete:
            findings.error(
                Located(len(message), message[-1]),
                None,
                msg("message {ref} ends without its UNT segment", ref=ref),
            )
        else:
            self._trailer(message, findings)
        if message_type not in _MESSAGE_TYPES:
            findings.error(
                unh,
                "2:1",
                msg("message type {type!r} is not CODECO or COARRI", type=message_type),
            )
        elif component(unh.segment, 2, 2) != "D":
            findings.error(unh, "2:2", msg("only UN/EDIFACT directory D messages are read"))
        elif component(unh.segment, 2, 3) != "95B":
            findings.warning(
                unh,
                "2:3",
                msg(
                    "directory {release} read with the D.95B layout of {type}",
                    release=component(unh.segment, 2, 3),
                    type=message_type,
                ),
            )
        if not findings.errors:
            mapped = map_message(
                message, findings=findings, message_type=message_type, local=self.local
            )
            if not findings.errors:
                self.result.events += mapped.events
                self.result.sources += mapped.sources
                self.result.messages_accepted += 1
                self.result.warnings += findings.warnings
        self.result.errors += findings.errors

    @staticmethod
    def _trailer(message: list[Segment], findings: Findings) -> None:
        unt = Located(len(message), message[-1])
        count, ref = component(unt.segment, 1), component(unt.segment, 2)
        if count != str(len(message)):
            findings.error(
                unt,
                "1",
                msg(
                    "UNT counts {count!r} segments; the message has {actual}",
                    count=count,
                    actual=len(message),
                ),
            )
        if ref != findings.ref:
            findings.error(
                unt,
                "2",
                msg(
                    "UNT reference {ref!r} is not the UNH reference {expected!r}",
                    ref=ref,
                    expected=findings.ref,
                ),
            )


def _refuse_limits(data: bytes, max_bytes: int) -> None:
    if not data.strip():
        raise EdifactError(msg("the file is empty"))
    if len(data) > max_bytes:
        raise EdifactError(
            msg(
                "the file has {size} bytes; at most {limit} are taken in one interchange",
                size=len(data),
                limit=max_bytes,
            )
        )


def parse_interchange(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_messages: int = MAX_MESSAGES,
    local: dt.tzinfo = CHINA_TZ,
) -> EdifactResult:
    """Read a CODECO or COARRI interchange into DCSA 2.2 EQUIPMENT events.

    Refuses the whole file with ``EdifactError`` when it is over ``max_bytes`` or holds more than
    ``max_messages`` messages (checked before tokenising), is empty, is not text in its declared
    character set, or does not begin with a complete ``UNB``. Everything else is per message in
    the result's ``errors``. Times without a zone (formats 203, 204) are the terminal's local
    time ``local`` (China time for the region's ports)."""
    _refuse_limits(data, max_bytes)
    text = read_text(data)
    messages = count_messages(text)
    if messages > max_messages:
        raise EdifactError(
            msg(
                "the interchange holds {count} messages; at most {limit} are taken",
                count=messages,
                limit=max_messages,
            )
        )
    result = EdifactResult(interchange=None)
    reader = _Reader(result, local)
    number = 0
    truncated = text.truncated_release
    try:
        for number, segment in enumerate(segments(text), start=1):
            if number == 1:
                if tag_of(segment) != "UNB":
                    raise EdifactError(
                        msg("the file does not begin with UNB: it is not an EDIFACT interchange")
                    )
                result.interchange = _header(segment)
            else:
                reader.segment(number, segment)
    except EDISyntaxError:
        truncated = True
    if result.interchange is None:
        raise EdifactError(msg("the file ends before its UNB segment is complete"))
    if truncated:
        reader.envelope.error(None, None, msg("the file ends inside a segment: it is truncated"))
    if reader.open is not None:
        reader.close(complete=False)
    if not reader.unz_seen:
        reader.envelope.error(
            None, None, msg("the interchange has no UNZ segment: it is truncated"), tag="UNZ"
        )
    result.errors += reader.envelope.errors
    return result
