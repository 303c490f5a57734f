"""Detection after an ingestion: target exceeded, jumps over the 30-day median, the day's
dedupe, sections that are not linked, severities; and the notices it sends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import utcnow
from jingjinji.jobs.models import Job
from jingjinji.water.models import (
    Incident,
    IncidentNotice,
    IncidentStep,
    SampleKind,
    SectionKind,
)
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service import incidents, samples, sections
from tests.conftest import People
from tests.water.incident_support import CROSS, MORNING, build_network, record, section_in


@pytest.fixture
def network(session_factory: sessionmaker[Session], people: People) -> People:
    build_network(session_factory, people)
    return people


def test_worse_than_target_opens_a_general_incident_with_its_facts(
    session_factory: sessionmaker[Session], network: People
) -> None:
    # NH3-N 1.8 is class V (<= 2.0), COD 15 class I: worse than the class III target.
    (incident_id,) = record(
        session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 1.8, "cod": 15.0}
    )
    with session_factory() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None
        assert (incident.trigger, incident.severity, incident.status) == (
            "target_exceeded",
            "general",
            "open",
        )
        assert incident.detail["target_class"] == 3 and incident.detail["section_class"] == 5
        assert incident.detail["items"] == [{"item": "nh3n", "value": 1.8, "class": 5}]
        assert incident.observed_at == MORNING
        assert incident.dedupe_key == f"{CROSS}:target_exceeded:2026-06-10"


def test_worse_than_v_is_serious_and_notices_are_due_in_two_hours(
    session_factory: sessionmaker[Session], network: People
) -> None:
    (incident_id,) = record(session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 2.5})
    with session_factory() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.severity == "serious"
        notices = s.scalars(
            select(IncidentNotice).where(IncidentNotice.incident_id == incident_id)
        ).all()
        assert {(n.jurisdiction_code, n.relation) for n in notices} == {
            ("110000", "monitoring"),
            ("130000", "downstream"),
            ("JJJ", "office"),
        }
        assert all(n.due_at - incident.opened_at == dt.timedelta(hours=2) for n in notices)
        kinds = s.scalars(
            select(IncidentStep.kind).where(IncidentStep.incident_id == incident_id)
        ).all()
        assert sorted(kinds) == ["notified", "notified", "notified", "opened"]
        job = s.scalars(select(Job).where(Job.kind == incidents.ESCALATE_JOB)).one()
        assert job.run_after == notices[0].due_at


def test_general_notices_are_due_in_four_hours(
    session_factory: sessionmaker[Session], network: People
) -> None:
    (incident_id,) = record(session_factory, network["bj-env"], CROSS, MORNING, {"tp": 0.35})
    with session_factory() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.severity == "general"
        notices = s.scalars(
            select(IncidentNotice).where(IncidentNotice.incident_id == incident_id)
        ).all()
        assert {n.due_at - incident.opened_at for n in notices} == {dt.timedelta(hours=4)}


def test_within_target_opens_nothing_and_a_missing_target_means_class_iii(
    session_factory: sessionmaker[Session], network: People
) -> None:
    assert record(session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 1.0}) == []
    with session_factory() as s:
        sections.set_target(s, actor=network["office"], code=CROSS, year=2026, target_class=2)
        s.commit()
    later = MORNING + dt.timedelta(hours=4)
    assert len(record(session_factory, network["bj-env"], CROSS, later, {"nh3n": 0.8})) == 1


def test_same_day_is_deduplicated_and_detection_is_idempotent(
    session_factory: sessionmaker[Session], network: People
) -> None:
    assert len(record(session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 1.8})) == 1
    later = MORNING + dt.timedelta(hours=4)
    assert record(session_factory, network["bj-env"], CROSS, later, {"nh3n": 1.9}) == []
    with session_factory() as s:
        ingestion_ids = s.scalars(select(Incident.id)).all()
        assert len(ingestion_ids) == 1
        from jingjinji.water.models import Ingestion

        for ingestion in s.scalars(select(Ingestion.id)).all():
            assert incidents.detect_after_ingestion(s, ingestion_id=ingestion) == []
    # The next China day is a new incident.
    next_day = MORNING + dt.timedelta(days=1)
    assert len(record(session_factory, network["bj-env"], CROSS, next_day, {"nh3n": 1.8})) == 1


def test_a_closed_incident_frees_its_day(
    session_factory: sessionmaker[Session], network: People
) -> None:
    from jingjinji.water.schemas.incidents import CloseIn

    (first,) = record(session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    with session_factory() as s:
        incidents.close_incident(
            s,
            actor=network["office"],
            incident_id=first,
            data=CloseIn(closure_report="Instrument fault"),
        )
        s.commit()
    later = MORNING + dt.timedelta(hours=4)
    assert len(record(session_factory, network["bj-env"], CROSS, later, {"nh3n": 1.8})) == 1


def test_sections_that_are_not_linked_are_not_watched(
    session_factory: sessionmaker[Session], network: People
) -> None:
    assert record(session_factory, network["bj-env"], "BJ-UP", MORNING, {"nh3n": 9.0}) == []
    with session_factory() as s:
        assert s.scalars(select(Incident)).all() == []


def _history(session_factory: sessionmaker[Session], people: People, values: list[float]) -> None:
    for days, value in enumerate(values, start=1):
        record(
            session_factory,
            people["bj-env"],
            CROSS,
            MORNING - dt.timedelta(days=days),
            {"codmn": value},
        )


def test_a_jump_over_three_times_the_median_opens_a_jump_incident(
    session_factory: sessionmaker[Session], network: People
) -> None:
    _history(session_factory, network, [2.0, 2.0, 3.0])  # median 2.0, all class I/II
    with session_factory() as s:  # a class IV target: 6.5 (class IV) is no exceedance
        sections.set_target(s, actor=network["office"], code=CROSS, year=2026, target_class=4)
        s.commit()
    (incident_id,) = record(session_factory, network["bj-env"], CROSS, MORNING, {"codmn": 6.5})
    with session_factory() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None
        # 6.5 is 3.25 times the median: a jump, general (under 2 x 3).
        assert incident.trigger == "jump" and incident.severity == "general"
        (item,) = incident.detail["items"]
        assert (item["item"], item["median"], item["earlier"]) == ("codmn", 2.0, 3)


def test_a_target_and_a_jump_at_once_open_one_incident_carrying_both(
    session_factory: sessionmaker[Session], network: People
) -> None:
    _history(session_factory, network, [2.0, 2.0, 2.0])
    opened = record(session_factory, network["bj-env"], CROSS, MORNING, {"codmn": 14.0})
    with session_factory() as s:
        rows = s.scalars(select(Incident)).all()
        got = {(i.trigger, i.severity) for i in rows}
        jump = rows[0].detail["jump"]
    # 14 is class V (worse than III, a general exceedance) and 7 times the median (>= 2 x 3, a
    # serious jump): one reading is one incident, as serious as the worse of the two.
    assert len(opened) == 1 and got == {("target_exceeded", "serious")}
    assert jump["items"][0]["item"] == "codmn" and jump["items"][0]["ratio"] == 7.0


def test_a_jump_on_a_day_whose_target_incident_is_open_opens_nothing_more(
    session_factory: sessionmaker[Session], network: People
) -> None:
    _history(session_factory, network, [2.0, 2.0, 2.0])
    first = record(session_factory, network["bj-env"], CROSS, MORNING, {"codmn": 7.0})
    later = MORNING + dt.timedelta(hours=4)
    second = record(session_factory, network["bj-env"], CROSS, later, {"codmn": 14.0})
    with session_factory() as s:
        triggers = [i.trigger for i in s.scalars(select(Incident)).all()]
    assert len(first) == 1 and second == [] and triggers == ["target_exceeded"]


@pytest.mark.parametrize(("earlier", "value"), [([2.0, 2.0], 9.0), ([2.0, 2.0, 2.0], 6.0)])
def test_no_jump_without_three_earlier_values_or_at_exactly_the_multiple(
    session_factory: sessionmaker[Session], network: People, earlier: list[float], value: float
) -> None:
    _history(session_factory, network, earlier)
    # A target class V keeps the target trigger out of the way.
    with session_factory() as s:
        sections.set_target(s, actor=network["office"], code=CROSS, year=2026, target_class=5)
        s.commit()
    assert record(session_factory, network["bj-env"], CROSS, MORNING, {"codmn": value}) == []


def test_notices_walk_the_network_both_ways(
    session_factory: sessionmaker[Session], network: People
) -> None:
    orgs = network.organisations
    with session_factory() as s:
        sections.save_section(
            s,
            actor=network["office"],
            data=section_in(
                "HE-TJ",
                kind=SectionKind.CROSS_BORDER,
                jurisdiction="130000",
                organisation_id=orgs["he_env"],
                upstream="130000",
                downstream="120000",
            ),
        )
        s.commit()
        row = sections.get_section(s, code="HE-DOWN")
        row.downstream_section_code = "HE-TJ"
        s.commit()
    (incident_id,) = record(session_factory, network["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    with session_factory() as s:
        told = {
            n.jurisdiction_code: n.relation
            for n in s.scalars(
                select(IncidentNotice).where(IncidentNotice.incident_id == incident_id)
            )
        }
        assert told == {
            "110000": "monitoring",
            "130000": "downstream",
            "120000": "downstream",
            "JJJ": "office",
        }
        # From the Hebei -> Tianjin section, Beijing is upstream (it traces sources).
        incident = s.scalars(select(Incident).where(Incident.id == incident_id)).one()
        assert incident.section_code == CROSS
        assert incidents.recipients(s, sections.get_section(s, code="HE-TJ")) == {
            "130000": "monitoring",
            "120000": "downstream",
            "110000": "upstream",
            "JJJ": "office",
        }


def _recorded_without_explicit_detection(
    session_factory: sessionmaker[Session], network: People, at: dt.datetime
) -> list[str]:
    with session_factory() as s:
        row = SampleIn(
            section_code=CROSS, sampled_at=at, kind=SampleKind.MANUAL, item="nh3n", value=2.5
        )
        samples.record_samples(s, actor=network["bj-env"], rows=[row], channel="api")
        s.commit()
        return list(s.scalars(select(Incident.trigger)))


def test_ingestion_itself_opens_the_incident_of_a_recent_sample(
    session_factory: sessionmaker[Session], network: People
) -> None:
    recent = utcnow().replace(microsecond=0) - dt.timedelta(hours=2)
    assert _recorded_without_explicit_detection(session_factory, network, recent) == [
        "target_exceeded"
    ]


def test_back_filled_history_opens_no_incident(
    session_factory: sessionmaker[Session], network: People
) -> None:
    # Older than JJJ_WATER_INCIDENT_WINDOW_DAYS (30) when it arrives: data, not an emergency.
    old = utcnow().replace(microsecond=0) - dt.timedelta(days=31)
    assert _recorded_without_explicit_detection(session_factory, network, old) == []
