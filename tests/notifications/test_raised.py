"""Each kind of notification is raised by the real flow (through the domains' services) and
lands in the inbox of the people it concerns, and of nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service as air_service
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.catalog.service import notices as catalog_notices
from jingjinji.demo import DemoContext
from jingjinji.notifications import service as notifications
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.schemas.enforcement import CaseOpenIn
from jingjinji.sources.service import cases, exceedances
from jingjinji.timezone import CHINA_TZ
from jingjinji.warnings import notices as warnings_notices
from jingjinji.warnings import service as warnings
from jingjinji.water.models import IncidentSeverity
from jingjinji.water.schemas.incidents import IncidentIn
from jingjinji.water.service import incidents
from tests.catalog.support import SETTINGS, build_catalog, request_in
from tests.conftest import People
from tests.notifications.support import inbox, kinds_of
from tests.sources.conftest import build_registry
from tests.sources.enforcement_support import hourly, store
from tests.water.incident_support import CROSS, MORNING, build_network


@pytest.fixture
def catalog_people(session_factory: sessionmaker[Session], people: People) -> People:
    build_catalog(session_factory, people)
    return people


def _apply(
    session_factory: sessionmaker[Session], people: People, now: dt.datetime | None = None
) -> int:
    with session_factory() as session:
        request = catalog.create_access_request(
            session,
            actor=people["he-analyst"],
            data=request_in("BJ-COND", ["x", "y"]),
            settings=SETTINGS,
            now=now,
        )
        session.commit()
        return request.id


def _only(found: dict[str, list[str]], expected: dict[str, list[str]]) -> None:
    """Exactly these people have exactly these kinds; everyone else has nothing."""
    assert {name: kinds for name, kinds in found.items() if kinds} == expected


def test_a_new_access_request_reaches_the_owners_deciders_only(
    session_factory: sessionmaker[Session], catalog_people: People
) -> None:
    _apply(session_factory, catalog_people)
    # Beijing environment bureau owns BJ-COND: its steward and Beijing's administrator decide.
    _only(
        kinds_of(session_factory, catalog_people),
        {"bj-env": ["access_requested"], "bj-admin": ["access_requested"]},
    )
    [(_, title)] = inbox(session_factory, catalog_people, "bj-env")
    assert title == "New access request for Dataset BJ-COND (BJ-COND)"
    [(_, title_zh)] = inbox(session_factory, catalog_people, "bj-env", lang="zh_CN")
    assert title_zh == "数据集 BJ-COND (BJ-COND) 有新的数据申请"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_reaches_the_requester_only(
    session_factory: sessionmaker[Session], catalog_people: People, decision: str
) -> None:
    request_id = _apply(session_factory, catalog_people)
    with session_factory() as session:
        catalog.decide_access_request(
            session,
            actor=catalog_people["bj-env"],
            request_id=request_id,
            data=DecisionIn(decision=decision, fields=["x"], reason="Not for this purpose"),
        )
        session.commit()
    found = kinds_of(session_factory, catalog_people)
    assert found["he-analyst"] == ["access_decided"]
    # The decider made it (no notice to oneself); the other analysts hear nothing.
    assert found["bj-env"] == ["access_requested"]
    assert found["tj-analyst"] == found["bj-analyst"] == []
    [(_, title)] = inbox(session_factory, catalog_people, "he-analyst")
    outcome = "approved" if decision == "approve" else "rejected"
    assert title == f"Your access request for Dataset BJ-COND (BJ-COND) was {outcome}"


def test_an_escalation_reaches_the_coordination_office(
    session_factory: sessionmaker[Session], catalog_people: People
) -> None:
    submitted = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
    request_id = _apply(session_factory, catalog_people, now=submitted)
    with session_factory() as session:
        assert catalog.escalate_overdue(session, now=submitted + dt.timedelta(days=40)) == [
            request_id
        ]
        session.commit()
    _only(
        kinds_of(session_factory, catalog_people),
        {
            "office": ["access_escalated"],
            "bj-env": ["access_requested"],
            "bj-admin": ["access_requested"],
        },
    )


def test_deadline_approaching_reminds_the_deciders_once_with_a_fixed_clock(
    session_factory: sessionmaker[Session], catalog_people: People
) -> None:
    # Submitted on Monday 2026-01-05 (Beijing): 10 working days -> due Monday 2026-01-19.
    submitted = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
    _apply(session_factory, catalog_people, now=submitted)
    week_before = dt.datetime(2026, 1, 12, 9, 0, tzinfo=CHINA_TZ)
    day_before = dt.datetime(2026, 1, 18, 9, 0, tzinfo=CHINA_TZ)
    with session_factory() as session:
        assert catalog_notices.remind_deadlines(session, now=week_before) == 0
        assert catalog_notices.remind_deadlines(session, now=day_before) == 2
        # The hourly job runs again: nobody is reminded twice of the same request.
        assert (
            catalog_notices.remind_deadlines(session, now=day_before + dt.timedelta(hours=1)) == 0
        )
        session.commit()
    found = kinds_of(session_factory, catalog_people)
    assert found["bj-env"] == found["bj-admin"] == ["deadline_approaching", "access_requested"]
    assert not any(found[n] for n in found if n not in ("bj-env", "bj-admin"))
    [(_, title), _] = inbox(session_factory, catalog_people, "bj-env")
    assert title == "Deadline approaching: access request for Dataset BJ-COND (BJ-COND)"


@pytest.fixture
def warn(session_factory: sessionmaker[Session], people: People) -> People:
    with session_factory() as session:
        air_service.load_stations(session, actor=SYSTEM_ACTOR)
        warnings.load_criteria(session, actor=SYSTEM_ACTOR)
        warnings.load_measures(session, actor=SYSTEM_ACTOR)
        session.commit()
    return people


def test_a_consultation_reaches_the_consulted_agencies_and_reminds_the_silent_ones(
    session_factory: sessionmaker[Session], warn: People
) -> None:
    opened = dt.datetime.now(dt.UTC)  # the answer below is given at the real time
    deadline = opened + dt.timedelta(hours=24)
    with session_factory() as session:
        warning = warnings.propose(
            session,
            actor=warn["office"],
            cities=["110000", "130600"],  # the region's three provinces are all consulted
            level="orange",
            start=dt.date(2016, 12, 16),
            end=dt.date(2016, 12, 21),
            max_aqi=420,
            criteria_code="bth-2017",
            basis="forecast",
        )
        warnings.open_consultation(
            session, actor=warn["office"], warning_id=warning.id, deadline=deadline, now=opened
        )
        session.commit()
        wid = warning.id
    # Their environment agencies answer; administrators, analysts and other bureaus do not.
    opened_kind = ["consultation_opened"]
    _only(
        kinds_of(session_factory, warn),
        {"bj-env": opened_kind, "tj-env": opened_kind, "he-env": opened_kind},
    )
    [(_, title)] = inbox(session_factory, warn, "he-env")
    assert title == f"Consultation opened on warning {wid}"
    with session_factory() as session:
        warnings.answer(session, actor=warn["bj-env"], warning_id=wid, agree=True)
        session.commit()
    with session_factory() as session:
        assert warnings_notices.remind_consultations(session, now=opened) == 0  # 24 h left
        later = deadline - dt.timedelta(hours=2)
        assert warnings_notices.remind_consultations(session, now=later) == 2
        assert warnings_notices.remind_consultations(session, now=later) == 0
        session.commit()
    found = kinds_of(session_factory, warn)
    assert found["he-env"] == ["deadline_approaching", "consultation_opened"]
    assert found["bj-env"] == ["consultation_opened"]  # answered: not reminded
    assert found["tj-env"] == ["deadline_approaching", "consultation_opened"]
    assert not any(found[n] for n in found if n not in ("bj-env", "tj-env", "he-env"))


def test_a_water_incident_reaches_the_agencies_told_and_the_office(
    session_factory: sessionmaker[Session], people: People
) -> None:
    build_network(session_factory, people)
    with session_factory() as session:
        incident = incidents.report_incident(
            session,
            actor=people["bj-env"],
            data=IncidentIn(
                section_code=CROSS,
                summary="Oil film <b>seen</b> below the weir.",
                severity=IncidentSeverity.GENERAL,
                observed_at=MORNING,
            ),
        )
        session.commit()
        incident_id = incident.id
    # Beijing monitors (and reported it: no notice to oneself), Hebei is downstream, the office
    # coordinates; Tianjin is not on this river.
    _only(
        kinds_of(session_factory, people),
        {"he-env": ["incident_opened"], "office": ["incident_opened"]},
    )
    with session_factory() as session:
        [note] = notifications.list_inbox(session, actor=people["he-env"]).items
        assert note.link == f"/water/incidents/{incident_id}"
        text = notifications.render_for(note, "en")
    assert text.title == "Water incident at section Section XB-BJHE (XB-BJHE)"
    assert text.body.startswith("Oil film <b>seen</b> below the weir. Acknowledge by ")


def test_the_demo_leaves_the_personas_inboxes_filled(
    session_factory: sessionmaker[Session], people: People
) -> None:
    """The catalog demo's requests in every state reach the demo personas' inboxes through the
    same services (no notification is planted)."""
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    with session_factory() as session:
        catalog_demo.load(session, ctx)
        session.commit()
    found = kinds_of(session_factory, people)
    assert "access_escalated" in found["office"]
    assert any("access_decided" in kinds for name, kinds in found.items() if "analyst" in name)
    assert any("access_requested" in kinds for name, kinds in found.items() if "env" in name)


def test_an_enforcement_case_reaches_the_involved_jurisdictions_and_the_office(
    session_factory: sessionmaker[Session], people: People
) -> None:
    with session_factory() as session:
        registry = build_registry(session, people["office"])
        session.commit()
    # HE-A (Hebei) has a flue 4 km from the Beijing border: a case about it involves Beijing.
    batch_id = store(
        session_factory, registry.loggers["HE-A-W-001"], hourly("w01018", [60, 10], start=0)
    )
    with session_factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        case = cases.open_case(
            session, actor=people["he-env"], data=CaseOpenIn(exceedance_ids=ids, title="COD")
        )
        session.commit()
        case_id = case.id
    opened = ["case_opened"]
    _only(
        kinds_of(session_factory, people),
        {"office": opened, "he-admin": opened, "bj-admin": opened, "bj-env": opened},
    )
    [(_, title)] = inbox(session_factory, people, "bj-env")
    assert title == f"Pollution source case {case_id} opened: COD"
