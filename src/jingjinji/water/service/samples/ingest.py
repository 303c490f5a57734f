"""Storing a batch of samples: authorise per section, validate the whole batch, then insert,
replace (the old value kept as a revision) or count as unchanged.

A batch is stored whole or not at all: one bad row rejects it, every bad row is listed, and the
rejected ingestion is kept with its report. Sending the same batch again stores nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, Role, deny, ensure_role, require_actor
from jingjinji.water import policy
from jingjinji.water.models import Ingestion, Sample, SampleRevision, Section
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service.sections import sections_by_code

#: Problems listed in a refusal and kept in an ingestion's report.
MAX_ISSUES = 200
#: How far ahead of the server clock a sample time may be (clocks drift; samples are past).
FUTURE_TOLERANCE = dt.timedelta(hours=1)

Key = tuple[str, dt.datetime, str, str]
#: Where a row of the batch came from: (index in the batch, field) -> the problem's location,
#: with ``row`` the label the sender knows (the position in a JSON array, a CSV file's line).
Locator = Callable[[int, str], dict[str, Any]]


def json_locator(index: int, field: str) -> dict[str, Any]:
    """A JSON batch names the row's position in ``rows`` (from 0, as validation errors do)."""
    return {"loc": ["body", "rows", index, field], "row": index, "column": field}


@dataclass(frozen=True)
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def key_of(row: SampleIn) -> Key:
    return (row.section_code, row.sampled_at, row.kind.value, row.item)


def N_(message: str) -> str:
    """Mark a reason for translation (the upload page shows it in the reader's language)."""
    return message


def problem(found: dict[str, Any], msgid: str, **params: Any) -> dict[str, Any]:
    """A problem of a row: its location, the English reason, and the message id and values
    that the pages translate (``msgid % params`` is the reason)."""
    reason = msgid % params if params else msgid
    return {**found, "reason": reason, "msgid": msgid, "params": params}


def _issue(locate: Locator, index: int, field: str, msgid: str, **params: Any) -> dict[str, Any]:
    return problem(locate(index, field), msgid, **params)


