"""Water indicators in the catalog (served from the water tables) and in the progress tracker
(computed values, published once, corrected when the samples change)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.progress import service as progress
from jingjinji.regions import service as regions
from jingjinji.water import flows
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    IncidentSeverity,
    IncidentStatus,
    IncidentTrigger,
    SampleOrigin,
)
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service import samples
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, samples_of


def _store(session: Session, people: People, rows: list[SampleIn]) -> None:
    samples.record_samples(session, actor=people["office"], rows=rows, channel="api")
    session.commit()


def _data(session: Session, people: People, net: WaterNetwork) -> None:
    rows = [
        *samples_of(net.bj_he, china_time(2026, 1, 8, 9), {"nh3n": 0.9, "cod": 18.0}),
        *samples_of(net.bj_he, china_time(2026, 2, 8, 9), {"nh3n": 1.9, "cod": 18.0}),
        *samples_of(
            net.he_tj, china_time(2026, 1, 9, 9), {"nh3n": 2.5}, origin=SampleOrigin.SYNTHETIC
        ),
        *samples_of(net.he_provincial, china_time(2025, 6, 9, 9), {"nh3n": 0.4}),
    ]
    _store(session, people, rows)


def test_datasets_are_registered_once_and_serve_monthly_rows(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _data(water_session, people, water_sections)
    codes = flows.register_datasets(water_session, actor=people["office"])
    assert flows.register_datasets(water_session, actor=people["office"]) == codes
    water_session.commit()
    assert "WATER-130000-SECTION-MONTHLY" in codes and len(codes) == 9
    dataset = catalog.get_dataset(water_session, code="WATER-110000-SECTION-MONTHLY")
    assert dataset.open_to_public
    page = catalog.read_records(
        water_session, actor=None, dataset_code="WATER-110000-SECTION-MONTHLY", limit=1
    )
    assert [(r["month"], r["section_class"]) for r in page.items] == [("2026-01", 3)]
    rest = catalog.read_records(
        water_session,
        actor=None,
        dataset_code="WATER-110000-SECTION-MONTHLY",
        cursor=page.next_cursor,
        limit=10,
    )
    assert [(r["month"], r["section_class"], r["meets_target"]) for r in rest.items] == [
        ("2026-02", 5, False)
    ]
    assert rest.next_cursor is None
    hebei = catalog.read_records(
        water_session, actor=None, dataset_code="WATER-130000-SECTION-MONTHLY", limit=10
    )
    assert [(r["month"], r["section_code"], r["origins"]) for r in hebei.items] == [
        ("2025-06", water_sections.he_provincial, "measured"),
        ("2026-01", water_sections.he_tj, "synthetic"),
    ]
    filtered = catalog.read_records(
        water_session,
        actor=None,
        dataset_code="WATER-130000-SECTION-MONTHLY",
        filters={"month": "2026-01"},
    )
    assert [r["section_code"] for r in filtered.items] == [water_sections.he_tj]


def test_compliance_dataset(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _data(water_session, people, water_sections)
    flows.register_datasets(water_session, actor=people["office"])
    page = catalog.read_records(
        water_session, actor=None, dataset_code="WATER-130000-COMPLIANCE", limit=10
    )
    by_key = {(r["year"], r["scope"]): r for r in page.items}
    # 2026: HE-TJ-01 NH3-N 2.5 is inferior V against its class III target.
    assert by_key[(2026, "all")]["sections_assessed"] == 1
    assert by_key[(2026, "all")]["inferior_v"] == 1
    assert by_key[(2025, "all")]["sections_meeting"] == 1


def test_incident_dataset_gives_the_median_hours_to_acknowledge(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    opened = dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)
    for n, (severity, waits) in enumerate(
        [(IncidentSeverity.SERIOUS, (1, 3)), (IncidentSeverity.GENERAL, (2, 5)), ("general", ())]
    ):
        incident = Incident(
            section_code=water_sections.he_tj,
            trigger=IncidentTrigger.REPORTED.value,
            severity=str(severity),
            status=IncidentStatus.OPEN.value,
            observed_at=opened,
            opened_at=opened + dt.timedelta(days=n),
            reported_by="he-env",
        )
        water_session.add(incident)
        water_session.flush()
        for code, wait in zip(("120000", "110000"), waits, strict=False):
            water_session.add(
                IncidentNotice(
                    incident_id=incident.id,
                    jurisdiction_code=code,
                    relation="downstream",
                    notified_at=incident.opened_at,
                    due_at=incident.opened_at + dt.timedelta(hours=4),
                    acknowledged_at=incident.opened_at + dt.timedelta(hours=wait),
                )
            )
    water_session.commit()
    flows.register_datasets(water_session, actor=people["office"])
    rows = catalog.read_records(
        water_session, actor=None, dataset_code="WATER-130000-INCIDENTS"
    ).items
    assert rows == [
        {
            "month": "2026-03",
            "incidents": 3,
            "serious": 1,
            "closed": 0,
            "acknowledged": 2,
            "median_hours_to_acknowledge": 4.0,
            "late_notices": 1,
        }
    ]


def test_indicator_values_are_computed_published_once_and_corrected(
    water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    _data(water_session, people, water_sections)
    office = people["office"]
    first = flows.publish_indicators(water_session, actor=office, year=2026)
    water_session.commit()
    assert sorted(first.created) == sorted(flows.INDICATORS)
    region = regions.region_code(water_session)
    values = {
        (v.indicator.code, v.jurisdiction_code): v
        for v in progress.list_values(water_session, period_from="2026", period_to="2026")
    }
    # BJ-HE-01 in 2026: NH3-N mean 1.4, class IV, target IV: met. HE-TJ-01: inferior V.
    cross = values[("water.cross_border_meeting_target", region)]
    assert cross.value == 50.0 and cross.source == flows.source_text(2026)
    assert values[("water.cross_border_meeting_target", "110000")].value == 100.0
    assert values[("water.inferior_v_sections", "130000")].value == 1.0
    again = flows.publish_indicators(water_session, actor=office, year=2026)
    assert (again.created, again.stored, again.revised) == ([], 0, 0)
    assert again.unchanged == first.stored
    # A corrected sample changes the figures: the stored values are corrected, with a reason.
    _store(
        water_session,
        people,
        samples_of(water_sections.he_tj, china_time(2026, 1, 9, 9), {"nh3n": 0.9}),
    )
    third = flows.publish_indicators(water_session, actor=office, year=2026)
    assert third.revised > 0 and third.stored == 0
    water_session.commit()
    corrected = {
        (v.indicator.code, v.jurisdiction_code): v
        for v in progress.list_values(water_session, period_from="2026", period_to="2026")
    }
    assert corrected[("water.cross_border_meeting_target", region)].value == 100.0
    assert corrected[("water.inferior_v_sections", "130000")].revision == 1
