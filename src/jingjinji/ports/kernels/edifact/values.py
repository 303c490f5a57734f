"""Reading single values of a CODECO or COARRI message: times (``DTM``), places (``LOC``),
weights (``MEA``), references (``RFF``), seals (``SEL``). Each reader returns the value or
records why it cannot in the message's ``Findings``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingjinji.i18n import Msg, msg
from jingjinji.ports.kernels.edifact.groups import Located
from jingjinji.ports.kernels.edifact.identifiers import unlocode_ok
from jingjinji.ports.kernels.edifact.results import MessageError
from jingjinji.ports.kernels.edifact.syntax import component, tag_of

__all__ = ["Findings", "event_time", "place", "references", "seals", "weight_kg"]

# RFF qualifiers (D.95B 1153) and DCSA 2.2 documentReferenceType: BN booking, BM bill of lading.
_DOCUMENT_OF_REFERENCE = {"BN": "BKG", "BM": "TRD"}
# SEL sealing party (D.95B 9303) and DCSA 2.2 sealSource.
_SEAL_SOURCE = {"CA": "CAR", "SH": "SHI", "CU": "CUS"}
# DCSA 2.2 makes sealType mandatory; D.95B's SEL has no seal type. Containers carry ISO 17712
# high-security bolt seals, so a seal an EDIFACT report names is taken as one (docs say so).
SEAL_TYPE = "BLT"
_KG_PER_UNIT = {"KGM": 1.0, "TNE": 1000.0, "LBR": 0.45359237}
_TIME_LAYOUTS = {"203": ("%Y%m%d%H%M", 12), "204": ("%Y%m%d%H%M%S", 14)}


@dataclass(slots=True)
class Findings:
    """The errors and warnings of one message."""

    ref: str | None
    index: int | None
    errors: list[MessageError] = field(default_factory=list)
    warnings: list[MessageError] = field(default_factory=list)

    def _make(
        self, at: Located | None, tag: str | None, element: str | None, reason: Msg
    ) -> MessageError:
        return MessageError(
            message_ref=self.ref,
            message_index=self.index,
            segment_index=at.index if at else None,
            segment_tag=tag if tag is not None else (tag_of(at.segment) if at else None),
            element=element,
            reason=reason,
        )

    def error(
        self, at: Located | None, element: str | None, reason: Msg, *, tag: str | None = None
    ) -> None:
        self.errors.append(self._make(at, tag, element, reason))

    def warning(
        self, at: Located | None, element: str | None, reason: Msg, *, tag: str | None = None
    ) -> None:
        self.warnings.append(self._make(at, tag, element, reason))


def _zone(text: str) -> dt.tzinfo | None:
    """The time zone of a format-303 value: ``UTC``/``GMT``/``Z`` or ``+HH``/``+HHMM``."""
    if text in ("UTC", "GMT", "Z"):
        return dt.UTC
    if len(text) in (3, 5) and text[0] in "+-" and text[1:].isdigit():
        hours, minutes = int(text[1:3]), int(text[3:5] or 0)
        if hours > 14 or minutes > 59:
            return None
        offset = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-offset if text[0] == "-" else offset)
    return None


def _parse_time(value: str, layout: str, local: dt.tzinfo) -> dt.datetime | None:
    if layout == "303":
        zone = _zone(value[12:])
        if zone is None or len(value) < 15:
            return None
        return _parse_time(value[:12], "203", zone)
    pattern, length = _TIME_LAYOUTS[layout]
    if len(value) != length or not value.isdigit():
        return None
    try:
        return dt.datetime.strptime(value, pattern).replace(tzinfo=local)
    except ValueError:
        return None


def event_time(at: Located, findings: Findings, local: dt.tzinfo) -> dt.datetime | None:
    """``DTM+<qualifier>:<value>:<format>``: formats 203 (CCYYMMDDHHMM) and 204 (with seconds)
    in the terminal's local time ``local``, 303 with its own zone. A missing format is inferred
    from the length (12 or 14 digits); a date without a time of day (102) is not an event time."""
    qualifier = component(at.segment, 1, 1)
    value = component(at.segment, 1, 2)
    layout = component(at.segment, 1, 3) or {12: "203", 14: "204"}.get(len(value), "")
    if layout not in ("203", "204", "303"):
        findings.error(
            at,
            "1:3",
            msg(
                "DTM+{qualifier} has format {layout!r}; an event time needs 203, 204 or 303",
                qualifier=qualifier,
                layout=layout,
            ),
        )
        return None
    moment = _parse_time(value, layout, local)
    if moment is None:
        findings.error(
            at,
            "1:2",
            msg(
                "DTM+{qualifier} value {value!r} is not a time in format {layout}",
                qualifier=qualifier,
                value=value,
                layout=layout,
            ),
        )
    return moment


def place(at: Located, findings: Findings) -> dict[str, str] | None:
    """``LOC+<qualifier>+<UN/LOCODE>:139:6+<terminal>`` as a DCSA Location: the UN/LOCODE, and
    the terminal's code (SMDG's terminal list, as SMDG's guides use) when DCSA's 6 characters
    hold it."""
    code = component(at.segment, 2, 1)
    if not unlocode_ok(code):
        findings.error(
            at,
            "2:1",
            msg(
                "LOC+{qualifier} place {code!r} is not a UN/LOCODE (2 letters and 3 letters or "
                "digits)",
                qualifier=component(at.segment, 1),
                code=code,
            ),
        )
        return None
    location = {"UNLocationCode": code}
    facility = component(at.segment, 3, 1)
    if facility and len(facility) <= 6:
        location |= {"facilityCode": facility, "facilityCodeListProvider": "SMDG"}
    elif facility:
        findings.warning(
            at,
            "3:1",
            msg(
                "terminal code {code!r} is longer than the 6 characters DCSA allows; left out",
                code=facility,
            ),
        )
    return location


def weight_kg(at: Located, findings: Findings) -> float | None:
    """``MEA+WT++KGM:24500`` (or ``TNE``, ``LBR``): the gross weight in kilograms. The decimal
    mark may be a point or a comma (ISO 9735 allows both)."""
    unit = component(at.segment, 3, 1)
    text = component(at.segment, 3, 2).replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if unit not in _KG_PER_UNIT or not 0 <= value < 1e7:
        findings.error(
            at,
            "3",
            msg(
                "MEA weight {value!r} {unit!r} is not a weight in KGM, TNE or LBR",
                value=component(at.segment, 3, 2),
                unit=unit,
            ),
        )
        return None
    return round(value * _KG_PER_UNIT[unit], 3)


def references(located: list[Located], findings: Findings) -> list[dict[str, str]]:
    """``RFF+BN:<booking>`` and ``RFF+BM:<bill of lading>`` as DCSA documentReferences, each
    once; other qualifiers are not DCSA document references and are passed over."""
    found: list[dict[str, str]] = []
    for at in located:
        kind = _DOCUMENT_OF_REFERENCE.get(component(at.segment, 1, 1))
        if kind is None:
            continue
        value = component(at.segment, 1, 2)
        if not value:
            findings.error(
                at,
                "1:2",
                msg("RFF+{qualifier} has no reference number", qualifier=component(at.segment, 1)),
            )
            continue
        entry = {"documentReferenceType": kind, "documentReferenceValue": value}
        if entry not in found:
            found.append(entry)
    return found


def seals(located: list[Located], findings: Findings) -> list[dict[str, str]]:
    """``SEL+<number>+<party>`` as DCSA seals (sealNumber at most 15 characters)."""
    found: list[dict[str, str]] = []
    for at in located:
        number = component(at.segment, 1)
        if not number or len(number) > 15:
            findings.error(
                at,
                "1",
                msg(
                    "seal number {number!r} must have 1 to 15 characters (DCSA)",
                    number=number,
                ),
            )
            continue
        seal = {"sealNumber": number, "sealType": SEAL_TYPE}
        source = _SEAL_SOURCE.get(component(at.segment, 2, 1))
        if source:
            seal["sealSource"] = source
        found.append(seal)
    return found