def validate_rows(
    rows: Sequence[SampleIn],
    sections: dict[str, Section],
    *,
    locate: Locator,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Every problem of the batch that its schema cannot see: unknown sections, times in the
    future, one key twice (naming both positions)."""
    latest = (now or utcnow()) + FUTURE_TOLERANCE
    issues: list[dict[str, Any]] = []
    first: dict[Key, int] = {}
    for position, row in enumerate(rows):
        if row.section_code not in sections:
            issues.append(
                _issue(
                    locate,
                    position,
                    "section_code",
                    N_("unknown section %(code)s"),
                    code=row.section_code,
                )
            )
        if row.sampled_at > latest:
            issues.append(_issue(locate, position, "sampled_at", N_("the time is in the future")))
        key = key_of(row)
        if key in first:
            issues.append(
                _issue(
                    locate,
                    position,
                    "item",
                    N_("the same section, time, kind and item as row %(row)s"),
                    row=locate(first[key], "item")["row"],
                )
            )
        else:
            first[key] = position
    return issues


def authorise(
    session: Session,
    actor: Actor | None,
    rows: Sequence[SampleIn],
    sections: dict[str, Section],
    *,
    locate: Locator = json_locator,
) -> Actor:
    """403 (audited) unless the actor may write every known section of the batch; the refusal
    names the sections and the rows. A batch naming no known section still needs a role that
    uploads at all."""
    actor = require_actor(actor)
    if not policy.may_upload(actor):
        ensure_role(
            session,
            actor,
            Role.OFFICE_ADMIN,
            Role.JURISDICTION_ADMIN,
            Role.STEWARD,
            action="water.samples.write",
            object_type="water_section",
        )
    refused: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        section = sections.get(row.section_code)
        if section is None or policy.may_write_section(
            actor,
            jurisdiction_code=section.jurisdiction_code,
            organisation_id=section.organisation_id,
        ):
            continue
        refused.setdefault(section.code, []).append(locate(index, "section_code")["row"])
    if not refused:
        return actor
    codes = sorted(refused)
    rows_named = sorted({i for found in refused.values() for i in found})
    shown = ", ".join(str(i) for i in rows_named[:20]) + (" ..." if len(rows_named) > 20 else "")
    raise deny(
        session,
        actor,
        action="water.samples.write",
        object_type="water_section",
        object_id=codes[0] if len(codes) == 1 else None,
        jurisdiction_code=sections[codes[0]].jurisdiction_code,
        reason=(
            msg(
                "{role} {username} may not write samples of section(s) {codes} (monitored by "
                "another agency); rows {shown}; nothing was stored",
                role=actor.role.value,
                username=repr(actor.username),
                codes=", ".join(codes),
                shown=shown,
            )
        ),
        detail={"sections": codes, "rows": rows_named[:MAX_ISSUES]},
    )


def merge(session: Session, rows: Sequence[SampleIn], *, actor: Actor, ingestion_id: int) -> Counts:
    """Insert new keys, replace changed values (the old one becomes a revision, version + 1),
    count the rest; one SELECT of the existing rows for the whole batch."""
    if not rows:
        return Counts()
    codes = sorted({r.section_code for r in rows})
    times = [r.sampled_at for r in rows]
    wanted = {key_of(r) for r in rows}
    existing: dict[Key, Sample] = {}
    stmt = select(Sample).where(
        Sample.section_code.in_(codes),
        Sample.sampled_at >= min(times),
        Sample.sampled_at <= max(times),
        Sample.item.in_(sorted({r.item for r in rows})),
    )
    for sample in session.scalars(stmt):
        key = (sample.section_code, sample.sampled_at, sample.kind, sample.item)
        if key in wanted:
            existing[key] = sample
    now = utcnow()
    new: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        current = existing.get(key_of(row))
        if current is None:
            new.append(
                {
                    "section_code": row.section_code,
                    "sampled_at": row.sampled_at,
                    "kind": row.kind.value,
                    "item": row.item,
                    "value": row.value,
                    "below_detection": row.below_detection,
                    "origin": row.origin.value,
                    "version": 1,
                    "recorded_at": now,
                    "recorded_by": actor.username,
                    "ingestion_id": ingestion_id,
                }
            )
            continue
        if (current.value, current.below_detection, current.origin) == (
            row.value,
            row.below_detection,
            row.origin.value,
        ):
            unchanged += 1
            continue
        revisions.append(
            {
                "section_code": current.section_code,
                "sampled_at": current.sampled_at,
                "kind": current.kind,
                "item": current.item,
                "version": current.version,
                "value": current.value,
                "below_detection": current.below_detection,
                "origin": current.origin,
                "recorded_at": current.recorded_at,
                "recorded_by": current.recorded_by,
                "superseded_at": now,
                "superseded_by": actor.username,
                "superseded_by_ingestion": ingestion_id,
            }
        )
        current.value = row.value
        current.below_detection = row.below_detection
        current.origin = row.origin.value
        current.version += 1
        current.recorded_at = now
        current.recorded_by = actor.username
        current.ingestion_id = ingestion_id
    try:
        with session.begin_nested():
            if new:
                session.execute(insert(Sample), new)
            if revisions:
                session.execute(insert(SampleRevision), revisions)
            session.flush()
    except IntegrityError as exc:  # another batch stored one of these keys meanwhile
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "another batch stored some of these samples at the same moment; send this one "
                    "again (the same values are not stored twice)"
                )
            ),
            actor=actor,
            action="water.samples.ingest",
            object_type="water_ingestion",
            outcome="conflict",
        ) from exc
    return Counts(len(new), len(revisions), unchanged)


def refuse(
    session: Session,
    issues: list[dict[str, Any]],
    *,
    actor: Actor,
    received: int,
    channel: str,
    source: str,
    detail: str | None = None,
    rejected: int | None = None,
) -> InvalidInput:
    """The 422 listing every bad row (nothing stored); the rejected ingestion and its audit
    entry are committed on their own. ``detail`` and ``rejected`` replace the row count where
    the file as a whole or its header was refused."""
    if rejected is None:
        rejected = len({(i["row"]) for i in issues})
    error = InvalidInput(
        detail or f"{rejected} of {received} rows are invalid; nothing was stored",
        errors=[
            field_error(i["loc"], i["reason"], **{k: v for k, v in i.items() if k != "loc"})
            for i in issues[:MAX_ISSUES]
        ],
    )
    report = [{k: v for k, v in i.items() if k != "loc"} for i in issues[:MAX_ISSUES]]

    def keep_rejected(session: Session) -> int:
        ingestion = Ingestion(
            channel=channel,
            source=source[:300],
            actor_username=actor.username,
            status="rejected",
            finished_at=utcnow(),
            rows_received=received,
            rows_rejected=rejected,
            report=report,
        )
        session.add(ingestion)
        session.flush()
        return ingestion.id

    return audit.audited_refusal(
        session,
        error,
        actor=actor,
        action="water.samples.ingest",
        object_type="water_ingestion",
        keep=keep_rejected,
        outcome="rejected",
        detail={"channel": channel, "source": source[:300], "rows": received, "rejected": rejected},
    )


def ingest(
    session: Session,
    *,
    actor: Actor | None,
    rows: Sequence[SampleIn],
    channel: str,
    source: str = "",
    locate: Locator = json_locator,
    issues: Sequence[dict[str, Any]] = (),
    received: int | None = None,
) -> Ingestion:
    """Authorise, validate and store ``rows``; ``issues`` are problems already found while
    parsing (a CSV file's), ``locate`` names where a row came from and ``received`` counts
    the rows that arrived (a CSV line holds several items)."""
    sections = sections_by_code(session, codes={r.section_code for r in rows})
    actor = authorise(session, actor, rows, sections, locate=locate)
    found = [*issues, *validate_rows(rows, sections, locate=locate)]
    if received is None:
        received = len(rows)
    if found:
        found.sort(key=lambda i: (i["row"], str(i["column"])))
        raise refuse(session, found, actor=actor, received=received, channel=channel, source=source)
    ingestion = Ingestion(
        channel=channel,
        source=source[:300],
        actor_username=actor.username,
        started_at=utcnow(),
        rows_received=received,
        rows_rejected=0,
        report=[],
    )
    session.add(ingestion)
    session.flush()
    counts = merge(session, rows, actor=actor, ingestion_id=ingestion.id)
    ingestion.inserted, ingestion.updated, ingestion.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    ingestion.status = "accepted"
    ingestion.finished_at = utcnow()
    codes = sorted(sections)
    provinces = {sections[c].jurisdiction_code[:2] for c in codes}
    audit.record(
        session,
        actor=actor,
        action="water.samples.ingest",
        object_type="water_ingestion",
        object_id=ingestion.id,
        jurisdiction_code=sections[codes[0]].jurisdiction_code if len(provinces) == 1 else None,
        detail={
            "channel": channel,
            "source": source[:300],
            "rows": received,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "sections": codes[:50],
        },
    )
    session.flush()
    # The linkage watches what arrives: a recent sample worse than its section's target (or a
    # jump) opens an incident in the same transaction. Imported here because the incidents
    # service reads samples (the network's latest values) and so imports this package.
    from jingjinji.water.service.incidents.detection import detect_after_ingestion

    detect_after_ingestion(
        session,
        ingestion_id=ingestion.id,
        since=utcnow() - dt.timedelta(days=get_settings().water_incident_window_days),
    )
    return ingestion


def get_ingestion(session: Session, *, actor: Actor | None, ingestion_id: int) -> Ingestion:
    """An ingestion's counts and report: the actor who sent it or the office (others: 404, so
    that ids of other agencies' batches say nothing)."""
    actor = require_actor(actor)
    row = session.get(Ingestion, ingestion_id)
    if row is None or not (actor.is_office_admin or row.actor_username == actor.username):
        raise NotFound(msg("no ingestion {ingestion_id}", ingestion_id=ingestion_id))
    return row
