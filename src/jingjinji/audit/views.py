"""Page: the audit trail for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jingjinji.audit import service
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
from jingjinji.security import Role, ensure_role
from jingjinji.web import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    before: DbId | None = None,
    outcome: str | None = None,
    action: str | None = None,
) -> HTMLResponse:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        Role.JURISDICTION_ADMIN,
        action="audit.read",
        object_type="audit_entry",
    )
    scope = None if actor.is_office_admin else (actor.province_code or "-")
    rows = service.list_entries(
        session,
        after_seq=before,
        limit=PAGE_SIZE + 1,
        newest_first=True,
        province_code=scope,
        outcome=outcome or None,
        action=action or None,
    )
    entries = [service.to_out(r) for r in rows[:PAGE_SIZE]]
    older = entries[-1].seq if len(rows) > PAGE_SIZE else None
    report = service.verify(session) if actor.is_office_admin else None
    return render(
        request,
        "audit/trail.html",
        {
            "entries": entries,
            "older": older,
            "report": report,
            "outcome": outcome or "",
            "action": action or "",
        },
    )
