"""Detection through the service on both backends: hourly and daily limits, the corrected
flue-gas value, invalid-flag runs, silent loggers, runs across batches, idempotency, the job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.jobs import service as jobs
from jingjinji.sources.models import DataCommand, Exceedance, Logger
from jingjinji.sources.service import exceedances
from jingjinji.warnings.webhooks import known_event_types
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import Stored, hour, hourly, store

COD = "w01018"  # HE-A wastewater: hourly limit 50 mg/L, daily 40
SO2 = "a21026"  # HE-A flue gas: hourly limit 35 mg/m3, daily 30


def detect(session_factory: sessionmaker[Session], batch_id: int) -> list[Exceedance]:
    with session_factory() as session:
        opened = exceedances.detect_for_batch(session, batch_id=batch_id)
        session.commit()
        for e in opened:
            session.refresh(e)
        session.expunge_all()
    return opened


def events(session_factory: sessionmaker[Session]) -> list[Exceedance]:
    with session_factory() as session:
        rows = list(session.scalars(select(Exceedance).order_by(Exceedance.id)))
        session.expunge_all()
    return rows


def test_an_hourly_run_with_its_worst_value_and_end(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    logger = registry.loggers["HE-A-W-001"]
    values = [
        *hourly(COD, [40.0, 60.0, 70.0]),
        Stored(hour(3), COD, 99.0, "D"),  # a fault value is no exceedance and ends nothing
        Stored(hour(4), COD, 50.0),  # equal to the limit: the run ends here
        *hourly("w21003", [3.0, 4.0, 5.0, 4.0, 3.0]),  # NH3-N never above 5
    ]
    (event,) = detect(session_factory, store(session_factory, logger, values))
    assert (event.kind, event.factor, event.status) == ("hourly_limit", COD, "open")
    assert (event.started_at, event.ended_at) == (hour(1), hour(4))
    assert (event.value, event.limit) == (70.0, 50.0)
    assert event.enterprise_id == registry.enterprises["HE-A"]
    assert event.jurisdiction_code == "130000"


def test_a_run_goes_on_across_batches_and_detection_is_idempotent(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    logger = registry.loggers["HE-A-W-001"]
    first = store(session_factory, logger, hourly(COD, [40.0, 60.0, 70.0]))
    (opened,) = detect(session_factory, first)
    assert opened.ended_at is None and opened.value == 70.0
    assert detect(session_factory, first) == []  # twice: nothing new
    second = store(session_factory, logger, hourly(COD, [80.0, 30.0], start=3))
    assert detect(session_factory, second) == []  # the same event, extended
    (event,) = events(session_factory)
    assert (event.id, event.value, event.ended_at) == (opened.id, 80.0, hour(4))
    third = store(session_factory, logger, hourly(COD, [55.0], start=6))
    (again,) = detect(session_factory, third)
    assert again.started_at == hour(6) and again.id != opened.id


def test_flue_gas_compares_the_corrected_value(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    logger = registry.loggers["HE-A-G-001"]
    values = [
        Stored(hour(0), SO2, 30.0, zs_avg=40.0),  # corrected above 35: exceeds
        Stored(hour(1), SO2, 40.0, zs_avg=30.0),  # measured above, corrected under: ends
        Stored(hour(2), SO2, 40.0),  # no corrected value sent: the measured one
    ]
    first, second = sorted(
        detect(session_factory, store(session_factory, logger, values)), key=lambda e: e.started_at
    )
    assert (first.started_at, first.ended_at, first.value) == (hour(0), hour(1), 40.0)
    assert (second.started_at, second.ended_at, second.value) == (hour(2), None, 40.0)


def test_daily_values_against_the_daily_limit(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    logger = registry.loggers["BJ-A-W-001"]  # COD daily limit 20
    day = dt.timedelta(days=1)
    values = [Stored(hour(0), COD, 20.0), Stored(hour(0) + day, COD, 25.0)]
    (event,) = detect(session_factory, store(session_factory, logger, values, cn=DataCommand.DAILY))
    assert (event.kind, event.started_at, event.value, event.limit) == (
        "daily_limit",
        hour(0) + day,
        25.0,
        20.0,
    )
    assert event.jurisdiction_code == "110000"


def test_a_run_of_invalid_flags_longer_than_the_limit(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    logger = registry.loggers["TJ-A-G-001"]  # SO2, invalid_run_limit 6 (the default)
    six = store(session_factory, logger, hourly(SO2, [1.0] * 6, flag="M"))
    assert detect(session_factory, six) == []  # six values: not longer than the limit
    seventh = store(session_factory, logger, [Stored(hour(6), SO2, 1.0, "D")])
    (event,) = detect(session_factory, seventh)  # the run began in the earlier batch
    assert (event.kind, event.started_at, event.value) == ("invalid_flags", hour(0), 7.0)
    assert event.detail["flags"] == ["D", "M"]
    back = store(session_factory, logger, [Stored(hour(7), SO2, 1.0, "N")])
    assert detect(session_factory, back) == []
    assert events(session_factory)[0].ended_at == hour(7)


def test_silent_loggers_open_once_and_end_when_heard_again(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    bj, tj = registry.loggers["BJ-A-W-001"], registry.loggers["TJ-A-G-001"]
    with session_factory() as session:
        for lg in session.scalars(select(Logger)):
            lg.last_seen_at = now - dt.timedelta(minutes=2)  # within 3 x 60 s: not silent
            if lg.id == bj:
                lg.last_seen_at = now - dt.timedelta(minutes=10)
            if lg.id == tj:
                lg.last_seen_at = None  # never heard
                registered = lg.registered_at
        session.commit()
    with session_factory() as session:
        opened = exceedances.detect_silent(session, now=now)
        assert {(e.kind, e.factor, e.logger_id, e.started_at) for e in opened} == {
            ("silent", "", bj, now - dt.timedelta(minutes=10)),
            ("silent", "", tj, registered),  # silent since its registration
        }
        session.commit()
    with session_factory() as session:
        assert exceedances.detect_silent(session, now=now + dt.timedelta(seconds=30)) == []
        session.commit()
    store(session_factory, bj, [Stored(hour(0), COD, 10.0)], received_at=now)
    with session_factory() as session:
        assert exceedances.detect_silent(session, now=now + dt.timedelta(seconds=40)) == []
        session.commit()
    ended = {e.logger_id: e.ended_at for e in events(session_factory)}
    assert ended == {bj: now, tj: None}


def test_the_job_runs_the_detection_of_a_batch(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    batch_id = store(session_factory, registry.loggers["HE-A-W-001"], hourly(COD, [51.0]))
    with session_factory() as session:
        jobs.enqueue(session, kind=exceedances.DETECT_JOB, payload={"batch_id": batch_id})
        session.commit()
    assert jobs.run_pending(session_factory) >= 1
    assert [e.value for e in events(session_factory)] == [51.0]
    # Subscribers may name the opening as a webhook event type.
    assert exceedances.OPENED in known_event_types()
