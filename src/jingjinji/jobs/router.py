"""API: background jobs for administrators (failed and dead ones can be retried)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.jobs import service
from jingjinji.pagination import Page, check_limit, decode_id_cursor, encode_cursor
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


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: DbSession,
    actor: RequiredActor,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[JobOut]:
    """Newest first; ``next_cursor`` pages to older jobs."""
    ensure_role(session, actor, Role.OFFICE_ADMIN, action="jobs.read", object_type="job")
    check_limit(limit)
    rows = service.list_jobs(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [JobOut.model_validate(j) for j in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


@router.post("/{job_id}/retry", response_model=JobOut)
def retry_job(session: DbSession, actor: RequiredActor, job_id: DbId) -> JobOut:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="jobs.retry",
        object_type="job",
        object_id=str(job_id),
    )
    return JobOut.model_validate(service.retry(session, actor=actor, job_id=job_id))
