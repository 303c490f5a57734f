"""Test-only job kinds with a database effect, for in-process tests and real ``jjj worker``
processes alike (the worker imports this module when ``JJJ_EXTRA_JOB_MODULES`` names it).

``tests.recorded_effect`` appends an audit entry (action ``test.job_effect``, object id the
payload's ``tag``, detail the worker's pid) in the job's transaction, so counting entries counts
the effects that committed. With ``hold_file`` in the payload it then drops a marker
``<started_dir>/<pid>`` and waits (at most ``HOLD_LIMIT_SECONDS``) while the hold file exists,
keeping its transaction open: the moment to kill its worker.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditEntry
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR

EFFECT_JOB = "tests.recorded_effect"
EFFECT_ACTION = "test.job_effect"
MODULE = __name__
HOLD_LIMIT_SECONDS = 90.0


@jobs.handler(EFFECT_JOB)
def record_effect(session: Session, payload: dict[str, Any]) -> None:
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action=EFFECT_ACTION,
        object_type="test",
        object_id=str(payload["tag"]),
        detail={"pid": os.getpid()},
    )
    session.flush()
    hold = payload.get("hold_file")
    if hold is None:
        return
    (Path(str(payload["started_dir"])) / str(os.getpid())).touch()
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while Path(str(hold)).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def effects(session: Session, tag: str) -> list[dict[str, Any]]:
    """The committed effects of jobs with ``tag``: each one's audit detail."""
    rows = session.scalars(
        select(AuditEntry.detail_json).where(
            AuditEntry.action == EFFECT_ACTION, AuditEntry.object_id == tag
        )
    ).all()
    return [json.loads(row) for row in rows]
