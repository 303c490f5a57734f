"""API: the audit trail (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jingjinji.audit import service
from jingjinji.audit.schemas import AuditEntryOut, ChainReport
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.inputs import Cursor
from jingjinji.pagination import Page

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/entries", response_model=Page[AuditEntryOut])
def list_entries(
    session: DbSession,
    actor: RequiredActor,
    action: str | None = None,
    actor_username: Annotated[str | None, Query(alias="actor")] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|denied)$")] = None,
    cursor: Cursor | None = None,
    limit: int = 100,
) -> Page[AuditEntryOut]:
    """Office administrators see everything; a jurisdiction administrator their province."""
    page = service.entry_page(
        session,
        actor=actor,
        action=action,
        actor_username=actor_username,
        outcome=outcome,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=page.items, next_cursor=page.next_cursor)


@router.get("/verify", response_model=ChainReport)
def verify(session: DbSession, actor: RequiredActor) -> ChainReport:
    return service.checked_chain(session, actor=actor)
