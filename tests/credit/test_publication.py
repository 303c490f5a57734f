"""Publication: deadlines on the official calendar, lateness in China dates, the queue,
timeliness per agency and the withdrawal of records whose publicity is over."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit import jobs_handlers
from jingjinji.credit.service import publication, records
from jingjinji.jobs.kinds import handler_for
from jingjinji.workdays import official_calendar
from tests.conftest import People
from tests.credit.records_support import audit_count, china_noon, record_in


def test_spring_festival_2026_deadline_and_lateness(session: Session, people: People) -> None:
    actor = people["bj-samr"]
    # Decided Friday 2026-02-13: Saturday 02-14 is a working day, 02-15..02-23 the holiday,
    # then 02-24..02-27, Saturday 02-28 (working) and Monday 03-02 is the 7th working day.
    late = records.create_record(
        session, actor=actor, data=record_in(decision_date="2026-02-13", document_number="A-1")
    )
    on_time = records.create_record(
        session, actor=actor, data=record_in(decision_date="2026-02-13", document_number="A-2")
    )
    edge = records.create_record(
        session, actor=actor, data=record_in(decision_date="2026-02-11", document_number="A-3")
    )
    assert late.publication_deadline == dt.date(2026, 3, 2)
    assert edge.publication_deadline == dt.date(2026, 2, 27)
    # 7 calendar-but-not-working days (02-16..02-23 in the holiday) do not make it late.
    publication.publish_record(
        session, actor=actor, record_id=on_time.id, now=china_noon("2026-02-26")
    )
    publication.publish_record(
        session, actor=actor, record_id=late.id, now=china_noon("2026-03-03")
    )
    # 16:30 UTC on 02-27 is already 02-28 in Beijing: one day late.
    publication.publish_record(
        session,
        actor=actor,
        record_id=edge.id,
        now=dt.datetime(2026, 2, 27, 16, 30, tzinfo=dt.UTC),
    )
    session.commit()
    assert (on_time.published_late, late.published_late, edge.published_late) == (
        False,
        True,
        True,
    )
    assert on_time.publicity_start == dt.date(2026, 2, 13)
    assert on_time.publicity_rules == "2023"
    assert on_time.publicity_end is not None and on_time.publicity_end > dt.date(2026, 5, 13)
    report = publication.timeliness(session, actor=people["tj-samr"])
    (row,) = report
    assert (row.published, row.on_time, row.late, row.share_on_time) == (3, 1, 2, 0.3333)
    assert audit_count(session, "credit.record.publish") == 3


def test_queue_counts_working_days(session: Session, people: People) -> None:
    record = records.create_record(session, actor=people["he-samr"], data=record_in())
    session.commit()
    queue = publication.publication_queue(
        session, actor=people["he-samr"], today=dt.date(2026, 11, 6)
    )
    assert [q.record.id for q in queue] == [record.id]
    assert queue[0].working_days_left == 3 and not queue[0].overdue  # 11-09, 11-10, 11-11
    overdue = publication.publication_queue(
        session, actor=people["he-samr"], today=dt.date(2026, 11, 16)
    )
    assert overdue[0].overdue and overdue[0].working_days_left == -3  # 11-12, 11-13, 11-16
    assert publication.publication_queue(session, actor=people["bj-samr"]) == []
    assert len(publication.publication_queue(session, actor=people["he-admin"])) == 1
    assert (
        publication.working_days_left(
            official_calendar(), deadline=dt.date(2026, 3, 2), today=dt.date(2026, 2, 13)
        )
        == 7
    )


def test_withdrawal_job_after_publicity(session: Session, people: People) -> None:
    old = records.create_record(
        session,
        actor=people["bj-samr"],
        data=record_in(decision_date="2024-01-10", document_number="OLD-1", publish=True),
    )
    fresh = records.create_record(
        session, actor=people["bj-samr"], data=record_in(document_number="NEW-1", publish=True)
    )
    session.commit()
    assert old.publicity_end is not None
    assert (
        publication.withdraw_expired(session, today=old.publicity_end - dt.timedelta(days=1)) == 0
    )
    assert handler_for(publication.WITHDRAW_JOB) is jobs_handlers.withdraw_expired
    jobs_handlers.withdraw_expired(session, {"as_of": old.publicity_end.isoformat()})
    session.commit()
    assert (old.status, old.withdrawn_reason) == ("withdrawn", "period_over")
    assert fresh.status == "published"
    assert audit_count(session, "credit.record.withdraw_expired") == 1
    assert publication.withdraw_expired(session, today=old.publicity_end) == 0
    # Withdrawn records stay visible to the agency, not to the public.
    assert records.get_record(session, actor=people["bj-samr"], record_id=old.id)
    assert records.public_records(
        session, subject_id=old.subject_id, today=dt.date(2026, 12, 1)
    ) == [fresh]


def test_api_queue_and_timeliness(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "tj-samr")
    body = record_in(document_number="津-1").model_dump(mode="json", exclude_none=True)
    assert client.post("/api/v1/credit/records", json=body, headers=headers).status_code == 201
    queue = client.get("/api/v1/credit/publication/queue", headers=headers).json()
    assert len(queue) == 1 and queue[0]["overdue"] is True
    report = client.get("/api/v1/credit/publication/timeliness", headers=headers).json()
    assert report[0]["pending_overdue"] == 1 and report[0]["share_on_time"] is None
    assert client.get("/api/v1/credit/publication/queue").status_code == 401
