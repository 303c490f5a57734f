"""The sharing-and-exchange level report of each provincial-level jurisdiction, and the
published datasets per province."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jingjinji.catalog.models import AccessRequest, Dataset
from jingjinji.catalog.schemas import SharingReport
from jingjinji.catalog.service.deadlines import DeadlinePolicy, deadline_policy
from jingjinji.config import Settings
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.timezone import china_date, china_today


@dataclass
class _RequestTally:
    """How one province's owners answered the requests they received."""

    received: int = 0
    decided: int = 0
    within: int = 0
    assessable: int = 0
    overdue: int = 0
    escalated: int = 0
    approved: int = 0
    rejected: int = 0
    working_days: list[float] = field(default_factory=list)
    hours: list[float] = field(default_factory=list)


def _median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 2) if values else None


def _tally(rows: Sequence[Any], policy: DeadlinePolicy, today_: dt.date) -> _RequestTally:
    tally = _RequestTally(received=len(rows))
    calendar = policy.calendar
    for status, submitted_at, due_date, decided_at, escalated_at in rows:
        if escalated_at is not None:
            tally.escalated += 1
        if status == "approved":
            tally.approved += 1
        elif status == "rejected":
            tally.rejected += 1
        if decided_at is not None:
            tally.decided += 1
            tally.assessable += 1
            decided_day = china_date(decided_at)
            if decided_day <= due_date:
                tally.within += 1
            tally.working_days.append(
                calendar.working_days_between(china_date(submitted_at), decided_day)
            )
            tally.hours.append((decided_at - submitted_at).total_seconds() / 3600)
        elif due_date < today_:
            tally.assessable += 1
            tally.overdue += 1
    return tally


def _received(session: Session, province_code: str) -> Sequence[Any]:
    return session.execute(
        select(
            AccessRequest.status,
            AccessRequest.submitted_at,
            AccessRequest.due_date,
            AccessRequest.decided_at,
            AccessRequest.escalated_at,
        )
        .join(Dataset, Dataset.id == AccessRequest.dataset_id)
        .where(Dataset.province_code == province_code)
    ).all()


def _sent(session: Session, province_code: str) -> int:
    org_ids = [o.id for o in regions.list_organisations(session, jurisdiction_code=province_code)]
    if not org_ids:
        return 0
    stmt = select(func.count(AccessRequest.id)).where(
        AccessRequest.requester_organisation_id.in_(org_ids)
    )
    return session.scalar(stmt) or 0


def _class_counts(session: Session, province_code: str) -> dict[str, int]:
    return {
        sharing_class: count
        for sharing_class, count in session.execute(
            select(Dataset.sharing_class, func.count(Dataset.id))
            .where(Dataset.province_code == province_code)
            .group_by(Dataset.sharing_class)
        )
    }


def sharing_report(
    session: Session,
    *,
    jurisdiction_code: str,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> SharingReport:
    """Sharing-and-exchange level of one provincial-level jurisdiction (see docs/catalog.md)."""
    provinces = {j.code: j for j in regions.provinces(session)}
    province = provinces.get(jurisdiction_code)
    if province is None:
        raise InvalidInput(
            msg(
                "{jurisdiction_code} is not a provincial-level jurisdiction of the region",
                jurisdiction_code=repr(jurisdiction_code),
            ),
            errors=[
                field_error(
                    ["query", "jurisdiction"],
                    msg("one of {provinces}", provinces=", ".join(sorted(provinces))),
                )
            ],
        )
    counts = _class_counts(session, province.code)
    open_count = (
        session.scalar(
            select(func.count(Dataset.id)).where(
                Dataset.province_code == province.code, Dataset.open_to_public.is_(True)
            )
        )
        or 0
    )
    tally = _tally(_received(session, province.code), deadline_policy(settings), china_today(now))
    return SharingReport(
        jurisdiction_code=province.code,
        name_zh=province.name_zh,
        name_en=province.name_en,
        datasets_total=sum(counts.values()),
        datasets_unconditional=counts.get("unconditional", 0),
        datasets_conditional=counts.get("conditional", 0),
        datasets_not_shared=counts.get("not_shared", 0),
        datasets_open_to_public=open_count,
        requests_received=tally.received,
        requests_decided=tally.decided,
        requests_approved=tally.approved,
        requests_rejected=tally.rejected,
        requests_assessable=tally.assessable,
        answered_within_deadline=tally.within,
        answered_within_deadline_share=(
            round(tally.within / tally.assessable, 4) if tally.assessable else None
        ),
        median_decision_working_days=_median(tally.working_days),
        median_decision_hours=_median(tally.hours),
        overdue_open=tally.overdue,
        escalated=tally.escalated,
        requests_sent=_sent(session, province.code),
    )


def sharing_reports(
    session: Session, *, settings: Settings | None = None, now: dt.datetime | None = None
) -> list[SharingReport]:
    return [
        sharing_report(session, jurisdiction_code=p.code, settings=settings, now=now)
        for p in regions.provinces(session)
    ]


@dataclass(frozen=True)
class DatasetCounts:
    """Published datasets of one provincial-level jurisdiction, by sharing class."""

    unconditional: int = 0
    conditional: int = 0
    not_shared: int = 0
    open_to_public: int = 0


def dataset_counts_by_province(session: Session) -> dict[str, DatasetCounts]:
    """Published datasets per provincial-level jurisdiction (provinces without any are absent)."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(
            Dataset.province_code,
            Dataset.sharing_class,
            func.count(),
            func.sum(case((Dataset.open_to_public, 1), else_=0)),
        ).group_by(Dataset.province_code, Dataset.sharing_class)
    )
    for province, sharing_class, n, n_open in rows:
        bucket = counts.setdefault(province, {})
        bucket[sharing_class] = int(n)
        bucket["open_to_public"] = bucket.get("open_to_public", 0) + int(n_open or 0)
    return {province: DatasetCounts(**bucket) for province, bucket in counts.items()}
