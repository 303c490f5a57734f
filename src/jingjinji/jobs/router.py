"""API: background jobs for administrators (failed and dead ones can be retried)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.inputs import Cursor
from jingjinji.jobs import service
from jingjinji.jobs.schemas import JobOut
from jingjinji.pagination import Page

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: DbSession,
    actor: RequiredActor,
    status: str | None = None,
    cursor: Cursor | None = None,
    limit: int = 100,
) -> Page[JobOut]:
    """Newest first; ``next_cursor`` pages to older jobs."""
    page = service.list_jobs(session, actor=actor, status=status, cursor=cursor, limit=limit)
    return Page(
        items=[JobOut.model_validate(job) for job in page.items], next_cursor=page.next_cursor
    )


@router.post("/{job_id}/retry", response_model=JobOut)
def retry_job(session: DbSession, actor: RequiredActor, job_id: DbId) -> JobOut:
    return JobOut.model_validate(service.retry(session, actor=actor, job_id=job_id))
