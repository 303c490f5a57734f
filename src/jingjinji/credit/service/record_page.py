"""One credit record on the agency's page (``/credit/agency/records/{id}``): the record as its
reader may see it, its history read from the audit record, what the reader may do with it, and
its revision from that page.

- Who reads it: exactly who finds it in the record listings (``reading.may_read``, the
  predicate form of ``reading.visible_clause``); anyone else, and a record that does not
  exist, gets a 404 on the audit record (the page reads the record's history from the audit
  chain: ``audit.read``, as a dataset's activity stream does).
- The history: creation, revisions (the changed fields' names, never their values: some are
  personal data), publication, lifting, and the objections and repair applications about the
  record. Who acted and the particulars only for readers who see the record's restricted data
  (``policy.sees_restricted``); others see the steps and their times.
- A revision keeps the record's kind, subject, source agency, document number and every field
  the page has no input for, and goes through ``records.create_record`` (checks, audit, risk
  class) like a record sent again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.kernels.identity import ID_TYPES, listed_type_for
from jingjinji.credit.models import CreditObjection, CreditRecord, CreditRepair, CreditSubject
from jingjinji.credit.schemas.records import (
    RecordEventOut,
    RecordIn,
    RecordPageOut,
    RecordRevisionIn,
)
from jingjinji.credit.service import records, subjects
from jingjinji.credit.service.reading import may_read
from jingjinji.credit.service.record_checks import record_not_found
from jingjinji.regions import service as regions
from jingjinji.security import Actor, require_actor
from jingjinji.timezone import china_today

#: The steps of a record's history, by the object the audit entry is about.
RECORD_ACTIONS = (
    "credit.record.create",
    "credit.record.revise",
    "credit.record.publish",
    "credit.record.lift",
    "credit.objection.submit",
    "credit.objection.answer",
    "credit.repair.apply",
    "credit.repair.decide",
)
#: The most history steps the page lists (newest first).
HISTORY_LIMIT = 100
#: The detail fields the revision form has inputs for.
REVISED_DETAILS = ("legal_representative", "id_type", "id_number")


def readable_record(
    session: Session, *, actor: Actor | None, record_id: int, action: str
) -> tuple[CreditRecord, CreditSubject]:
    """The record and its subject if ``actor`` finds it in the listings; else a 404, audited
    (``action``)."""
    record = session.get(CreditRecord, record_id)
    subject = subjects.get_subject_by_id(session, subject_id=record.subject_id) if record else None
    if record is None or subject is None or not may_read(actor, record, subject, china_today()):
        raise record_not_found(
            session,
            actor=actor,
            record_id=record_id,
            action=action,
            detail={"page": "credit.agency.record"},
        )
    return record, subject


def _event(entry: Any, *, restricted: bool) -> RecordEventOut:
    detail: dict[str, Any] = entry.detail
    event = RecordEventOut(seq=entry.seq, at=entry.occurred_at, action=entry.action)
    if entry.object_type == "credit_objection":
        event.objection_id = int(entry.object_id)
    elif entry.object_type == "credit_repair":
        event.repair_id = int(entry.object_id)
    if not restricted:
        return event
    event.by = entry.actor_username
    revision = detail.get("revision")
    event.revision = revision if isinstance(revision, int) else None
    changed = detail.get("changed")
    if isinstance(changed, dict):
        event.changed = sorted(str(k) for k in changed)
    elif isinstance(detail.get("before"), dict):  # an objection answered with a correction
        event.changed = sorted(str(k) for k in detail["before"])
    outcome = detail.get("outcome")
    event.outcome = outcome if isinstance(outcome, str) else None
    late = detail.get("late")
    event.late = late if isinstance(late, bool) else None
    note = detail.get("reason") if entry.action == "credit.record.lift" else detail.get("note")
    event.note = note if isinstance(note, str) and note else None
    return event


def _history(
    session: Session, *, record: CreditRecord, restricted: bool
) -> tuple[list[RecordEventOut], bool]:
    objections = session.scalars(
        select(CreditObjection.id).where(CreditObjection.record_id == record.id)
    )
    repairs = session.scalars(select(CreditRepair.id).where(CreditRepair.record_id == record.id))
    page = audit.object_history(
        session,
        objects={
            "credit_record": [str(record.id)],
            "credit_objection": [str(i) for i in objections],
            "credit_repair": [str(i) for i in repairs],
        },
        actions=RECORD_ACTIONS,
        cursor=None,
        limit=HISTORY_LIMIT,
    )
    events = [_event(e, restricted=restricted) for e in page.items]
    return events, page.next_cursor is not None


def record_page(session: Session, *, actor: Actor | None, record_id: int) -> RecordPageOut:
    """The record, its history and what ``actor`` may do with it (see the module docstring)."""
    reader = require_actor(actor)
    record, subject = readable_record(
        session, actor=reader, record_id=record_id, action="audit.read"
    )
    out = records.records_out(session, actor=reader, records=[record])[0]
    restricted = records.sees_restricted(reader, record, subject)
    history, more = _history(session, record=record, restricted=restricted)
    org_id, jurisdiction = record.source_organisation_id, record.jurisdiction_code
    stored = out.details.get("id_type")
    legacy = stored if isinstance(stored, str) and stored not in ID_TYPES else None
    return RecordPageOut(
        record=out,
        history=history,
        more_history=more,
        may_publish=policy.may_publish_record(
            reader,
            source_organisation_id=org_id,
            jurisdiction_code=jurisdiction,
            status=record.status,
        ),
        may_lift=policy.may_lift_record(
            reader,
            source_organisation_id=org_id,
            jurisdiction_code=jurisdiction,
            kind=record.kind,
            status=record.status,
        ),
        may_revise=out.may_write,
        legacy_id_type=legacy,
        suggested_id_type=listed_type_for(legacy) if legacy is not None else None,
    )


def _current(record: CreditRecord, subject: CreditSubject) -> dict[str, Any]:
    """The record as a :class:`RecordIn` would send it again."""
    return {
        "kind": record.kind,
        "uscc": subject.uscc,
        "source_organisation_id": record.source_organisation_id,
        "document_number": record.document_number,
        "title": record.title,
        "category": record.category,
        "severity": record.severity,
        "penalty_types": list(record.penalty_types),
        "facts": record.facts,
        "legal_basis": record.legal_basis,
        "content": record.content,
        "fine_10k_cny": record.fine_10k_cny,
        "confiscated_10k_cny": record.confiscated_10k_cny,
        "licence_suspended_or_revoked": record.licence_suspended_or_revoked,
        "licence_number": record.licence_number,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "measures": list(record.measures),
        "decision_date": record.decision_date,
        "synthetic": record.synthetic,
    }


def revise_record(
    session: Session, *, actor: Actor | None, record_id: int, changes: RecordRevisionIn
) -> CreditRecord:
    """Revise a record from its page: the fields of ``changes`` replace the record's (a blank
    detail is removed), the rest stays; checked, authorised and audited as ``create_record``
    does (a kept legacy ID type is refused on ``id_type`` naming it)."""
    writer = require_actor(actor)
    record, subject = readable_record(
        session, actor=writer, record_id=record_id, action="credit.record.revise"
    )
    org = regions.get_organisation(session, organisation_id=record.source_organisation_id)
    records.ensure_writer(
        session, actor=writer, org=org, action="credit.record.revise", object_id=str(record_id)
    )
    given = changes.model_dump()
    details = {k: str(v) for k, v in record.details.items() if k not in REVISED_DETAILS}
    details.update({k: given.pop(k) for k in REVISED_DETAILS if given.get(k)})
    for k in REVISED_DETAILS:
        given.pop(k, None)
    stored = record.details.get("id_type")
    if (
        isinstance(stored, str)
        and stored not in ID_TYPES
        and "id_type" not in details
        and "id_number" in details
    ):
        details["id_type"] = stored  # no type chosen for the number: the legacy one stays
    data = RecordIn.model_validate({**_current(record, subject), **given, "details": details})
    return records.create_record(session, actor=writer, data=data)
