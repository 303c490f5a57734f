"""Imported in every process (web and worker, ``jobs.registry``): registers the catalog record
source of the sources datasets (``flows.datasets``) and the detection jobs. The monthly
indicator publication (``flows.publish_indicators``) needs an acting office administrator, so it
is called by the demo and by people, not by a periodic job.

``sources.detect_exceedances`` (payload ``{"batch_id": id}``) is queued by the loader in the
transaction that stores each batch; ``sources.detect_silent`` runs every minute (a logger is
silent after ``JJJ_SOURCES_SILENT_INTERVALS`` real-time intervals, one minute by default, so a
coarser schedule would only report it later)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.sources import flows
from jingjinji.sources.service import exceedances

jobs.periodic(exceedances.SILENT_JOB, every=dt.timedelta(minutes=1))


@jobs.handler(exceedances.DETECT_JOB)
def detect_exceedances(session: Session, payload: dict[str, Any]) -> None:
    batch_id = payload.get("batch_id")
    if not isinstance(batch_id, int) or isinstance(batch_id, bool):
        raise InvalidInput(
            msg(
                "{detect_job} needs an integer batch_id, got {batch_id}",
                detect_job=exceedances.DETECT_JOB,
                batch_id=repr(batch_id),
            ),
            errors=[field_error(["payload", "batch_id"], msg("an integer batch id"))],
        )
    exceedances.detect_for_batch(session, batch_id=batch_id)


@jobs.handler(exceedances.SILENT_JOB)
def detect_silent(session: Session, payload: dict[str, Any]) -> None:
    exceedances.detect_silent(session, now=utcnow())


__all__ = ["detect_exceedances", "detect_silent", "flows"]
