"""Page: the audit trail for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jingjinji.audit import service
from jingjinji.db import DbId
from jingjinji.deps import DbSession, RequiredActor
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
    trail = service.trail_page(
        session,
        actor=actor,
        before=before,
        outcome=outcome or None,
        action=action or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "audit/trail.html",
        {
            "entries": trail.entries,
            "older": trail.older,
            "report": trail.report,
            "outcome": outcome or "",
            "action": action or "",
        },
    )
