"""The demo season: deterministic, check digits valid (but the one deliberate bad one), every
event a valid DCSA 2.2 event, and the loader records them all through the services."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.demo import DemoContext
from jingjinji.ports import demo, kernels, service
from jingjinji.ports.demo import green_channel, season
from jingjinji.ports.models import EdifactSubmission, Event
from tests.conftest import People


def test_the_season_is_the_same_every_time() -> None:
    assert season.make_season() == season.make_season()
    assert season.make_season(seed=1) != season.make_season()


def test_check_digits_are_valid_except_the_deliberate_one() -> None:
    made = season.make_season()
    assert all(kernels.is_valid_imo(imo) for imo in made.vessels.values())
    bad = [b for b in made.containers if not kernels.check_equipment_reference(b).valid]
    assert bad == [season.BAD_BOX]


def test_every_event_is_a_dcsa_event_at_its_writers_port() -> None:
    made = season.make_season()
    operated = {p.code: p.operator for p in demo.places.PLACES if p.operator}
    for writer, payloads in made.events.items():
        events, _ = service.parse_events(payloads)
        for event in events:
            where = service.intake.event_location(event)
            assert event.eventType == "SHIPMENT" or operated[where or ""] == writer


def test_the_loader_records_the_season(
    session_factory: sessionmaker[Session], people: People
) -> None:
    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        demo.load(session, ctx)
        session.commit()
    made = season.make_season()
    # The season, then the Xiong'an green channel's trains and empty returns and one correction.
    channel, _ = green_channel.make(made.vessels)
    total = sum(len(v) for v in made.events.values()) + sum(len(v) for v in channel.values()) + 1
    assert ctx.values["ports_demo"]["events"] == total
    with session_factory() as session:
        # and the EDIFACT samples' events, recorded by their submissions' jobs
        from_files = session.scalar(select(func.sum(EdifactSubmission.recorded)))
        assert from_files and from_files == session.scalar(
            select(func.count()).select_from(Event).where(Event.source == "edifact")
        )
        assert session.scalar(select(func.count()).select_from(Event)) == total + from_files
        rows = session.execute(select(Event.equipment_reference, Event.warnings)).all()
        # the season's bad box and the sample file made to warn of a check digit
        assert {box for box, warnings in rows if warnings} == {season.BAD_BOX, "APNR7744962"}
    assert [u for u, _, _ in ctx.logins] == list(demo.places.TERMINAL_USERS)
