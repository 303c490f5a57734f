"""``POST /api/v1/ports/edifact``: a terminal's UN/EDIFACT CODECO or COARRI interchange, the file's
bytes as the body (``text/plain`` or ``application/edifact``), stored and queued for the
``ports.edifact`` job (202, ``Location`` of the submission); ``GET
/api/v1/ports/edifact/{submission_id}``: its status and, once the job ran, its report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.ports import service
from jingjinji.ports.schemas.edifact import SubmissionOut

router = APIRouter()


async def edifact_body(request: Request) -> bytes:
    """The raw request body (the server's body limit for this route has bounded it already)."""
    return await request.body()


@router.post(
    "/edifact",
    response_model=SubmissionOut,
    status_code=status.HTTP_202_ACCEPTED,
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
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    response: Response,
    body: Annotated[bytes, Depends(edifact_body)],
    filename: Annotated[str, Query(max_length=255)] = "",
) -> SubmissionOut:
    """Accept one interchange for the intake job: 202 with the submission (``queued``) and its
    ``Location``. A file that cannot be an interchange (empty, too large, not beginning with
    UNA/UNB) is a 422 at once; the job reports each message it could not read (segment,
    element, reason) and records the others; the same file again records nothing new."""
    row = service.submit_edifact(session, actor=actor, data=body, filename=filename)
    response.headers["Location"] = str(
        request.url_for("get_edifact_submission", submission_id=row.id).path
    )
    return SubmissionOut.of(row, status=row.status)


@router.get("/edifact/{submission_id}", response_model=SubmissionOut)
def get_edifact_submission(
    session: DbSession, actor: OptionalActor, submission_id: DbId
) -> SubmissionOut:
    """A submission's status and report (the office, the submitter and its organisation)."""
    row = service.get_submission(session, actor=actor, submission_id=submission_id)
    return SubmissionOut.of(
        row, status=service.shown_status(row, service.job_statuses(session, [row]))
    )
