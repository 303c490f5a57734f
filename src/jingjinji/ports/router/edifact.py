"""``POST /api/v1/ports/edifact``: a terminal's UN/EDIFACT CODECO or COARRI interchange, the file's
bytes as the body (``text/plain`` or ``application/edifact``); its messages become DCSA events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.ports import service
from jingjinji.ports.schemas.api import EdifactOut

router = APIRouter()


async def edifact_body(request: Request) -> bytes:
    """The raw request body (the server's body limit for this route has bounded it already)."""
    return await request.body()


@router.post(
    "/edifact",
    response_model=EdifactOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            # The interchange as text; the route reads the raw bytes whatever the type says, so
            # `application/edifact` (RFC 1767) works too. Only text/plain is declared: generic
            # OpenAPI clients and the fuzzer know how to send it.
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def post_edifact(
    session: DbSession,
    actor: RequiredActor,
    response: Response,
    body: Annotated[bytes, Depends(edifact_body)],
) -> EdifactOut:
    """Record the events of one interchange. Messages that could not be read are listed with
    their segment, element and reason (the others are recorded); the same file again records
    nothing new (200)."""
    intake = service.record_edifact(session, actor=actor, data=body)
    if not intake.recorded:
        response.status_code = status.HTTP_200_OK
    return EdifactOut.model_validate(intake, from_attributes=True)
