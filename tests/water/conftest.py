"""Fixtures shared by the water tests: a small North Canal network with targets, and helpers
that build samples.

The network (flow runs down the list)::

    HE-PROV-01 (Hebei provincial, a tributary) --+
                                                 v
    BJ-HE-01 (Beijing -> Hebei, Beijing monitors) -> HE-TJ-01 (Hebei -> Tianjin, Hebei
    monitors) -> TJ-SEA-01 (into the sea, Tianjin monitors)

Positions and names are test data, not survey data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.timezone import CHINA_TZ
from jingjinji.water.models import SampleKind, SampleOrigin, SectionKind
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import sections as sections_service
from tests.conftest import People


class WaterNetwork(NamedTuple):
    """The codes of the fixture's sections."""

    bj_he: str  # cross-border, Beijing -> Hebei, monitored by Beijing
    he_tj: str  # cross-border, Hebei -> Tianjin, monitored by Hebei
    tj_sea: str  # into the sea, monitored by Tianjin
    he_provincial: str  # a Hebei provincial section upstream of he_tj

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.bj_he, self.he_tj, self.tj_sea, self.he_provincial)


#: Target classes of the fixture's sections, per year.
TARGETS: dict[int, dict[str, int]] = {
    2025: {"BJ-HE-01": 4, "HE-TJ-01": 4, "TJ-SEA-01": 5, "HE-PROV-01": 3},
    2026: {"BJ-HE-01": 4, "HE-TJ-01": 3, "TJ-SEA-01": 4, "HE-PROV-01": 3},
}


def _section(code: str, **fields: Any) -> SectionIn:
    base: dict[str, Any] = {
        "code": code,
        "river_zh": "北运河",
        "river_en": "North Canal",
        "river_system": "north_three_rivers",
        "approximate_position": True,
        "source": "test fixture",
    }
    return SectionIn.model_validate({**base, **fields})


def network_sections(people: People) -> list[tuple[str, SectionIn]]:
    """(username that registers it, section), downstream first (a section names an existing
    downstream section)."""
    orgs = people.organisations
    return [
        (
            "tj-env",
            _section(
                "TJ-SEA-01",
                name_zh="北运河入海口(测试)",
                name_en="North Canal mouth (test)",
                kind=SectionKind.INTO_SEA,
                longitude=117.71,
                latitude=39.05,
                jurisdiction_code="120000",
                organisation_id=orgs["tj_env"],
            ),
        ),
        (
            "he-env",
            _section(
                "HE-TJ-01",
                name_zh="冀津交界(测试)",
                name_en="Hebei-Tianjin border (test)",
                kind=SectionKind.CROSS_BORDER,
                longitude=117.0,
                latitude=39.75,
                jurisdiction_code="130000",
                organisation_id=orgs["he_env"],
                upstream_jurisdiction_code="130000",
                downstream_jurisdiction_code="120000",
                downstream_section_code="TJ-SEA-01",
                automatic=True,
            ),
        ),
        (
            "bj-env",
            _section(
                "BJ-HE-01",
                name_zh="京冀交界(测试)",
                name_en="Beijing-Hebei border (test)",
                kind=SectionKind.CROSS_BORDER,
                longitude=116.85,
                latitude=39.8,
                jurisdiction_code="110000",
                organisation_id=orgs["bj_env"],
                upstream_jurisdiction_code="110000",
                downstream_jurisdiction_code="130000",
                downstream_section_code="HE-TJ-01",
                automatic=True,
            ),
        ),
        (
            "he-env",
            _section(
                "HE-PROV-01",
                name_zh="河北支流(测试)",
                name_en="Hebei tributary (test)",
                river_zh="凤港减河",
                river_en="Fenggang Relief River",
                kind=SectionKind.PROVINCIAL,
                longitude=116.95,
                latitude=39.7,
                jurisdiction_code="130000",
                organisation_id=orgs["he_env"],
                downstream_section_code="HE-TJ-01",
            ),
        ),
    ]


@pytest.fixture
def water_sections(session_factory: sessionmaker[Session], people: People) -> WaterNetwork:
    """Four linked sections registered by their monitoring agencies, with 2025 and 2026
    targets (:data:`TARGETS`)."""
    with session_factory() as session:
        for username, data in network_sections(people):
            sections_service.save_section(session, actor=people[username], data=data)
        for year, targets in TARGETS.items():
            for code, target in targets.items():
                sections_service.set_target(
                    session, actor=people["office"], code=code, year=year, target_class=target
                )
        session.commit()
    return WaterNetwork("BJ-HE-01", "HE-TJ-01", "TJ-SEA-01", "HE-PROV-01")


def china_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware China Standard Time moment: ``china_time(2025, 7, 1, 8)``."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ)


def sample(
    code: str,
    at: dt.datetime,
    item: str,
    value: float,
    *,
    kind: SampleKind = SampleKind.MANUAL,
    below_detection: bool = False,
    origin: SampleOrigin = SampleOrigin.MEASURED,
) -> SampleIn:
    """One item of one sample, validated as the API validates it."""
    return SampleIn.model_validate(
        {
            "section_code": code,
            "sampled_at": at,
            "kind": kind,
            "item": item,
            "value": value,
            "below_detection": below_detection,
            "origin": origin,
        }
    )


def samples_of(code: str, at: dt.datetime, values: dict[str, float], **kw: Any) -> list[SampleIn]:
    """Several items of one sample."""
    return [sample(code, at, item, value, **kw) for item, value in values.items()]


@pytest.fixture
def water_session(
    session_factory: sessionmaker[Session], water_sections: WaterNetwork
) -> Iterator[Session]:
    """A session over a database holding the fixture network."""
    with session_factory() as session:
        yield session
