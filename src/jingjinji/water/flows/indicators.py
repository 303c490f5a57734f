"""Water indicators in the progress tracker: :func:`publish_indicators` creates them once and
submits a year's values per province and for the region, computed from the stored samples
(the value's source says so). Run again, it stores only what changed, as a correction with its
reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.progress import service as progress
from jingjinji.progress.schemas import IndicatorIn, ValueIn
from jingjinji.security import Actor
from jingjinji.water.service import assessment

#: code -> (name zh, name en, unit, direction, compliance scope, what is counted)
INDICATORS: dict[str, tuple[str, str, str, str, str, str]] = {
    "water.cross_border_meeting_target": (
        "跨界断面水质目标达标率",
        "cross-border sections meeting their water-quality target",
        "%",
        "higher_is_better",
        "cross_border",
        "share",
    ),
    "water.sections_meeting_target": (
        "地表水断面水质目标达标率",
        "surface-water sections meeting their water-quality target",
        "%",
        "higher_is_better",
        "all",
        "share",
    ),
    "water.inferior_v_sections": (
        "劣V类断面数",
        "sections worse than class V (among those with a target)",
        "sections",
        "lower_is_better",
        "all",
        "inferior_v",
    ),
}


def source_text(year: int) -> str:
    """The source of every computed value: the water sections, and how."""
    return (
        f"computed from the water monitoring sections' stored samples, {year} "
        "(GB 3838-2002, 2011 assessment method; jingjinji water domain)"
    )


@dataclass(frozen=True)
class PublishedIndicators:
    """What :func:`publish_indicators` did."""

    created: list[str]
    stored: int
    revised: int
    unchanged: int


def ensure_indicators(session: Session, *, actor: Actor | None) -> list[str]:
    """Create the water indicators that do not exist yet (office administrators)."""
    existing = {i.code for i in progress.list_indicators(session, area="ecology")}
    created = []
    for code, (name_zh, name_en, unit, direction, scope, _) in INDICATORS.items():
        if code in existing:
            continue
        data = IndicatorIn.model_validate(
            {
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "unit": unit,
                "direction": direction,
                "period_type": "year",
                "area": "ecology",
                "description": f"Computed each year from the water sections ({scope}); "
                "see docs/water.md.",
            }
        )
        progress.create_indicator(session, actor=actor, data=data)
        created.append(code)
    return created


def publish_indicators(session: Session, *, actor: Actor | None, year: int) -> PublishedIndicators:
    """Submit ``year``'s water indicator values per province and for the region, computed from
    the stored samples (creating the indicators first if need be). A value stored already with
    the same figure is left alone; a different figure replaces it as a correction whose note
    says it was recomputed. Jurisdictions without an assessed section get no value."""
    created = ensure_indicators(session, actor=actor)
    stored = {
        (v.indicator.code, v.jurisdiction_code, v.period): v.value
        for code in INDICATORS
        for v in progress.list_values(
            session, indicator=code, period_from=str(year), period_to=str(year)
        )
    }
    values: list[ValueIn] = []
    unchanged = 0
    for row in assessment.compliance(session, year=year):
        for code, (*_, scope, counted) in INDICATORS.items():
            if row.scope != scope or row.current.sections_assessed == 0:
                continue
            share = row.current.share_meeting
            figure = (
                float(row.current.inferior_v)
                if counted == "inferior_v"
                else round(share * 100, 1)
                if share is not None
                else None
            )
            if figure is None:
                continue
            previous = stored.get((code, row.jurisdiction_code, str(year)))
            if previous == figure:
                unchanged += 1
                continue
            values.append(
                ValueIn(
                    indicator_code=code,
                    jurisdiction_code=row.jurisdiction_code,
                    period=str(year),
                    value=figure,
                    source=source_text(year),
                    note=None if previous is None else "recomputed from the corrected samples",
                )
            )
    if not values:
        return PublishedIndicators(created, 0, 0, unchanged)
    result = progress.submit_values(session, actor=actor, values=values, channel="water")
    return PublishedIndicators(created, result.stored, result.revised, unchanged)
