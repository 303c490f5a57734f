"""The stored indicators refreshed by the months intake marked stale: after every intake the
incremental refresh stores exactly the rows a full rebuild stores, touches only the months the
stale ones reach, reads no event when nothing is stale, and leaves a month marked again while
it ran marked for the next one."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.ports import service
from jingjinji.ports.models import StoredIndicator
from jingjinji.ports.service import indicator_months, indicators
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event

CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 1, 20, tzinfo=CST)
# Tianjin and Hebei seaports (transits), the green channel, and a dry port (neither).
PLACES = ("CNTXG", "CNTSN", "CNCFD", "CNHHA", "CNXAN", "CNSJW")
CODES = ("DISC", "GTIN", "LOAD", "GTOT", "DISC", "GTIN", "LOAD", "GTOT", "STUF")
SIZES = ("22G1", "45G1", "L5G1", None)


def _event(box: str, where: str, code: str, at: dt.datetime, **extra: Any) -> dict[str, Any]:
    made = equipment_event(str(uuid.uuid4()), box, where, code=code, created=at.isoformat())
    return made | extra


def _record(session: Session, actor: Actor, payloads: list[dict[str, Any]], **kw: Any) -> None:
    events, payloads = service.parse_events(payloads)
    service.record_events(session, actor=actor, events=events, payloads=payloads, **kw)


def _rows(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(select(StoredIndicator.kind, StoredIndicator.month, StoredIndicator.row))
    return sorted((k, m, json.dumps(r, sort_keys=True)) for k, m, r in rows)


def _computed_at(session: Session) -> dict[tuple[str, str], dt.datetime]:
    rows = session.execute(
        select(StoredIndicator.kind, StoredIndicator.month, StoredIndicator.computed_at)
    )
    return {(k, m): at for k, m, at in rows}


def _full_rows(session: Session) -> list[tuple[str, str, str]]:
    """The rows a full rebuild stores now (rolled back: the session keeps its own)."""
    savepoint = session.begin_nested()
    indicators.refresh(session, full=True)
    rows = _rows(session)
    savepoint.rollback()
    return rows


def _season(rng: random.Random) -> list[list[dict[str, Any]]]:
    """Random equipment events of a few boxes over seven months, in intakes of random size and
    out of time order, with moves on both sides of month ends (China midnight)."""
    payloads = []
    for _ in range(rng.randint(4, 7)):
        box = f"RNDU{rng.randrange(10**7):07d}"
        size = rng.choice(SIZES)
        at = START + dt.timedelta(days=rng.uniform(0, 40))
        for _move in range(rng.randint(3, 9)):
            # mostly hours to days apart, sometimes longer than the 92-day look-back
            at += dt.timedelta(hours=rng.choice([rng.uniform(1, 30), rng.uniform(1, 20) * 24]))
            if rng.random() < 0.1:
                at += dt.timedelta(days=rng.uniform(90, 100))
            if rng.random() < 0.25:  # just before or after a China-time month end
                first = (at + dt.timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0)
                at = first + dt.timedelta(minutes=rng.choice([-30, 30]))
            extra: dict[str, Any] = {"ISOEquipmentCode": size} if size else {}
            if rng.random() < 0.1:
                extra["eventClassifierCode"] = "EST"
            if rng.random() < 0.2:
                extra["emptyIndicatorCode"] = "EMPTY"
            payloads.append(_event(box, rng.choice(PLACES), rng.choice(CODES), at, **extra))
    rng.shuffle(payloads)
    batches = []
    while payloads:
        cut = rng.randint(1, 12)
        batches.append(payloads[:cut])
        payloads = payloads[cut:]
    return batches


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_month_reaches_the_months_whose_window_opens_before_it_ends() -> None:
    assert indicator_months.reach("2026-01") == [f"2026-0{m}" for m in range(1, 6)]
    assert indicator_months.reach("2026-02") == [f"2026-0{m}" for m in range(2, 6)]
    assert indicator_months.reach("2026-11")[-1] == "2027-03"
    for month in indicator_months.month_range("2024-01", "2027-12"):
        reached = indicator_months.reach(month)
        last_moment = indicator_months.month_end(month) - dt.timedelta(microseconds=1)
        since, _ = indicator_months.window(reached[-1])
        after, _ = indicator_months.window(indicator_months.next_month(reached[-1]))
        assert since <= last_moment < after, month
        assert 4 <= len(reached) <= 5
    assert indicator_months.runs(["2026-03", "2026-01", "2026-02", "2026-07"]) == [
        ["2026-01", "2026-02", "2026-03"],
        ["2026-07"],
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refresh_after_each_intake_stores_what_a_full_rebuild_stores(
    session_factory: sessionmaker[Session], ports: Ports, seed: int
) -> None:
    rng = random.Random(seed)
    office = ports.people["office"]
    # A box that leaves Caofeidian before midnight on 31 January and reaches Tianjin after it:
    # the arrival is sent first, the departure in a later intake.
    gone = _event("BHFU1000013", "CNCFD", "GTOT", dt.datetime(2026, 1, 31, 23, tzinfo=CST))
    came = _event("BHFU1000013", "CNTXG", "GTIN", dt.datetime(2026, 2, 1, 1, tzinfo=CST))
    # A box loaded at Tianjin on 30 January and discharged at Caofeidian on 2 May: inside May's
    # window (which opens 92 days before 1 May, on 29 January), so January reaches May.
    long_out = _event("LONU1000016", "CNTXG", "LOAD", dt.datetime(2026, 1, 30, 10, tzinfo=CST))
    long_in = _event("LONU1000016", "CNCFD", "DISC", dt.datetime(2026, 5, 2, 10, tzinfo=CST))
    batches = [[came, long_in], *_season(rng)]
    batches.insert(rng.randint(2, len(batches)), [gone])
    batches.insert(rng.randint(2, len(batches)), [long_out])
    # A discharge at Huanghua on 31 March, corrected to 1 April by a later intake.
    wrong = _event("BHFU1000013", "CNHHA", "DISC", dt.datetime(2026, 3, 31, 22, tzinfo=CST))
    fixed = _event("BHFU1000013", "CNHHA", "DISC", dt.datetime(2026, 4, 1, 2, tzinfo=CST))
    batches.insert(rng.randint(1, len(batches)), [wrong])
    with session_factory() as session:
        assert indicators.refresh(session) == 1  # nothing stored yet: a full rebuild (meta)
        session.commit()
        steps = [*batches, "correction"]
        for step in steps:
            if step == "correction":
                _record(session, office, [fixed], supersedes=uuid.UUID(wrong["eventID"]))
            else:
                assert isinstance(step, list)
                _record(session, office, step)
            marks = indicator_months.read_marks(session)
            assert marks, "intake marks the months of its events"
            before = _computed_at(session)
            assert indicators.refresh(session) > 0
            session.commit()
            assert indicator_months.read_marks(session) == {}
            assert _rows(session) == _full_rows(session), step
            reached = set(indicator_months.affected(marks))
            after = _computed_at(session)
            untouched = {k: at for k, at in before.items() if k[1] not in reached and k[1]}
            assert untouched == {k: after[k] for k in untouched}, "only the reached months"
        stored, fresh = indicators.stored(session), indicators.compute(session)
    for kind in ("transits", "green_channel", "dwell"):
        assert getattr(stored, kind).equals(getattr(fresh, kind)), kind
    assert (stored.events, stored.first, stored.last) == (fresh.events, fresh.first, fresh.last)
    for month, start, end in (("2026-02", "CNCFD", "CNTXG"), ("2026-05", "CNTXG", "CNCFD")):
        pairs = stored.transits.filter(month=month, from_port=start, to_port=end)
        assert pairs.get_column("containers").sum() >= 1, month


def test_a_correction_marks_the_month_of_the_event_it_corrects(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    office = ports.people["office"]
    wrong = _event("BHFU1000013", "CNHHA", "DISC", dt.datetime(2026, 3, 31, 22, tzinfo=CST))
    fixed = _event("BHFU1000013", "CNHHA", "DISC", dt.datetime(2026, 6, 1, 2, tzinfo=CST))
    with session_factory() as session:
        _record(session, office, [wrong])
        indicators.refresh(session)
        _record(session, office, [fixed], supersedes=uuid.UUID(wrong["eventID"]))
        assert set(indicator_months.read_marks(session)) == {"2026-03", "2026-06"}


def test_nothing_stale_reads_no_event_and_writes_nothing(
    session_factory: sessionmaker[Session], ports: Ports, engine: Engine
) -> None:
    office = ports.people["office"]
    with session_factory() as session:
        _record(session, office, [_event("BHFU1000013", "CNCFD", "GTOT", START)])
        _record(
            session, office, [_event("BHFU1000013", "CNTXG", "GTIN", START + dt.timedelta(hours=5))]
        )
        indicators.refresh(session)
        session.commit()
        before = _computed_at(session)
        with _statements(engine) as seen:
            assert indicators.refresh(session) == 0
        session.commit()
        assert _computed_at(session) == before
    assert seen and not [s for s in seen if "ports_events" in s], seen


def test_a_month_marked_again_while_the_refresh_ran_stays_marked(
    session_factory: sessionmaker[Session], ports: Ports, engine: Engine
) -> None:
    office = ports.people["office"]
    first = _event("BHFU1000013", "CNCFD", "GTOT", START)
    later = _event("BHFU1000013", "CNTXG", "GTIN", START + dt.timedelta(hours=5))
    with session_factory() as session:
        indicators.refresh(session)
        _record(session, office, [first])
        session.commit()
    fired: list[bool] = []

    def intake_meanwhile(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Another intake commits once the refresh has read the marks and starts on the events.
        if "FROM ports_events" in statement and not fired:
            fired.append(True)
            with session_factory() as other:
                _record(other, office, [later])
                other.commit()

    with session_factory() as session:
        event.listen(engine, "before_cursor_execute", intake_meanwhile)
        try:
            assert indicators.refresh(session) > 0
        finally:
            event.remove(engine, "before_cursor_execute", intake_meanwhile)
        session.commit()
        assert fired
        assert indicator_months.read_marks(session) == {"2026-01": 2}
        indicators.refresh(session)
        session.commit()
        assert indicator_months.read_marks(session) == {}
        assert _rows(session) == _full_rows(session)
        january = indicators.stored(session, month="2026-01").transits
    assert january.select("from_port", "to_port", "containers").rows() == [("CNCFD", "CNTXG", 1)]


def test_every_intake_that_records_events_queues_one_refresh(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    """JSON intake queued no refresh (its months waited for the hourly job); EDIFACT did."""
    from jingjinji.jobs.models import Job

    def queued(session: Session) -> int:
        stmt = select(Job).where(Job.kind == indicators.REFRESH_JOB, Job.status == "queued")
        return len(session.scalars(stmt).all())

    at = START + dt.timedelta(days=3)
    with session_factory() as session:
        _record(session, ports.people["office"], [_event("RFSU1234565", "CNTXG", "DISC", at)])
        session.commit()
        assert queued(session) == 1
        _record(session, ports.people["office"], [_event("RFSU1234565", "CNTXG", "LOAD", at)])
        session.commit()
        assert queued(session) == 1  # still one: the pending refresh covers both
