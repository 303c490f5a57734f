"""EDIFACT intake as a background job: a submitted interchange is stored (who, organisation,
file name, size, SHA-256, the bytes) with a ``ports.edifact`` job in the same transaction; the
job parses it and records its events through ``record_edifact`` as the submitter, and writes
the report (counts, per-message errors, warnings) onto the submission.

What is refused at once (the request's answer): a submitter who may not submit interchanges at
all (not the office, not a steward of an organisation operating a port location: an audited
403), and a file refused before parsing (empty, over ``MAX_BYTES``, not starting with ``UNA`` or
``UNB``: 422 on ``body``). What the job refuses is on the submission (``failed``, with the
reason): a file of which nothing can be read, or an event at a UN/LOCODE the submitter's
organisation does not operate (that refusal is on the audit record too, as for the JSON API).

The same file submitted again is a new submission whose job records nothing new (the events'
ids are derived from the interchange: every event is a duplicate).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import DomainError, InvalidInput, NotFound, field_error
from jingjinji.i18n import Msg, msg
from jingjinji.jobs import service as jobs
from jingjinji.pagination import Paged, paginate
from jingjinji.ports import policy
from jingjinji.ports.kernels import edifact
from jingjinji.ports.models import EdifactSubmission, Event, SubmissionStatus
from jingjinji.ports.service.edifact import record_edifact
from jingjinji.ports.service.reference import locations_of
from jingjinji.ports.stored_messages import freeze_message
from jingjinji.security import Actor, Role, deny, require_actor

EDIFACT_JOB = "ports.edifact"
OBJECT_TYPE = "port_edifact_submission"


def _problems(items: list[dict[str, object]]) -> list[dict[str, Any]]:
    return [
        {**p, "reason": str(p["reason"]), "message": freeze_message(p["reason"])} for p in items
    ]


def _check_file(data: bytes) -> None:
    """Refuse before storing what cannot be an interchange (the parser's own checks run in the
    job): nothing, too much, or no ``UNA``/``UNB`` at the start."""
    reason: Msg | None = None
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:3]
    if len(data) > edifact.MAX_BYTES:
        reason = msg(
            "the interchange has {size} bytes; at most {limit} are accepted",
            size=len(data),
            limit=edifact.MAX_BYTES,
        )
    elif not start:
        reason = msg("the file is empty")
    elif start not in (b"UNA", b"UNB"):
        reason = msg("not an EDIFACT interchange: it must begin with UNA or UNB")
    if reason is not None:
        raise InvalidInput(reason, errors=[field_error(["body"], reason)])


def submit_edifact(
    session: Session, *, actor: Actor | None, data: bytes, filename: str = ""
) -> EdifactSubmission:
    """Store one interchange and queue its job (both commit or neither); audited."""
    actor = require_actor(actor)
    own = locations_of(session, organisation_id=actor.organisation_id)
    if not policy.may_submit_edifact(actor, own_locations=own):
        raise deny(
            session,
            actor,
            action="ports.edifact.submit",
            object_type=OBJECT_TYPE,
            object_id=None,
            jurisdiction_code=actor.jurisdiction_code,
            reason=msg(
                "{user} may not submit EDIFACT interchanges: only a port operator's stewards "
                "and the coordination office do",
                user=repr(actor.username),
            ),
        )
    _check_file(data)
    row = EdifactSubmission(
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role.value,
        jurisdiction_code=actor.jurisdiction_code,
        organisation_id=actor.organisation_id,
        channel=actor.channel,
        filename=filename.replace("\x00", "")[:255],  # a browser sends it as given
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        status=SubmissionStatus.QUEUED.value,
        event_ids=[],
        errors=[],
        warnings=[],
    )
    session.add(row)
    session.flush()
    job = jobs.enqueue(session, kind=EDIFACT_JOB, payload={"submission_id": row.id})
    row.job_id = job.id
    audit.record(
        session,
        actor=actor,
        action="ports.edifact.submit",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        jurisdiction_code=actor.jurisdiction_code,
        detail={"filename": row.filename, "size": row.size, "sha256": row.sha256},
    )
    return row


def submitter(row: EdifactSubmission) -> Actor:
    """The actor the job acts as: the submitter as they were when they submitted."""
    return Actor(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        jurisdiction_code=row.jurisdiction_code,
        organisation_id=row.organisation_id,
        channel=row.channel,
    )


def _fail(session: Session, submission_id: int, error: DomainError) -> None:
    # The error's own work was rolled back (its savepoint, or ``audited_refusal``, which also
    # committed its entry): only the report is written, in the job's transaction.
    row = session.get(EdifactSubmission, submission_id)
    if row is None:
        return
    row.status = SubmissionStatus.FAILED.value
    row.started_at = row.started_at or utcnow()
    row.failure = str(error.detail)[:2000]
    where = ("message_ref", "message_index", "segment_index", "segment_tag", "element")
    problems = [
        {**{k: e.get(k) for k in where}, "reason": str(e.get("msg", "")),
         "message": freeze_message(e.get("msg", ""))}
        for e in error.errors
    ]  # fmt: skip
    whole = {"reason": str(error.detail), "message": freeze_message(error.detail)}
    row.errors = problems or [{**dict.fromkeys(where), **whole}]
    row.finished_at = utcnow()


@jobs.handler(EDIFACT_JOB)
def run_submission(session: Session, payload: dict[str, Any]) -> None:
    """Parse a queued submission and record its events as its submitter; a refusal marks it
    failed (the job itself is done: running it again would be refused the same way)."""
    submission_id = int(payload["submission_id"])
    row = session.get(EdifactSubmission, submission_id)
    if row is None or row.status != SubmissionStatus.QUEUED.value:
        return  # gone, or already reported by an earlier run
    actor = submitter(row)
    data, received = bytes(row.content), row.submitted_at
    row.started_at = utcnow()
    # A savepoint: a refused file undoes only its own work, not the caller's transaction (the
    # demo runs this handler inside its load). An audited refusal rolls back everything anyway.
    savepoint = session.begin_nested()
    try:
        intake = record_edifact(session, actor=actor, data=data, received_at=received)
    except DomainError as exc:
        if savepoint.is_active:
            savepoint.rollback()
        _fail(session, submission_id, exc)
        return
    savepoint.commit()
    row.status = SubmissionStatus.DONE.value
    row.sender, row.control_ref = intake.sender[:35], intake.control_ref[:14]
    row.messages, row.messages_accepted = intake.messages, intake.messages_accepted
    row.recorded, row.duplicates = intake.recorded, intake.duplicates
    row.event_ids = [str(i) for i in intake.event_ids]
    row.errors = _problems(intake.errors)
    row.warnings = _problems(intake.warnings)
    row.finished_at = utcnow()


def shown_status(row: EdifactSubmission, job_statuses: dict[int, str]) -> str:
    """``running`` while the job holds a queued submission, else the stored status."""
    queued = row.status == SubmissionStatus.QUEUED.value and row.job_id is not None
    if queued and job_statuses.get(row.job_id or 0) == "running":
        return SubmissionStatus.RUNNING.value
    return row.status


def job_statuses(session: Session, rows: list[EdifactSubmission]) -> dict[int, str]:
    """The job status of every queued submission among ``rows`` (one query)."""
    ids = [r.job_id for r in rows if r.job_id is not None and r.status == "queued"]
    return jobs.statuses(session, job_ids=ids)


def get_submission(
    session: Session, *, actor: Actor | None, submission_id: int
) -> EdifactSubmission:
    """One submission: the office, its submitter and their organisation read it; to anyone
    else it does not exist (404)."""
    row = session.get(EdifactSubmission, submission_id)
    if row is None or not policy.may_read_submission(
        actor, organisation_id=row.organisation_id, user_id=row.user_id
    ):
        raise NotFound(msg("no EDIFACT submission {id}", id=submission_id))
    return row


def _readable(actor: Actor) -> Select[EdifactSubmission]:
    stmt = select(EdifactSubmission)
    if actor.is_office_admin:
        return stmt
    if actor.organisation_id is not None:
        return stmt.where(EdifactSubmission.organisation_id == actor.organisation_id)
    return stmt.where(EdifactSubmission.user_id == actor.user_id)


def list_submissions(
    session: Session, *, actor: Actor | None, cursor: str | None = None, limit: int = 20
) -> Paged[EdifactSubmission]:
    """The submissions ``actor`` reads (its organisation's; the office: all), newest first."""
    actor = require_actor(actor)
    return paginate(
        session,
        _readable(actor),
        EdifactSubmission.id,
        cursor=cursor,
        limit=limit,
        descending=True,
    )


#: The most events a submission's page lists (a file may hold 10,000 messages).
EVENTS_SHOWN = 500


def submission_events(session: Session, *, row: EdifactSubmission) -> list[Event]:
    """The stored events of a submission's file (first ``EVENTS_SHOWN``, in file order); the
    reader was checked by ``get_submission``: these are the submitter organisation's events."""
    wanted = [uuid.UUID(i) for i in row.event_ids[:EVENTS_SHOWN]]
    if not wanted:
        return []
    found = {
        e.event_id: e for e in session.scalars(select(Event).where(Event.event_id.in_(wanted)))
    }
    return [found[i] for i in wanted if i in found]


def may_submit(session: Session, *, actor: Actor | None) -> bool:
    """Whether ``actor`` may submit interchanges (for the upload page's form)."""
    if actor is None:
        return False
    own = locations_of(session, organisation_id=actor.organisation_id)
    return policy.may_submit_edifact(actor, own_locations=own)
