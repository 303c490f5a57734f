"""Who hears of an access request: the owner's deciders of a new one (its stewards and its
province's administrator), the requester of the decision, the coordination office of an
escalation, and the deciders again the day before the deadline (a periodic job)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.catalog.models import AccessRequest, Dataset
from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.security import Actor
from jingjinji.timezone import china_date

REMINDER_JOB = "catalog.remind_deadlines"
# Deciders are reminded of a pending request on the day before its deadline and on the day.
REMIND_DAYS_BEFORE = 1


def _dataset(dataset: Dataset) -> dict[str, Any]:
    return {
        "dataset": dataset.code,
        "dataset_title_zh": dataset.title_zh,
        "dataset_title_en": dataset.title_en,
    }


def _deciders(dataset: Dataset) -> Audience:
    return Audience(
        organisation_ids=(dataset.owner_organisation_id,),
        province_admins=(dataset.jurisdiction_code,),
    )


def access_requested(session: Session, *, actor: Actor, request: AccessRequest) -> None:
    notifications.notify(
        session,
        kind=Kind.ACCESS_REQUESTED,
        audience=_deciders(request.dataset),
        params={
            **_dataset(request.dataset),
            "requested_by": request.requested_by,
            "fields": list(request.fields),
            "due": request.due_date.isoformat(),
        },
        link="/access-requests",
        actor=actor,
    )


def access_decided(
    session: Session,
    *,
    actor: Actor,
    request: AccessRequest,
    fields: list[str] | None = None,
    period_end: dt.date | None = None,
) -> None:
    """The requester hears of the decision (what was granted, or why not)."""
    notifications.notify(
        session,
        kind=Kind.ACCESS_DECIDED,
        audience=Audience(usernames=(request.requested_by,)),
        params={
            **_dataset(request.dataset),
            "decision": request.status,
            "fields": list(fields or []),
            "period_end": (period_end or request.period_end).isoformat(),
            "reason": request.decision_reason or "",
        },
        link=f"/catalog/{request.dataset.code}",
        actor=actor,
    )


def access_escalated(session: Session, *, request: AccessRequest) -> None:
    notifications.notify(
        session,
        kind=Kind.ACCESS_ESCALATED,
        audience=Audience(office=True),
        params={**_dataset(request.dataset), "due": request.due_date.isoformat()},
        link="/access-requests",
    )


def remind_deadlines(session: Session, *, now: dt.datetime | None = None) -> int:
    """Remind the deciders of every pending request due today or tomorrow (Beijing), once per
    request and person; returns how many notifications were made."""
    today = china_date(now or utcnow())
    due = session.scalars(
        select(AccessRequest)
        .where(
            AccessRequest.status == "pending",
            AccessRequest.due_date >= today,
            AccessRequest.due_date <= today + dt.timedelta(days=REMIND_DAYS_BEFORE),
        )
        .order_by(AccessRequest.id)
    ).all()
    made = 0
    for request in due:
        made += len(
            notifications.notify(
                session,
                kind=Kind.DEADLINE_APPROACHING,
                audience=_deciders(request.dataset),
                params={
                    **_dataset(request.dataset),
                    "subject": "access_request",
                    "requested_by": request.requested_by,
                    "due": request.due_date.isoformat(),
                },
                link="/access-requests",
                dedupe_key=f"deadline:access_request:{request.id}",
            )
        )
    return made


jobs.periodic(REMINDER_JOB, every=dt.timedelta(hours=1))


@jobs.handler(REMINDER_JOB)
def _remind_job(session: Session, payload: dict[str, Any]) -> None:
    remind_deadlines(session)
