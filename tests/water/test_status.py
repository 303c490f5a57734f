"""Status of rivers and jurisdictions (shares from five sections, item averages below) and
target compliance year on year, per province and for the region, cross-border apart."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput
from jingjinji.regions import service as regions
from jingjinji.water import kernels
from jingjinji.water.models import SectionKind
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import assessment, samples, sections
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, samples_of

EXTRA = ("BJ-NC-02", "BJ-NC-03")


def _extra_sections(session: Session, people: People) -> None:
    """Two more North Canal sections in Beijing: the canal then has five."""
    for n, code in enumerate(EXTRA):
        data = SectionIn.model_validate(
            {
                "code": code,
                "name_zh": f"北运河{n}(测试)",
                "name_en": f"North Canal {n} (test)",
                "river_zh": "北运河",
                "river_en": "North Canal",
                "river_system": "north_three_rivers",
                "kind": SectionKind.PROVINCIAL,
                "longitude": 116.7,
                "latitude": 39.9,
                "jurisdiction_code": "110000",
                "organisation_id": people.organisations["bj_env"],
                "downstream_section_code": "BJ-HE-01",
            }
        )
        sections.save_section(session, actor=people["bj-env"], data=data)


def _store(session: Session, people: People, rows: list[SampleIn]) -> None:
    samples.record_samples(session, actor=people["office"], rows=rows, channel="api")
    session.commit()


# Values per section giving classes II, III, IV, V and inferior V (through NH3-N).
NH3N = {"HE-PROV-01": 0.3, "BJ-HE-01": 0.9, "HE-TJ-01": 1.4, "TJ-SEA-01": 1.9, "BJ-NC-02": 4.0}


def _year(session: Session, people: People, year: int, nh3n: dict[str, float]) -> None:
    rows = [
        r
        for code, value in nh3n.items()
        for r in samples_of(code, china_time(year, 3, 5, 9), {"nh3n": value, "cod": 12.0})
    ]
    _store(session, people, rows)


def test_a_river_of_five_sections_is_graded_by_shares(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _extra_sections(water_session, people)
    _year(water_session, people, 2026, {**NH3N, "BJ-NC-03": 0.1})
    rows = {r.key: r for r in assessment.status_table(water_session, year=2026, by="river")}
    north = rows["North Canal"]
    assert north.method == "shares" and north.n_sections == 5
    found = [
        a.section_class
        for a in assessment.assess_sections(water_session, year=2026)
        if a.river_en == "North Canal"
    ]
    expected = kernels.water_body_status(found)
    assert north.status == expected.status
    assert north.share_i_iii == pytest.approx(expected.share_i_iii)
    assert north.share_inferior_v == pytest.approx(0.2)
    assert north.name_zh == "北运河" and north.main_pollutants == ["nh3n"]
    # The one-section tributary: its item averages classified like a section.
    tributary = rows["Fenggang Relief River"]
    assert tributary.method == "averaged" and tributary.n_sections == 1
    assert tributary.averaged_class == 2 and tributary.status == "excellent"


def test_fewer_than_five_sections_average_the_items(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    network = {code: NH3N[code] for code in water_sections.codes}
    _year(water_session, people, 2026, network)
    rows = assessment.status_table(water_session, year=2026, by="river_system")
    assert [r.key for r in rows] == ["north_three_rivers"]
    system = rows[0]
    assert system.method == "averaged" and system.n_sections == 4
    values = {"nh3n": np.array([0.3, 0.9, 1.4, 1.9]), "cod": np.array([12.0] * 4)}
    expected = kernels.small_body_status(values)
    assert system.averaged_class == expected.averaged_class == 4
    assert system.status == expected.status
    by_province = {
        r.key: r for r in assessment.status_table(water_session, year=2026, by="jurisdiction")
    }
    assert sorted(by_province) == ["110000", "120000", "130000"]
    assert by_province["130000"].n_sections == 2
    assert by_province["110000"].name_en == "Beijing"


def test_status_refuses_an_unknown_grouping(water_session: Session) -> None:
    with pytest.raises(InvalidInput) as bad:
        assessment.status_table(water_session, year=2026, by="colour")
    assert bad.value.errors[0]["loc"] == ["query", "by"]


def test_a_period_without_samples_has_no_status(
    water_session: Session, water_sections: WaterNetwork
) -> None:
    rows = assessment.status_table(water_session, year=2026, by="basin")
    assert [r.key for r in rows] == ["haihe"]
    row = rows[0]
    assert row.method == "none" and row.status == "" and row.n_sections == 0


def test_compliance_year_on_year(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    # 2025 targets: BJ-HE 4, HE-TJ 4, TJ-SEA 5, HE-PROV 3; 2026: 4, 3, 4, 3.
    _year(
        water_session,
        people,
        2025,
        {"BJ-HE-01": 1.4, "HE-TJ-01": 1.9, "TJ-SEA-01": 2.5, "HE-PROV-01": 0.8},
    )
    _year(
        water_session,
        people,
        2026,
        {"BJ-HE-01": 0.9, "HE-TJ-01": 1.4, "TJ-SEA-01": 1.4, "HE-PROV-01": 0.8},
    )
    rows = {
        (r.jurisdiction_code, r.scope): r for r in assessment.compliance(water_session, year=2026)
    }
    code = regions.region_code(water_session)
    region = rows[(code, "all")]
    # 2026: BJ-HE III<=4 yes, HE-TJ IV<=3 no, TJ-SEA IV<=4 yes, HE-PROV III<=3 yes.
    assert (region.current.sections_assessed, region.current.sections_meeting) == (4, 3)
    # 2025: BJ-HE IV<=4 yes, HE-TJ V<=4 no, TJ-SEA inferior V no, HE-PROV III yes.
    assert (region.previous.sections_meeting, region.previous.inferior_v) == (2, 1)
    assert region.change_points == 25.0
    hebei = rows[("130000", "all")]
    assert (hebei.current.sections_assessed, hebei.current.sections_meeting) == (2, 1)
    cross = rows[(code, "cross_border")]
    assert (cross.current.sections_assessed, cross.current.sections_meeting) == (2, 1)
    assert cross.previous.share_meeting == 0.5 and cross.change_points == 0.0
    tianjin_cross = rows[("120000", "cross_border")]
    assert tianjin_cross.current.sections_assessed == 0
    assert tianjin_cross.current.share_meeting is None and tianjin_cross.change_points is None
