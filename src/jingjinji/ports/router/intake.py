"""``POST /api/v1/ports/events``: one DCSA 2.2 event object or a JSON array of them, written by
a terminal (events at its own UN/LOCODE) or a carrier (its shipment events)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.ports import service
from jingjinji.ports.schemas.api import IntakeItem, IntakeOut

router = APIRouter()


@router.post("/events", response_model=IntakeOut, status_code=status.HTTP_201_CREATED)
def post_events(
    session: DbSession,
    actor: RequiredActor,
    response: Response,
    body: Annotated[dict[str, Any] | list[Any], Body()],
    supersedes: Annotated[uuid.UUID | None, Query()] = None,
) -> IntakeOut:
    events, payloads = service.parse_events(body)
    result = service.record_events(
        session, actor=actor, events=events, payloads=payloads, supersedes=supersedes
    )
    recorded = sum(result.recorded)
    if not recorded:
        # Everything was there already (a retry): nothing was created.
        response.status_code = status.HTTP_200_OK
    return IntakeOut(
        recorded=recorded,
        duplicates=len(result.recorded) - recorded,
        items=[
            IntakeItem(
                position=i,
                eventID=event_id,
                status="recorded" if new else "duplicate",
                warnings=warnings,
            )
            for i, (event_id, new, warnings) in enumerate(
                zip(result.event_ids, result.recorded, result.warnings, strict=True)
            )
        ],
    )
