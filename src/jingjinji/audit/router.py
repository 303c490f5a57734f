"""API: the audit trail (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jingjinji.audit import service
from jingjinji.audit.schemas import AuditEntryOut, ChainReport
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.pagination import Page, check_limit, decode_id_cursor, encode_cursor
from jingjinji.security import Actor, Role, ensure_role

router = APIRouter(prefix="/audit", tags=["audit"])


def _scope(session: DbSession, actor: Actor) -> str | None:
    """Office administrators see everything; a jurisdiction administrator their province."""
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        Role.JURISDICTION_ADMIN,
        action="audit.read",
        object_type="audit_entry",
    )
    return None if actor.is_office_admin else (actor.province_code or "-")


@router.get("/entries", response_model=Page[AuditEntryOut])
def list_entries(
    session: DbSession,
    actor: RequiredActor,
    action: str | None = None,
    actor_username: Annotated[str | None, Query(alias="actor")] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|denied)$")] = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[AuditEntryOut]:
    check_limit(limit)
    scope = _scope(session, actor)
    after = decode_id_cursor(cursor)
    rows = service.list_entries(
        session,
        after_seq=after,
        limit=limit + 1,
        action=action,
        actor_username=actor_username,
        province_code=scope,
        outcome=outcome,
    )
    items = [service.to_out(r) for r in rows[:limit]]
    return Page(
        items=items, next_cursor=encode_cursor(items[-1].seq) if len(rows) > limit else None
    )


@router.get("/verify", response_model=ChainReport)
def verify(session: DbSession, actor: RequiredActor) -> ChainReport:
    ensure_role(session, actor, Role.OFFICE_ADMIN, action="audit.verify", object_type="audit_entry")
    return service.verify(session)
