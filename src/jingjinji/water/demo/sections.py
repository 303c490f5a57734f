"""Water demo: the cross-border sections of the three jurisdictions, their network and targets.

The sections come from ``water/data/sections.json`` (names and rivers real, positions
approximate; ``water/data/README.md`` says where each comes from). Each is registered through
``service.sections.save_section`` in an order where the next section downstream always exists
already, so the service's loop check sees the whole network as it grows.

Targets are synthetic: class V up to 2020 and class IV from 2021 for every river section, the
way the targets of these heavily polluted rivers were tightened in the 2020s. The one published
fact they must agree with holds: Sanhe Dongdaqiao met its target in January 2017 with COD 33
mg/L, which is class V, so its 2017 target was class V. Coastal points get no target here: they
are judged by GB 3097 class II, not by a GB 3838 class.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water.models import Waterbody
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import sections as service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.water.models import Section

#: The years the demo gives targets for (the samples start in 2016).
TARGET_YEARS = range(2016, 2027)
#: Synthetic target classes: V while the rivers were heavily polluted, IV from 2021.
TARGET_UNTIL_2020 = 5
TARGET_FROM_2021 = 4


def section_records() -> list[dict[str, Any]]:
    """The section records of ``sections.json`` (``organisation`` is a demo organisation key)."""
    text = resources.files("jingjinji.water").joinpath("data", "sections.json").read_text("utf-8")
    records: list[dict[str, Any]] = json.loads(text)["sections"]
    return records


def _downstream_first(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records ordered so that every section comes after the one it flows into."""
    by_code = {r["code"]: r for r in records}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(code: str) -> None:
        if code in placed:
            return
        following = by_code[code]["downstream_section_code"]
        if following is not None:
            place(following)
        placed.add(code)
        ordered.append(by_code[code])

    for record in records:
        place(record["code"])
    return ordered


def target_class(year: int) -> int:
    return TARGET_UNTIL_2020 if year <= 2020 else TARGET_FROM_2021


def load(session: Session, organisations: dict[str, int]) -> list[Section]:
    """Register the sections and their targets; return them in code order."""
    saved: list[Section] = []
    for record in _downstream_first(section_records()):
        fields = {k: v for k, v in record.items() if k != "organisation"}
        data = SectionIn(**fields, organisation_id=organisations[record["organisation"]])
        section = service.save_section(session, actor=SYSTEM_ACTOR, data=data)
        saved.append(section)
        if data.waterbody is Waterbody.COASTAL:
            continue
        for year in TARGET_YEARS:
            service.set_target(
                session,
                actor=SYSTEM_ACTOR,
                code=section.code,
                year=year,
                target_class=target_class(year),
            )
    return sorted(saved, key=lambda s: s.code)
