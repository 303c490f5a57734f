"""Registers the water domain's job: escalation of incident notices past their deadline
(``water.escalate_incidents``, queued at each incident's deadline when it opens, and hourly as a
safety net should a worker have been down then)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.water.service import incidents

jobs.periodic(incidents.ESCALATE_JOB, every=dt.timedelta(hours=1))


@jobs.handler(incidents.ESCALATE_JOB)
def escalate_incidents(session: Session, payload: dict[str, Any]) -> None:
    incidents.escalate_overdue(session, now=utcnow())
