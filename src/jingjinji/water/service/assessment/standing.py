"""Status of rivers, river systems, basins and jurisdictions, and target compliance year on
year, from the section assessments of :mod:`periods` (the grading itself is the kernels').

A section belongs to the jurisdiction that monitors it (its monitoring province); the region's
rows count every section. Coastal points (GB 3097) are never part of a GB 3838 status.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy.orm import Session

from jingjinji.config import get_settings
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import province_of
from jingjinji.water import kernels
from jingjinji.water.models import SectionKind, Waterbody
from jingjinji.water.schemas.assessment import (
    STATUS_GROUPINGS,
    ComplianceFigures,
    ComplianceRow,
    SectionAssessment,
    StatusRow,
)
from jingjinji.water.service.assessment.periods import assess_sections

_KEYS: dict[str, Callable[[SectionAssessment], str]] = {
    "river": lambda a: a.river_en,
    "river_system": lambda a: a.river_system,
    "basin": lambda a: a.basin,
    "jurisdiction": lambda a: province_of(a.jurisdiction_code),
}


def thresholds() -> kernels.StatusThresholds:
    """The status thresholds, with the configured reading of the 60 % / 40 % edge."""
    return kernels.StatusThresholds(edge_inclusive=get_settings().water_status_edge_inclusive)


def _item_columns(group: Sequence[SectionAssessment]) -> dict[str, np.ndarray]:
    """Each graded item's value per section (NaN where a section lacks it)."""
    items = [i for i in kernels.ITEMS if any(i in a.values for a in group)]
    return {i: np.array([a.values.get(i, math.nan) for a in group]) for i in items}


def _group_status(
    by: str, key: str, names: tuple[str, str], group: Sequence[SectionAssessment]
) -> StatusRow:
    assessed = [a for a in group if a.section_class > 0]
    t = thresholds()
    base = {"by": by, "key": key, "name_zh": names[0], "name_en": names[1]}
    if not assessed:
        return StatusRow(
            **base,
            n_sections=0,
            share_i_iii=None,
            share_inferior_v=None,
            status="",
            method="none",
            averaged_class=None,
            main_pollutants=[],
        )
    lakes = all(a.waterbody == Waterbody.LAKE.value for a in assessed)
    body = Waterbody.LAKE.value if lakes else Waterbody.RIVER.value
    columns = _item_columns(assessed)
    if len(assessed) >= t.min_sections:
        status = kernels.water_body_status([a.section_class for a in assessed], thresholds=t)
    else:
        status = kernels.small_body_status(columns, waterbody=body, thresholds=t)
    return StatusRow(
        **base,
        n_sections=status.n_sections,
        share_i_iii=status.share_i_iii,
        share_inferior_v=status.share_inferior_v,
        status=status.status,
        method="averaged" if status.averaged_class is not None else "shares",
        averaged_class=status.averaged_class,
        main_pollutants=list(kernels.river_main_pollutants(columns, waterbody=body)),
    )


def status_table(
    session: Session, *, year: int, month: int | None = None, by: str = "river"
) -> list[StatusRow]:
    """One row per river (river system, basin, monitoring province) with sections, by key.

    Five or more assessed sections: graded by the shares of sections in I-III and inferior V;
    fewer: each item averaged over the sections and classified like one section."""
    if by not in _KEYS:
        raise InvalidInput(
            msg("unknown grouping {by}", by=repr(by[:40])),
            errors=[
                field_error(
                    ["query", "by"],
                    msg(
                        "choose one of {status_groupings}",
                        status_groupings=", ".join(STATUS_GROUPINGS),
                    ),
                )
            ],
        )
    found = [
        a
        for a in assess_sections(session, year=year, month=month)
        if a.waterbody in kernels.WATERBODIES
    ]
    groups: dict[str, list[SectionAssessment]] = {}
    names: dict[str, tuple[str, str]] = {}
    for a in found:
        key = _KEYS[by](a)
        groups.setdefault(key, []).append(a)
        names.setdefault(key, (a.river_zh, a.river_en) if by == "river" else (key, key))
    if by == "jurisdiction":
        rows = regions.jurisdictions_by_code(session, codes=groups)
        names = {
            code: (rows[code].name_zh, rows[code].name_en) if code in rows else (code, code)
            for code in groups
        }
    return [_group_status(by, key, names[key], groups[key]) for key in sorted(groups)]


def _figures(year: int, group: Sequence[SectionAssessment]) -> ComplianceFigures:
    result = kernels.target_compliance(
        [a.section_class for a in group], [a.target_class or 0 for a in group]
    )
    return ComplianceFigures(
        year=year,
        sections_assessed=result.n,
        sections_meeting=result.n_meeting,
        share_meeting=None if math.isnan(result.share_meeting) else result.share_meeting,
        inferior_v=result.n_inferior_v,
    )


def _compliance_row(
    code: str,
    scope: str,
    year: int,
    now: Sequence[SectionAssessment],
    before: Sequence[SectionAssessment],
) -> ComplianceRow:
    current, previous = _figures(year, now), _figures(year - 1, before)
    change = (
        round((current.share_meeting - previous.share_meeting) * 100, 1)
        if current.share_meeting is not None and previous.share_meeting is not None
        else None
    )
    return ComplianceRow(
        jurisdiction_code=code,
        scope="cross_border" if scope == "cross_border" else "all",
        current=current,
        previous=previous,
        change_points=change,
    )


def compliance(session: Session, *, year: int) -> list[ComplianceRow]:
    """Sections meeting their target class in ``year`` and ``year - 1``, per monitoring
    province and for the region, for all sections and for the cross-border ones apart. A
    section counts where it has both a class and a target (targets carried forward)."""
    this_year = [a for a in assess_sections(session, year=year) if a.waterbody != "coastal"]
    last_year = [a for a in assess_sections(session, year=year - 1) if a.waterbody != "coastal"]
    region = regions.region_code(session)
    provinces = sorted({province_of(a.jurisdiction_code) for a in [*this_year, *last_year]})
    rows: list[ComplianceRow] = []
    for scope in ("all", "cross_border"):

        def chosen(
            found: list[SectionAssessment], code: str, scope: str = scope
        ) -> list[SectionAssessment]:
            return [
                a
                for a in found
                if (code == region or province_of(a.jurisdiction_code) == code)
                and (scope == "all" or a.kind == SectionKind.CROSS_BORDER.value)
            ]

        for code in [*provinces, region]:
            rows.append(
                _compliance_row(code, scope, year, chosen(this_year, code), chosen(last_year, code))
            )
    return rows
