"""Imported in every process (web and worker, ``jobs.registry``): registers the catalog record
source of the water datasets (``flows.datasets``) and the escalation of incident notices past
their deadline (``water.escalate_incidents``: queued at each incident's deadline when it
opens, and hourly as a safety net should no worker have run then). The yearly indicator
publication (``flows.publish_indicators``) needs an acting office administrator, so it is called
by the demo and by people, not by a periodic job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.water import flows
from jingjinji.water.service import incidents

jobs.periodic(incidents.ESCALATE_JOB, every=dt.timedelta(hours=1))


@jobs.handler(incidents.ESCALATE_JOB)
def escalate_incidents(session: Session, payload: dict[str, Any]) -> None:
    incidents.escalate_overdue(session, now=utcnow())


__all__ = ["escalate_incidents", "flows"]
