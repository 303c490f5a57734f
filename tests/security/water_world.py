"""The water domain's objects under attack and its writes: a Beijing->Hebei cross-border
section monitored by the Beijing ecology and environment bureau, with a target, a sample batch
and an incident reported at it (notified to Beijing, Hebei and the office, not to Tianjin)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import utcnow
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.models import IncidentSeverity, SampleKind, SectionKind
from jingjinji.water.schemas.incidents import IncidentIn
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import incidents, samples, sections
from tests.conftest import People

if TYPE_CHECKING:
    from tests.security.operations import Write
    from tests.security.support import World

WATER_SECTION = "SEC-BJ-HE"


def _section(code: str, organisation_id: int, **extra: Any) -> SectionIn:
    return SectionIn.model_validate(
        {
            "code": code,
            "name_zh": "测试断面",
            "name_en": "Test section",
            "river_zh": "北运河",
            "river_en": "North Canal",
            "river_system": "north_three_rivers",
            "longitude": 116.9,
            "latitude": 39.8,
            "jurisdiction_code": "110000",
            "organisation_id": organisation_id,
            **extra,
        }
    )


def _recent(hours: int) -> dt.datetime:
    return (utcnow() - dt.timedelta(hours=hours)).replace(microsecond=0).astimezone(CHINA_TZ)


def water_objects(factory: sessionmaker[Session], people: People) -> dict[str, Any]:
    bj_env = people.organisations["bj_env"]
    ids: dict[str, Any] = {"water_section": WATER_SECTION}
    with factory() as session:
        sections.save_section(
            session,
            actor=people["office"],
            data=_section(
                WATER_SECTION,
                bj_env,
                kind=SectionKind.CROSS_BORDER.value,
                upstream_jurisdiction_code="110000",
                downstream_jurisdiction_code="130000",
            ),
        )
        sections.set_target(
            session, actor=people["office"], code=WATER_SECTION, year=2026, target_class=4
        )
        row = SampleIn(
            section_code=WATER_SECTION,
            sampled_at=_recent(30),
            kind=SampleKind.MANUAL,
            item="nh3n",
            value=0.2,
        )
        ids["water_ingestion"] = samples.record_samples(
            session, actor=people["bj-env"], rows=[row], channel="api"
        ).id
        ids["water_incident"] = incidents.report_incident(
            session,
            actor=people["bj-env"],
            data=IncidentIn(
                section_code=WATER_SECTION,
                summary="Oil sheen seen below the bridge",
                severity=IncidentSeverity.GENERAL,
                observed_at=_recent(1),
            ),
        ).id
        session.commit()
    return ids


def water_writes(world: World) -> list[Write]:
    from tests.security.operations import Write

    at = _recent(3).isoformat()
    header = "section_code,sampled_at,kind,nh3n\n"
    csv = f"{header}{WATER_SECTION},{_recent(5).isoformat()},manual,0.3\n"
    incident = "/water/incidents/{water_incident}"
    return [
        Write(
            "POST",
            "/water/sections",
            _section(
                "SEC-BJ-NEW", world.people.organisations["bj_env"], kind="provincial"
            ).model_dump(mode="json"),
        ),
        Write("PUT", "/water/sections/{water_section}/targets/2027", {"target_class": 3}),
        Write(
            "POST",
            "/water/samples",
            {
                "rows": [
                    {
                        "section_code": WATER_SECTION,
                        "sampled_at": at,
                        "kind": "manual",
                        "item": "nh3n",
                        "value": 0.25,
                    }
                ]
            },
        ),
        Write("POST", "/water/samples.csv", content=(csv.encode(), "text/csv")),
        Write(
            "POST",
            "/water/incidents",
            {
                "section_code": WATER_SECTION,
                "summary": "Dead fish reported downstream",
                "severity": "general",
                "observed_at": at,
            },
        ),
        Write("POST", f"{incident}/acknowledge"),
        Write("POST", f"{incident}/consultation", {"text": "Consult on the source"}),
        Write("POST", f"{incident}/answers", {"answer": "agree", "text": "We trace upstream"}),
        Write("POST", f"{incident}/consultation/conclude", {"text": "Joint response agreed"}),
        Write(
            "POST",
            f"{incident}/samplings",
            {"section_code": WATER_SECTION, "sampled_at": at, "values": {"nh3n": 1.2}},
        ),
        Write("POST", f"{incident}/measures", {"text": "Outfall closed for inspection"}),
        Write("POST", f"{incident}/close", {"closure_report": "Source found and stopped"}),
    ]
