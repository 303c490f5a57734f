"""API: background jobs for administrators (failed and dead ones can be retried)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.jobs import service
from jingjinji.security import Role, ensure_role

router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    run_after: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


@router.get("", response_model=list[JobOut])
def list_jobs(
    session: DbSession, actor: RequiredActor, status: str | None = None, limit: int = 100
) -> list[JobOut]:
    ensure_role(session, actor, Role.OFFICE_ADMIN, action="jobs.read", object_type="job")
    return [
        JobOut.model_validate(j)
        for j in service.list_jobs(session, status=status, limit=min(limit, 1000))
    ]


@router.post("/{job_id}/retry", response_model=JobOut)
def retry_job(session: DbSession, actor: RequiredActor, job_id: int) -> JobOut:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="jobs.retry",
        object_type="job",
        object_id=str(job_id),
    )
    return JobOut.model_validate(service.retry(session, actor=actor, job_id=job_id))
