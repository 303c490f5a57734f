"""The demo's tour keeps a consultation to answer on every start (README: answer as bj-env,
tj-env and he-env, then issue as office): once the open one is issued, the next start of the
demo opens a fresh one for the coming days; with one open, a start changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from jingjinji import demo
from jingjinji.demo import DemoContext
from jingjinji.timezone import china_date
from jingjinji.warnings import demo as warnings_demo
from jingjinji.warnings import service
from tests.conftest import People


def _open(session_factory: sessionmaker[Session]) -> list[int]:
    """Consultations whose deadline lies ahead (the ones the agencies can still answer)."""
    now = dt.datetime.now(dt.UTC)
    with session_factory() as session:
        return [
            w.id
            for w in service.list_warnings(session, status=["consultation"])
            if w.deadline is not None and w.deadline > now
        ]


def _walk_the_tour(session_factory: sessionmaker[Session], people: People, warning_id: int) -> None:
    """The README's steps: the three agencies agree, the office issues."""
    with session_factory() as session:
        for agency in warnings_demo.AGENCIES:
            service.answer(session, actor=people[agency], warning_id=warning_id, agree=True)
        service.issue(session, actor=people["office"], warning_id=warning_id)
        session.commit()


def test_demo_loads_one_open_consultation_for_the_coming_days(
    session_factory: sessionmaker[Session], warn: People
) -> None:
    ctx = DemoContext()
    with session_factory() as session:
        warnings_demo.load(session, ctx)
        session.commit()
    opened = _open(session_factory)
    assert opened == [ctx.values["open_consultation"]]
    with session_factory() as session:
        w = service.get_warning(session, warning_id=opened[0])
        today = china_date(dt.datetime.now(dt.UTC))
        assert w.start_date == today and w.end_date >= today
        assert w.deadline is not None
        assert w.deadline > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)


def test_each_start_after_the_tour_reopens_a_consultation(
    session_factory: sessionmaker[Session], warn: People
) -> None:
    with session_factory() as session:
        warnings_demo.load(session, DemoContext())
        session.commit()
    first = _open(session_factory)
    assert len(first) == 1

    # Starting again on the same database: the one still open is kept, none is added.
    demo.ensure_loaded(session_factory)
    demo.ensure_loaded(session_factory)
    assert _open(session_factory) == first

    # Yesterday's run issued it: today's start opens a fresh one, once.
    _walk_the_tour(session_factory, warn, first[0])
    assert _open(session_factory) == []
    demo.ensure_loaded(session_factory)
    second = _open(session_factory)
    assert len(second) == 1 and second != first
    demo.ensure_loaded(session_factory)
    assert _open(session_factory) == second

    # And the tour works on it as on the first.
    _walk_the_tour(session_factory, warn, second[0])
    with session_factory() as session:
        assert service.get_warning(session, warning_id=second[0]).status == "issued"


def test_a_consultation_past_its_deadline_is_no_open_one(
    session_factory: sessionmaker[Session], warn: People
) -> None:
    """The demo left running for a week: its consultation's deadline passed, the agencies can
    no longer answer, so the next start opens another."""
    with session_factory() as session:
        warnings_demo.load(session, DemoContext())
        session.commit()
    first = _open(session_factory)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    with session_factory() as session:
        fresh = warnings_demo.refresh(session, DemoContext(), now=later)
        session.commit()
        assert fresh not in first
        w = service.get_warning(session, warning_id=fresh)
        assert w.deadline is not None and w.deadline > later
        assert w.start_date == china_date(later)
        assert warnings_demo.refresh(session, DemoContext(), now=later) == fresh
