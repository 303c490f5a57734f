"""EDIFACT intake: a terminal's CODECO (gate in/out) or COARRI (discharge/loading) interchange
becomes DCSA 2.2 EQUIPMENT events recorded through ``record_events``, with the same rules as
the JSON API (a terminal writes at its own UN/LOCODEs; all or nothing over the messages that
mapped; audited).

What the mapping adds to the kernel's events (``kernels.edifact``), so that a file sent twice
is a retry, not new events:

- ``eventID``: a UUID (version 5) of the sender, the interchange's control reference, the
  message reference and the segment that made the event. The same file again gives the same
  ids; those already stored are reported as duplicates and not sent to ``record_events`` again.
- ``eventCreatedDateTime``: when the platform first received the event (now, China time).
- ``transportCall`` for gate moves: a CODECO message names no vessel call, and DCSA 2.2 wants
  one on every equipment event, so a gate move gets a truck call at the event's place, its id a
  UUID of the sender, control reference and message (one truck visit per message).

Messages the kernel rejected are reported with their segment, element and reason and lose
nothing that mapped (the other messages are recorded); a file that is refused whole (over a
limit, empty, no ``UNB``) is a 422 on ``body``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.ports.kernels import edifact
from jingjinji.ports.models import Event, EventSource
from jingjinji.ports.service.intake import parse_events, record_events
from jingjinji.security import Actor, require_actor
from jingjinji.timezone import CHINA_TZ

# The namespace of the ids the mapping derives (a fixed random UUID: ids are stable forever).
EDIFACT_NAMESPACE = uuid.UUID("5d0c8f61-8a3e-4c55-9f0e-2b7f6f1e0a11")


@dataclass
class EdifactIntake:
    """What one interchange did: counts, the events recorded or already there, and every
    message problem and warning (``MessageError``'s fields, the reason a message)."""

    sender: str
    control_ref: str
    messages: int
    messages_accepted: int
    recorded: int = 0
    duplicates: int = 0
    event_ids: list[uuid.UUID] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)
    warnings: list[dict[str, object]] = field(default_factory=list)


def _problem(problem: edifact.MessageError) -> dict[str, object]:
    # As MessageError.to_json, but the reason stays a message (pages show it translated).
    return {**problem.to_json(), "reason": problem.reason}


def _event_id(header: edifact.InterchangeHeader, source: edifact.EventSource) -> uuid.UUID:
    key = f"{header.sender}|{header.control_ref}|{source.message_ref}|{source.segment_index}"
    return uuid.uuid5(EDIFACT_NAMESPACE, key)


def _truck_call(
    header: edifact.InterchangeHeader, source: edifact.EventSource, event: dict[str, Any]
) -> dict[str, Any]:
    place = event.get("eventLocation") or {}
    call: dict[str, Any] = {
        "transportCallID": str(
            uuid.uuid5(
                EDIFACT_NAMESPACE,
                f"truck|{header.sender}|{header.control_ref}|{source.message_ref}",
            )
        ),
        "modeOfTransport": "TRUCK",
    }
    for key in ("UNLocationCode", "facilityCode", "facilityCodeListProvider"):
        if place.get(key):
            call[key] = place[key]
    return call


def payloads_of(result: edifact.EdifactResult, *, received_at: dt.datetime) -> list[dict[str, Any]]:
    """The DCSA JSON of each mapped event with the platform's ids and times (pure)."""
    header = result.interchange
    if header is None:
        return []
    created = received_at.astimezone(CHINA_TZ).isoformat(timespec="seconds")
    out: list[dict[str, Any]] = []
    for event, source in zip(result.events, result.sources, strict=True):
        payload: dict[str, Any] = {
            "eventID": str(_event_id(header, source)),
            "eventCreatedDateTime": created,
            **event,
        }
        if "transportCall" not in payload:
            payload["transportCall"] = _truck_call(header, source, payload)
        out.append(payload)
    return out


def record_edifact(
    session: Session, *, actor: Actor | None, data: bytes, received_at: dt.datetime | None = None
) -> EdifactIntake:
    """Parse one interchange and record its events as ``actor``'s organisation.

    Raises ``InvalidInput`` on ``body`` when the file is refused whole or a mapped event is not
    a valid DCSA event, ``PermissionDenied`` (audited) for an event at another terminal's
    UN/LOCODE; messages the kernel rejected are listed in ``errors`` and recorded nowhere."""
    actor = require_actor(actor)
    try:
        result = edifact.parse_interchange(data)
    except edifact.EdifactError as exc:
        raise InvalidInput(exc.reason, errors=[field_error(["body"], exc.reason)]) from exc
    header = result.interchange
    intake = EdifactIntake(
        sender=header.sender if header else "",
        control_ref=header.control_ref if header else "",
        messages=result.messages,
        messages_accepted=result.messages_accepted,
        errors=[_problem(e) for e in result.errors],
        warnings=[_problem(w) for w in result.warnings],
    )
    payloads = payloads_of(result, received_at=received_at or dt.datetime.now(dt.UTC))
    if not payloads:
        if intake.errors:
            raise InvalidInput(
                msg("no message of the interchange could be read: {count} problems",
                    count=len(intake.errors)),
                errors=[
                    field_error(["body"], e.reason, **{k: v for k, v in e.to_json().items()
                                                      if k != "reason"})
                    for e in result.errors
                ],
            )  # fmt: skip
        return intake
    ids = [uuid.UUID(p["eventID"]) for p in payloads]
    stored = set(session.scalars(select(Event.event_id).where(Event.event_id.in_(ids))))
    fresh = [p for p, i in zip(payloads, ids, strict=True) if i not in stored]
    intake.event_ids = ids
    intake.duplicates = len(payloads) - len(fresh)
    if fresh:
        events, checked = parse_events(fresh)
        done = record_events(
            session, actor=actor, events=events, payloads=checked, source=EventSource.EDIFACT
        )
        intake.recorded = sum(done.recorded)
        intake.duplicates += len(done.recorded) - intake.recorded
    return intake
