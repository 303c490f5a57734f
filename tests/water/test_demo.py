"""The water demo loader: the section network as designed, targets, synthetic samples labelled
as such, the published Langfang figures stored as published, and the planted incident open."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.demo import DemoContext
from jingjinji.timezone import CHINA_TZ
from jingjinji.water import demo
from jingjinji.water.demo import incidents as demo_incidents
from jingjinji.water.demo import samples as demo_samples
from jingjinji.water.demo import sections as demo_sections
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    Ingestion,
    Sample,
    SampleKind,
    SampleOrigin,
    Section,
)
from jingjinji.water.service import assessment
from jingjinji.water.service import sections as sections_service
from tests.conftest import People

#: A fixed clock in the past (sample times may not lie ahead of the real clock): early in a
#: winter month, before its manual sampling day (the demo's own clock is today).
NOW = dt.datetime(2026, 2, 1, 13, 30, tzinfo=dt.UTC)


def _load(
    session_factory: sessionmaker[Session], people: People, *, since_year: int
) -> DemoContext:
    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        demo.load(session, ctx, since_year=since_year, now=NOW)
        session.commit()
    return ctx


def test_network_and_samples_as_designed(
    session_factory: sessionmaker[Session], people: People
) -> None:
    ctx = _load(session_factory, people, since_year=2026)
    loaded = ctx.values["water_demo"]
    assert len(loaded["sections"]) == 20
    # The catalog datasets of the three agencies and the progress indicators of 2026.
    assert len(loaded["datasets"]) == 9 and loaded["indicator_values"] > 0
    with session_factory() as session:
        network = {s.code: s for s in sections_service.all_sections(session)}
        # Every river section drains to the sea: each path ends at a coastal point.
        for code, section in network.items():
            path = sections_service.downstream_path(session, code=code)
            last = path[-1] if path else section
            assert last.kind == "coastal", code
        # The Ju: Dongdian -> Sanhe Dongdaqiao -> the Jiyun River estuary -> Bohai Bay.
        assert [s.name_en for s in sections_service.downstream_path(session, code="JJJ-W-001")] == [
            "Sanhe Dongdaqiao",
            "Jiyun River Estuary Sluice",
            "Bohai Bay off Beitang",
        ]
        # The Chaobai in order, and the North Canal's three Beijing exits meet at Tumenlou.
        chaobai = sections_service.downstream_path(session, code="JJJ-W-003")
        assert [s.name_en for s in chaobai[:2]] == ["Wucun", "Datao Bridge"]
        feeding = {s.code for s in sections_service.upstream_sections(session, code="JJJ-W-009")}
        assert feeding == {"JJJ-W-006", "JJJ-W-007", "JJJ-W-008"}
        # Cross-border sections name both sides; Langfang monitors the ones it publishes.
        for section in network.values():
            if section.kind == "cross_border":
                assert section.jurisdiction_code == "131000"
                assert section.organisation_id == people.organisations["he_env"]
                assert section.upstream_jurisdiction_code != section.downstream_jurisdiction_code
            assert section.approximate_position
        assert network["JJJ-W-001"].upstream_jurisdiction_code == "110000"
        assert network["JJJ-W-002"].downstream_jurisdiction_code == "120000"
        # Synthetic targets: V until 2020, IV from 2021; Dongdaqiao's 2017 target is V (COD 33
        # met it); coastal points have none.
        assert sections_service.targets_for(session, year=2017)["JJJ-W-002"] == 5
        targets_2026 = sections_service.targets_for(session, year=2026)
        assert set(targets_2026.values()) == {4}
        assert "JJJ-W-019" not in targets_2026

        origins = Counter(session.scalars(select(Sample.origin)))
        assert set(origins) == {"synthetic", "published"}
        assert origins["published"] == 2
        # Coastal points get no samples; every river section has its monthly series.
        sampled = set(session.scalars(select(Sample.section_code).distinct()))
        assert sampled == {c for c, s in network.items() if s.waterbody == "river"}
        manual_2026 = session.scalar(
            select(func.count(func.distinct(Sample.sampled_at))).where(
                Sample.section_code == "JJJ-W-005", Sample.kind == SampleKind.MANUAL.value
            )
        )
        assert manual_2026 == 1  # January's; February's (the 15th) is still to come
        automatic = set(
            session.scalars(
                select(Sample.section_code)
                .where(Sample.kind == SampleKind.AUTOMATIC.value)
                .distinct()
            )
        )
        assert automatic == {c for c, s in network.items() if s.automatic}
        sources = {i.source for i in session.scalars(select(Ingestion))}
        assert demo_samples.SYNTHETIC_SOURCE in sources
        assert any("Langfang" in s and "January 2017" in s for s in sources)


def test_published_values_stored_as_published(
    session_factory: sessionmaker[Session], people: People
) -> None:
    _load(session_factory, people, since_year=2016)
    january = dt.datetime(2017, 1, 15, 10, tzinfo=CHINA_TZ)
    with session_factory() as session:
        rows = session.scalars(
            select(Sample).where(Sample.section_code == "JJJ-W-002", Sample.sampled_at == january)
        ).all()
        by_item = {r.item: r for r in rows}
        assert (by_item["cod"].value, by_item["cod"].origin) == (33.0, "published")
        assert (by_item["nh3n"].value, by_item["nh3n"].origin) == (9.74, "published")
        assert by_item["cod"].version == 1  # no synthetic value was written first
        others = {r.origin for r in rows if r.item not in ("cod", "nh3n")}
        assert others == {SampleOrigin.SYNTHETIC.value}
        # Assessed as the bulletin did: worse than V, NH3-N 3.87 times over its class V target,
        # and the month's assessment says which values were published and which made up.
        start, end = assessment.period_bounds(2017, 1)
        month = assessment.section_period(session, section_code="JJJ-W-002", start=start, end=end)
        assert (month.section_class, month.target_class) == (6, 5)
        assert month.values["cod"] == 33.0 and month.target_multiples["nh3n"] == 3.87
        assert month.samples.published and month.samples.synthetic
        # The synthetic history is heavily polluted in 2016 and much cleaner by 2025.
        nh3n = {
            year: float(
                session.scalar(
                    select(func.avg(Sample.value)).where(
                        Sample.item == "nh3n",
                        Sample.kind == "manual",
                        Sample.origin == "synthetic",
                        Sample.sampled_at >= dt.datetime(year, 1, 1, tzinfo=CHINA_TZ),
                        Sample.sampled_at < dt.datetime(year + 1, 1, 1, tzinfo=CHINA_TZ),
                    )
                )
                or 0
            )
            for year in (2016, 2025)
        }
        assert nh3n[2016] > 2.0 > 1.0 > nh3n[2025]


@pytest.mark.parametrize(
    "now",
    [NOW, dt.datetime(2026, 7, 31, 16, 5, tzinfo=dt.UTC)],  # 00:05 on 1 August in China
    ids=["winter", "midnight"],
)
def test_planted_incident_opened_and_left_open(
    session_factory: sessionmaker[Session], people: People, now: dt.datetime
) -> None:
    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        demo.load(session, ctx, since_year=2026, now=now)
        session.commit()
    with session_factory() as session:
        incidents = session.scalars(select(Incident)).all()
        # One reading worse than the target and a jump over the 30-day median: one incident.
        assert [i.trigger for i in incidents] == ["target_exceeded"]
        assert incidents[0].detail["jump"]["items"]
        assert {i.section_code for i in incidents} == {demo_incidents.SECTION}
        assert ctx.values["water_demo"]["incidents"] == [i.id for i in incidents]
        target = next(i for i in incidents if i.trigger == "target_exceeded")
        assert target.status == "open" and target.severity == "serious"
        assert target.detail["target_class"] == 4
        notices = session.scalars(
            select(IncidentNotice).where(IncidentNotice.incident_id == target.id)
        ).all()
        relations = {n.jurisdiction_code: n.relation for n in notices}
        assert relations["130000"] == "monitoring"
        assert relations["110000"] == "upstream"
        assert relations["120000"] == "downstream"
        assert all(n.acknowledged_at is None for n in notices)
        assert (target.observed_at, "nh3n") in demo_incidents.event_keys(
            demo_samples.automatic_times(now)
        )
        # The event replaced nothing: the synthetic series left those readings to it.
        revised = session.scalar(select(func.count()).select_from(Sample).where(Sample.version > 1))
        assert revised == 0


def test_refresh_loads_on_a_used_database_then_tops_up(
    session_factory: sessionmaker[Session], people: People
) -> None:
    # A database made before the water domain: the regions and accounts demo only, and a
    # context that does not carry the organisations (a later start of the demo).
    with session_factory() as session:
        assert demo.refresh(session, DemoContext(), now=NOW, since_year=2026) > 0
        session.commit()
    with session_factory() as session:
        sections = sections_service.all_sections(session)
        assert len(sections) == 20
        assert sections[0].organisation_id == people.organisations["he_env"]
        count = int(session.scalar(select(func.count()).select_from(Sample)) or 0)
        incidents = session.scalar(select(func.count()).select_from(Incident))
    later = NOW + dt.timedelta(days=20)  # past February's manual sampling day
    with session_factory() as session:
        added = demo.refresh(session, DemoContext(), now=later)
        session.commit()
    automatic = sum(1 for s in sections if s.automatic)
    river = sum(1 for s in sections if s.waterbody == "river")
    readings = 20 * 24 // demo_samples.AUTOMATIC_STEP_HOURS
    expected = (
        readings * len(demo_samples.AUTOMATIC_ITEMS) * automatic
        + len(demo_samples.MANUAL_ITEMS) * river
    )
    assert added == expected
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Sample)) == count + expected
        assert session.scalar(select(func.count()).select_from(Incident)) == incidents
        assert demo.refresh(session, DemoContext(), now=later) == 0


def test_the_section_file_matches_the_schema() -> None:
    records = demo_sections.section_records()
    codes = [r["code"] for r in records]
    assert len(codes) == len(set(codes))
    for record in records:
        assert record["organisation"] in {"bj_env", "tj_env", "he_env"}
        nxt = record["downstream_section_code"]
        assert nxt is None or nxt in codes


def test_series_is_deterministic() -> None:
    section = Section(
        code="JJJ-W-001", waterbody="river", automatic=True, kind="cross_border", name_en="x"
    )
    first = list(demo_samples.synthetic_series([section], targets={}, now=NOW, since_year=2025))
    again = list(demo_samples.synthetic_series([section], targets={}, now=NOW, since_year=2025))
    assert [s.kind for s in first] == [SampleKind.MANUAL, SampleKind.AUTOMATIC]
    for a, b in zip(first, again, strict=True):
        assert a.times == b.times
        for item in a.values:
            assert (a.values[item] == b.values[item]).all()
