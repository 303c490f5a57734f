"""One message's segments sorted into its header and its equipment groups (``EQD`` and what
follows it up to the next ``EQD``), the shape SMDG's CODECO and COARRI guides share."""

from __future__ import annotations

from dataclasses import dataclass, field

from jingjinji.ports.kernels.edifact.syntax import Segment, component, tag_of

__all__ = ["Equipment", "Located", "MessageParts", "split_message"]


@dataclass(frozen=True, slots=True)
class Located:
    """A segment and its position in the message (``UNH`` is 1)."""

    index: int
    segment: Segment


@dataclass(slots=True)
class Equipment:
    """An ``EQD`` and the segments of its group, by tag and qualifier (the first of each
    qualifier counts; ``RFF`` and ``SEL`` may repeat)."""

    eqd: Located
    times: dict[str, Located] = field(default_factory=dict)
    places: dict[str, Located] = field(default_factory=dict)
    references: list[Located] = field(default_factory=list)
    seals: list[Located] = field(default_factory=list)
    weight: Located | None = None


@dataclass(slots=True)
class MessageParts:
    """``BGM``, the header's ``TDT``, ``DTM``, ``LOC`` and ``RFF`` (defaults for every
    container), and the equipment groups in file order."""

    bgm: Located | None = None
    tdt: Located | None = None
    times: dict[str, Located] = field(default_factory=dict)
    places: dict[str, Located] = field(default_factory=dict)
    references: list[Located] = field(default_factory=list)
    equipment: list[Equipment] = field(default_factory=list)


def _qualified(target: dict[str, Located], located: Located) -> None:
    """DTM's qualifier is the first component of its composite, LOC's is its first element."""
    segment = located.segment
    qualifier = component(segment, 1, 1) if tag_of(segment) == "DTM" else component(segment, 1)
    target.setdefault(qualifier, located)


def _is_weight(segment: Segment) -> bool:
    """``MEA+WT`` (D.95B) or ``MEA+AAE+G`` / ``MEA+AAE+AAB`` (later SMDG guides)."""
    qualifier = component(segment, 1)
    return qualifier == "WT" or (qualifier == "AAE" and component(segment, 2) in ("G", "AAB"))


def split_message(segments: list[Segment]) -> MessageParts:
    """Sort ``segments`` (``UNH`` first, ``UNT`` last). A ``TDT`` inside an equipment group (a
    CODECO's truck or train) is not the vessel's and is left out."""
    parts = MessageParts()
    current: Equipment | None = None
    for index, segment in enumerate(segments, start=1):
        located = Located(index, segment)
        tag = tag_of(segment)
        if tag == "EQD":
            current = Equipment(eqd=located)
            parts.equipment.append(current)
        elif tag == "BGM" and parts.bgm is None:
            parts.bgm = located
        elif tag == "TDT" and current is None and parts.tdt is None:
            parts.tdt = located
        elif tag == "DTM":
            _qualified(parts.times if current is None else current.times, located)
        elif tag == "LOC":
            _qualified(parts.places if current is None else current.places, located)
        elif tag == "RFF":
            (parts.references if current is None else current.references).append(located)
        elif tag == "SEL" and current is not None:
            current.seals.append(located)
        elif tag == "MEA" and current is not None and current.weight is None:
            current.weight = located if _is_weight(segment) else None
    return parts
