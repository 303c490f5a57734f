"""Output of the EDIFACT intake's submissions (``POST /ports/edifact`` answers 202 with one;
``GET /ports/edifact/{submission_id}`` gives its status and report)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel

from jingjinji.i18n import MessageText
from jingjinji.ports.models import EdifactSubmission
from jingjinji.ports.schemas.api import EdifactProblem
from jingjinji.ports.stored_messages import thaw_message

Status = Literal["queued", "running", "done", "failed"]


def _problem(stored: dict[str, Any]) -> EdifactProblem:
    # The reason in the reader's language on pages (its template and values were stored).
    reason = thaw_message(stored.get("message")) or stored.get("reason") or ""
    return EdifactProblem.model_validate({**stored, "reason": reason})


class SubmissionOut(BaseModel):
    """One submitted interchange: who sent what, its status (``queued`` until the job runs,
    ``running`` while it does, then ``done`` or ``failed``) and, once done, the report: the
    messages read, the events recorded and those already stored, every message problem with its
    segment and element, and the eventIDs of the file's events in file order. ``failure`` says
    why a failed file was refused whole."""

    id: int
    status: Status
    filename: str
    size: int
    sha256: str
    submitted_by: str
    organisation_id: int | None
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    sender: str
    control_ref: str
    messages: int
    messages_accepted: int
    recorded: int
    duplicates: int
    event_ids: list[uuid.UUID]
    errors: list[EdifactProblem]
    warnings: list[EdifactProblem]
    failure: MessageText | None

    @classmethod
    def of(cls, row: EdifactSubmission, *, status: str) -> SubmissionOut:
        failure = None
        if row.failure is not None:
            # The whole-file reason is the first stored problem's message when there was one.
            whole = [e for e in row.errors if e.get("reason") == row.failure]
            failure = thaw_message(whole[0]["message"]) if whole else row.failure
        return cls.model_validate(
            {
                "id": row.id, "status": status, "filename": row.filename, "size": row.size,
                "sha256": row.sha256, "submitted_by": row.username,
                "organisation_id": row.organisation_id, "submitted_at": row.submitted_at,
                "started_at": row.started_at, "finished_at": row.finished_at,
                "sender": row.sender, "control_ref": row.control_ref, "messages": row.messages,
                "messages_accepted": row.messages_accepted, "recorded": row.recorded,
                "duplicates": row.duplicates, "event_ids": row.event_ids,
                "errors": [_problem(e) for e in row.errors],
                "warnings": [_problem(w) for w in row.warnings],
                "failure": failure,
            }
        )  # fmt: skip
