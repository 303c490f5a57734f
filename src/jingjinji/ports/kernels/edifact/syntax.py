"""From bytes to segments: character set, service string advice (``UNA``), line breaks, and
pydifact's tokeniser (release character, composite elements).

pydifact (MIT, maintained: 0.2.3 of 2026-04) does the tokenising; its segment classes are not
used, because they validate against a directory it ships and warn on empty segments, while this
kernel reports each problem itself with its position. Raw segments are lists: the tag, then
each data element as a string or a list of component strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.tokenizer import Tokenizer

from jingjinji.i18n import msg
from jingjinji.ports.kernels.edifact.results import EdifactError

__all__ = [
    "EDISyntaxError",
    "Segment",
    "Text",
    "component",
    "count_messages",
    "read_text",
    "segments",
    "tag_of",
]

Segment = list[str | list[str]]

# ISO 9735 syntax identifiers and the character sets they name. UNOA/UNOB are ASCII subsets;
# UTF-8 is tried after them because terminals put Chinese names into files they declare UNOA.
_CODECS = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
_SYNTAX_ID = re.compile(rb"UNB.(UNO[A-Z])")
# ISO 9735's defaults when there is no UNA: component, data, decimal, release, reserved, end.
_DEFAULT_SERVICE = ":+.? '"


@dataclass(frozen=True, slots=True)
class Text:
    """An interchange's text without its UNA and line breaks, and its service characters."""

    body: str
    characters: Characters
    truncated_release: bool


def _decode(data: bytes) -> str:
    found = _SYNTAX_ID.search(data[:300])
    syntax = found.group(1).decode("ascii") if found else "UNOY"
    codec = _CODECS.get(syntax, "utf-8")
    for attempt in (codec, "utf-8"):
        try:
            return data.decode(attempt)
        except UnicodeDecodeError as exc:
            position = exc.start
    raise EdifactError(
        msg(
            "the file is not text in its declared character set {syntax}: byte {position} "
            "cannot be read",
            syntax=syntax,
            position=position,
        )
    )


def read_text(data: bytes) -> Text:
    """Decode ``data`` and take its service string advice. Line breaks are not part of EDIFACT
    data (terminals break files every 80 characters or after each segment), so they are
    dropped unless the UNA makes one of them a service character."""
    text = _decode(data).lstrip("\ufeff \t\r\n")
    if text.startswith("UNA"):
        service = text[3:9]
        if len(service) < 6:
            raise EdifactError(msg("the UNA segment is cut short: it needs 6 service characters"))
        active = service[0] + service[1] + service[3] + service[5]
        if len(set(active)) < 4 or " " in active:
            raise EdifactError(
                msg(
                    "the UNA segment {una} uses one character for two purposes",
                    una="UNA" + service,
                )
            )
        body = text[9:]
    else:
        service = _DEFAULT_SERVICE
        body = text
    for newline in ("\r", "\n"):
        if newline not in service:
            body = body.replace(newline, "")
    characters = Characters.from_str(service)
    # A release character at the very end releases nothing; pydifact would fail on it with an
    # assertion, so it is dropped here and the cut reported like any other truncation.
    release = service[3]
    trailing = len(body) - len(body.rstrip(release))
    dangling = trailing % 2 == 1
    if dangling:
        body = body[:-1]
    return Text(body=body, characters=characters, truncated_release=dangling)


def count_messages(text: Text) -> int:
    """How many messages the body holds, counted before tokenising (for the limit): ``UNH``
    segments, at the start or after an unreleased segment terminator."""
    end = text.characters.segment_terminator
    data = text.characters.data_separator
    release = re.escape(text.characters.escape_character)
    pattern = rf"(?:^|(?<!{release}){re.escape(end)})UNH{re.escape(data)}"
    return len(re.findall(pattern, text.body))


def segments(text: Text) -> Iterator[Segment]:
    """The raw segments in order. Raises pydifact's ``EDISyntaxError`` where the text ends
    inside a segment (after yielding every complete one before it)."""
    tokens = Tokenizer().get_tokens(text.body, text.characters)
    for raw in Parser().convert_tokens_to_raw_segments(tokens):
        yield list(raw)


def component(segment: Segment, element: int, part: int = 1) -> str:
    """Element ``element`` (1 = the first after the tag), component ``part`` (from 1), or ``""``
    where the segment does not have it."""
    if element >= len(segment):
        return ""
    value = segment[element]
    if isinstance(value, str):
        return value if part == 1 else ""
    return value[part - 1] if part <= len(value) else ""


def tag_of(segment: Segment) -> str:
    """The segment's tag, or ``""`` where the first element is not a plain 3-character tag."""
    tag = segment[0] if segment else ""
    if isinstance(tag, str) and len(tag) == 3 and tag.isalnum() and tag.isupper():
        return tag
    return ""
