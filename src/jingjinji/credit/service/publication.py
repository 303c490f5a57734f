"""Publication of licences and penalties: publishing, the queue, timeliness, withdrawal.

- A licence or penalty is due within 7 working days of its decision on China's official
  calendar, adjusted working weekends included (``records.PUBLICATION_WORKING_DAYS``); it is
  late when it is published (in China dates) after that deadline.
- The queue lists pending records the reader may publish with the working days left
  (negative: overdue).
- Timeliness per agency: the share of its published licences and penalties published within
  the deadline, its late and overdue counts.
- The periodic job ``credit.withdraw_expired`` withdraws records whose publicity period is over
  (status withdrawn, reason ``period_over``; kept for staff), one audit entry per run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import CreditRecord, RecordStatus
from jingjinji.credit.schemas.records import (
    DOUBLE_PUBLICITY,
    AgencyTimelinessOut,
    QueueItemOut,
)
from jingjinji.credit.service import records
from jingjinji.db import utcnow
from jingjinji.errors import Conflict
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, Role, deny, require_actor
from jingjinji.timezone import china_today
from jingjinji.workdays import WorkCalendar

WITHDRAW_JOB = "credit.withdraw_expired"


def publish_record(
    session: Session, *, actor: Actor | None, record_id: int, now: dt.datetime | None = None
) -> CreditRecord:
    """Publish a pending record (audited; 404 if there is none, 403 for one the actor may not
    write, 409 if it is not pending: each refusal audited too). ``now`` is the moment of
    publication (the demo replays past ones); it defaults to the present."""
    writer = require_actor(actor)
    record = records.record_to_write(
        session, actor=writer, record_id=record_id, action="credit.record.publish"
    )
    org = regions.get_organisation(session, organisation_id=record.source_organisation_id)
    records.ensure_writer(
        session, actor=writer, org=org, action="credit.record.publish", object_id=str(record_id)
    )
    if record.status != RecordStatus.PENDING.value:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "record {record_id} is {record_status}; only a pending record is published",
                    record_id=record_id,
                    record_status=record.status,
                )
            ),
            actor=writer,
            action="credit.record.publish",
            object_type="credit_record",
            object_id=record_id,
        )
    records.mark_published(record, now=now or utcnow())
    audit.record(
        session,
        actor=writer,
        action="credit.record.publish",
        object_type="credit_record",
        object_id=record_id,
        jurisdiction_code=record.jurisdiction_code,
        detail={
            "deadline": record.publication_deadline.isoformat()
            if record.publication_deadline
            else None,
            "late": record.published_late,
            "publicity_end": record.publicity_end.isoformat() if record.publicity_end else None,
        },
    )
    session.flush()
    records.recompute(session, [record.subject_id])
    return record


def working_days_left(cal: WorkCalendar, *, deadline: dt.date, today: dt.date) -> int:
    """Working days from today to the deadline; negative: working days past it."""
    if deadline >= today:
        return cal.working_days_between(today, deadline)
    return -cal.working_days_between(deadline, today)


def _writable(actor: Actor) -> ColumnElement[bool]:
    if actor.is_office_admin:
        return true()
    if actor.role is Role.JURISDICTION_ADMIN and actor.province_code:
        return records.province_clause(CreditRecord.jurisdiction_code, actor.province_code)
    if actor.role is Role.STEWARD and actor.organisation_id is not None:
        return CreditRecord.source_organisation_id == actor.organisation_id
    return false()


def publication_queue(
    session: Session, *, actor: Actor | None, today: dt.date | None = None, limit: int = 200
) -> list[QueueItemOut]:
    """Pending records the reader may publish, earliest deadline first."""
    reader = require_actor(actor)
    day = today or china_today()
    cal = records.calendar()
    stmt = (
        select(CreditRecord)
        .where(CreditRecord.status == RecordStatus.PENDING.value, _writable(reader))
        .order_by(CreditRecord.publication_deadline, CreditRecord.id)
        .limit(limit)
    )
    rows = list(session.scalars(stmt))
    shaped = records.records_out(session, actor=reader, records=rows)
    out = []
    for row, shown in zip(rows, shaped, strict=True):
        deadline = row.publication_deadline or row.decision_date
        left = working_days_left(cal, deadline=deadline, today=day)
        out.append(QueueItemOut(record=shown, working_days_left=left, overdue=day > deadline))
    return out


#: The overdue records of an agency the timeliness rows name (to those who may publish them).
OVERDUE_LISTED = 20


def timeliness(
    session: Session, *, actor: Actor | None, today: dt.date | None = None
) -> list[AgencyTimelinessOut]:
    """Per agency: licences and penalties published, on time, late; pending and overdue."""
    reader = require_actor(actor)
    if not policy.is_agency_staff(reader):
        raise deny(
            session,
            reader,
            action="credit.timeliness.read",
            object_type="credit_record",
            object_id=None,
            jurisdiction_code=None,
            reason=msg("publication timeliness is for agency staff"),
        )
    day = today or china_today()
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.source_organisation_id,
            CreditRecord.status,
            CreditRecord.published_late,
            CreditRecord.publication_deadline,
        ).where(
            CreditRecord.kind.in_(DOUBLE_PUBLICITY),
            or_(
                CreditRecord.status == RecordStatus.PENDING.value,
                CreditRecord.published_at.is_not(None),
            ),
        )
    ).all()
    counts: dict[int, Counter[str]] = {}
    overdue: dict[int, list[int]] = {}
    for record_id, org_id, status, late, deadline in rows:
        c = counts.setdefault(org_id, Counter())
        if status == RecordStatus.PENDING.value:
            c["pending"] += 1
            if deadline is not None and day > deadline:
                c["pending_overdue"] += 1
                overdue.setdefault(org_id, []).append(record_id)
        else:
            c["published"] += 1
            c["late" if late else "on_time"] += 1
    orgs = regions.organisations_by_id(session, ids=set(counts))
    out = []
    for org_id, c in sorted(counts.items()):
        org = orgs[org_id]
        out.append(
            AgencyTimelinessOut(
                organisation_id=org_id,
                agency=org.name_zh,
                jurisdiction_code=org.jurisdiction_code,
                published=c["published"],
                on_time=c["on_time"],
                late=c["late"],
                pending=c["pending"],
                pending_overdue=c["pending_overdue"],
                share_on_time=round(c["on_time"] / c["published"], 4) if c["published"] else None,
                overdue_record_ids=sorted(overdue.get(org_id, []))[:OVERDUE_LISTED]
                if policy.may_write_record(
                    reader, source_organisation_id=org_id, jurisdiction_code=org.jurisdiction_code
                )
                else [],
            )
        )
    return out


def withdraw_expired(session: Session, *, today: dt.date | None = None) -> int:
    """Withdraw published records whose publicity ended (``publicity_end`` <= today): one
    audit entry with the count when any was withdrawn. Returns the count."""
    day = today or china_today()
    due = list(
        session.scalars(
            select(CreditRecord).where(
                CreditRecord.status == RecordStatus.PUBLISHED.value,
                CreditRecord.publicity_end.is_not(None),
                CreditRecord.publicity_end <= day,
            )
        )
    )
    if not due:
        return 0
    now = utcnow()
    for record in due:
        record.status = RecordStatus.WITHDRAWN.value
        record.withdrawn_at = now
        record.withdrawn_reason = "period_over"
        record.updated_at = now
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="credit.record.withdraw_expired",
        object_type="credit_record",
        detail={
            "count": len(due),
            "as_of": day.isoformat(),
            "record_ids": [r.id for r in due][:100],
        },
    )
    session.flush()
    records.recompute(session, [r.subject_id for r in due])
    return len(due)
