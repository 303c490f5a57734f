"""Who hears of a consultation: the environment agency of each consulted jurisdiction when it
opens, and those still silent a few hours before it closes (a periodic job)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.warnings.consultation import consultation_state
from jingjinji.warnings.models import PollutionWarning

REMINDER_JOB = "warnings.remind_consultations"
# Silent agencies are reminded when the consultation closes within this time.
REMIND_BEFORE = dt.timedelta(hours=6)


def _agencies(session: Session, jurisdictions: Iterable[str]) -> Audience:
    """The environment agencies (their stewards) of these jurisdictions."""
    found = (
        regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        for code in jurisdictions
    )
    return Audience(organisation_ids=tuple(org.id for org in found if org is not None))


def consultation_opened(session: Session, *, actor: Actor, warning: PollutionWarning) -> None:
    notifications.notify(
        session,
        kind=Kind.CONSULTATION_OPENED,
        audience=_agencies(session, warning.jurisdictions),
        params={
            "warning": warning.id,
            "deadline": warning.deadline.isoformat() if warning.deadline else None,
        },
        link=f"/warnings/{warning.id}",
        actor=actor,
    )


def remind_consultations(session: Session, *, now: dt.datetime | None = None) -> int:
    """Remind the agencies that have not answered a consultation closing within
    ``REMIND_BEFORE``, once per consultation and person; returns how many were made."""
    now = now or utcnow()
    closing = session.scalars(
        select(PollutionWarning)
        .where(
            PollutionWarning.status == "consultation",
            PollutionWarning.deadline > now,
            PollutionWarning.deadline <= now + REMIND_BEFORE,
        )
        .order_by(PollutionWarning.id)
    ).all()
    made = 0
    for warning in closing:
        assert warning.deadline is not None  # selected on it
        silent = consultation_state(session, warning, now=now).missing
        made += len(
            notifications.notify(
                session,
                kind=Kind.DEADLINE_APPROACHING,
                audience=_agencies(session, silent),
                params={
                    "subject": "consultation",
                    "warning": warning.id,
                    "deadline": warning.deadline.isoformat(),
                },
                link=f"/warnings/{warning.id}",
                dedupe_key=f"deadline:consultation:{warning.id}:{warning.deadline.isoformat()}",
            )
        )
    return made


jobs.periodic(REMINDER_JOB, every=dt.timedelta(minutes=15))


@jobs.handler(REMINDER_JOB)
def _remind_job(session: Session, payload: dict[str, Any]) -> None:
    remind_consultations(session)
