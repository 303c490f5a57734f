"""Builders shared by the incident tests (no tests here): a small river network made through
the sections service, and samples stored through the samples service.

Network: BJ-UP (Beijing, provincial) -> XB-BJHE (cross-border, monitored by Beijing's
environment agency, Beijing -> Hebei, target class III) -> HE-DOWN (Hebei, provincial)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.security import Actor
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.models import Incident, SampleKind, SectionKind
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import incidents, samples, sections
from tests.conftest import People

CROSS = "XB-BJHE"
#: A China-time morning well in the past (samples may not be in the future).
MORNING = dt.datetime(2026, 6, 10, 8, 0, tzinfo=CHINA_TZ)


def section_in(
    code: str,
    *,
    kind: SectionKind,
    jurisdiction: str,
    organisation_id: int | None,
    downstream_section: str | None = None,
    upstream: str | None = None,
    downstream: str | None = None,
) -> SectionIn:
    return SectionIn(
        code=code,
        name_zh=f"断面{code}",
        name_en=f"Section {code}",
        river_zh="北运河",
        river_en="North Canal",
        river_system="north_three_rivers",
        kind=kind,
        longitude=116.8,
        latitude=39.8,
        jurisdiction_code=jurisdiction,
        organisation_id=organisation_id,
        upstream_jurisdiction_code=upstream,
        downstream_jurisdiction_code=downstream,
        downstream_section_code=downstream_section,
    )


def build_network(session_factory: sessionmaker[Session], people: People) -> None:
    orgs = people.organisations
    office = people["office"]
    with session_factory() as s:
        sections.save_section(
            s,
            actor=office,
            data=section_in(
                "HE-DOWN",
                kind=SectionKind.PROVINCIAL,
                jurisdiction="130000",
                organisation_id=orgs["he_env"],
            ),
        )
        sections.save_section(
            s,
            actor=office,
            data=section_in(
                CROSS,
                kind=SectionKind.CROSS_BORDER,
                jurisdiction="110000",
                organisation_id=orgs["bj_env"],
                downstream_section="HE-DOWN",
                upstream="110000",
                downstream="130000",
            ),
        )
        sections.save_section(
            s,
            actor=office,
            data=section_in(
                "BJ-UP",
                kind=SectionKind.PROVINCIAL,
                jurisdiction="110000",
                organisation_id=orgs["bj_env"],
                downstream_section=CROSS,
            ),
        )
        sections.set_target(s, actor=office, code=CROSS, year=2026, target_class=3)
        s.commit()


def record(
    session_factory: sessionmaker[Session],
    actor: Actor,
    code: str,
    at: dt.datetime,
    values: dict[str, float],
) -> list[int]:
    """Store one sample through the samples service, run the detection on its batch and
    return the ids of the incidents opened (by this call, or by ``record_samples`` itself
    should it run the detection: either way once)."""
    with session_factory() as s:
        before = set(s.scalars(select(Incident.id)))
        rows = [
            SampleIn(
                section_code=code, sampled_at=at, kind=SampleKind.MANUAL, item=item, value=value
            )
            for item, value in values.items()
        ]
        ingestion = samples.record_samples(s, actor=actor, rows=rows, channel="api")
        incidents.detect_after_ingestion(s, ingestion_id=ingestion.id)
        s.commit()
        return sorted(set(s.scalars(select(Incident.id))) - before)
