"""Checks of a credit record beyond its schema, and who may write it.

Each check returns :class:`RowError` rows (row 0: the caller numbers rows, for batches), so a
single record and a batch list every problem the same way: bad USCC with the expected check
character, a subject registered outside the region, a decision in the future, an unknown
source agency, unknown or mismatched measures (``credit/data/measures.json``), an identity
document of an unknown type, a number without its type (or a type without its number), a
resident identity card number failing GB 11643 (``kernels/identity.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from jingjinji import labels
from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.kernels.identity import (
    ID_TYPES,
    RESIDENT_ID_CARD,
    check_id_card,
    listed_type_for,
)
from jingjinji.credit.kernels.uscc import check_uscc
from jingjinji.credit.models import CreditRecord, RecordKind
from jingjinji.credit.schemas.records import DETAIL_FIELDS, RecordIn, RowError
from jingjinji.credit.service import measures as measures_service
from jingjinji.credit.service import subjects
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, deny

MEASURE_COLOUR = {RecordKind.RED_LIST.value: "red", RecordKind.BLACK_LIST.value: "black"}


def _org_by_uscc(session: Session, code: str) -> Organisation | None:
    wanted = subjects.normalise_uscc(code)
    for org in regions.list_organisations(session):
        if org.uscc == wanted:
            return org
    return None


def resolve_source(
    session: Session, *, actor: Actor, data: RecordIn
) -> tuple[Organisation | None, RowError | None]:
    """The source agency the record names, or the writer's own organisation."""
    if data.source_organisation_id is not None:
        org = regions.get_organisation_or_none(session, organisation_id=data.source_organisation_id)
        if org is None:
            return None, RowError(
                row=0,
                column="source_organisation_id",
                reason=msg(
                    "unknown agency: no organisation {source_organisation_id}",
                    source_organisation_id=data.source_organisation_id,
                ),
            )
        return org, None
    if data.source_agency_uscc:
        org = _org_by_uscc(session, data.source_agency_uscc)
        if org is None:
            return None, RowError(
                row=0,
                column="source_agency_uscc",
                reason=msg(
                    "unknown agency: no organisation with code {source_agency_uscc}",
                    source_agency_uscc=repr(data.source_agency_uscc),
                ),
            )
        return org, None
    if actor.organisation_id is not None:
        return regions.get_organisation(session, organisation_id=actor.organisation_id), None
    return None, RowError(
        row=0,
        column="source_agency_uscc",
        reason=msg("name the source agency (source_agency_uscc or source_organisation_id)"),
    )


def _uscc_problem(session: Session, data: RecordIn) -> RowError | None:
    code = subjects.normalise_uscc(data.uscc)
    check = check_uscc(code)
    if not check.valid:
        return RowError(
            row=0, column="uscc", reason=check.reason or "invalid code", expected=check.expected
        )
    if check.province_code not in subjects.PROVINCES:
        return RowError(
            row=0,
            column="uscc",
            reason=msg(
                "registered in region {region_code}, outside Beijing, Tianjin and Hebei",
                region_code=check.region_code,
            ),
        )
    if not data.subject_name and subjects.find_subject(session, uscc=code) is None:
        return RowError(
            row=0,
            column="subject_name",
            reason=msg("subject {code} is not registered: give its name to register it", code=code),
        )
    return None


def _measure_problems(data: RecordIn) -> list[RowError]:
    if not data.measures:
        return []
    unknown = measures_service.unknown_codes(data.measures)
    if unknown:
        return [
            RowError(
                row=0,
                column="measures",
                reason=msg("unknown measure(s): {unknown}", unknown=unknown),
            )
        ]
    colour = MEASURE_COLOUR.get(data.kind.value)
    if colour is None:
        if data.kind is not RecordKind.COURT_ENFORCEMENT:
            return [
                RowError(row=0, column="measures", reason=msg("only list entries carry measures"))
            ]
        return []
    wrong = [m.code for m in measures_service.measures_for(data.measures) if m.kind != colour]
    if wrong:
        return [
            RowError(
                row=0,
                column="measures",
                reason=msg(
                    "measure(s) {wrong} do not belong to a {kind} entry",
                    wrong=wrong,
                    kind=data.kind.value,
                    kind_label=labels.msg_label("credit.record_kind", data.kind),
                ),
            )
        ]
    return []


def _id_card_problem(number: str) -> RowError | None:
    check = check_id_card(number)
    if check.valid:
        return None
    if check.reason_code == "length":
        reason = msg(
            "a resident identity card number has 18 characters, not {length}", length=check.found
        )
    elif check.reason_code == "lower_case":
        reason = msg(
            "bad character {char} at position {position} (lower case: the check character is a "
            "capital 'X')",
            char=repr(check.found),
            position=check.position,
        )
    elif check.reason_code == "character":
        reason = msg(
            "bad character {char} at position {position}: 17 digits and a check character "
            "(a digit or X) expected",
            char=repr(check.found),
            position=check.position,
        )
    else:
        reason = msg(
            "wrong check character at position {position}: {found}, expected {expected} "
            "(GB 11643, ISO 7064 MOD 11-2)",
            position=check.position,
            found=repr(check.found),
            expected=repr(check.expected),
        )
    return RowError(row=0, column="id_number", reason=reason, expected=check.expected)


def legacy_id_type_problem(id_type: str) -> RowError:
    """A revision that keeps an ID type stored as free text before the closed list: the stored
    value, the listed types, and the one it names when that is beyond doubt."""
    known = ", ".join(ID_TYPES)
    suggested = listed_type_for(id_type)
    if suggested is None:
        reason = msg(
            "the stored ID type {id_type} is free text from before the list of types; choose "
            "one of {id_types}",
            id_type=repr(id_type),
            id_types=known,
        )
    else:
        reason = msg(
            "the stored ID type {id_type} is free text from before the list of types; choose "
            "one of {id_types} ({suggested} matches it)",
            id_type=repr(id_type),
            id_types=known,
            suggested=suggested,
            suggested_label=labels.msg_label("credit.id_type", suggested),
        )
    return RowError(row=0, column="id_type", reason=reason)


def _identity_problems(details: dict[str, str], stored_id_type: str | None) -> list[RowError]:
    """The identity document: a type of :data:`ID_TYPES` and a number, both or neither; a
    resident identity card's number passes GB 11643. ``stored_id_type``: the record's stored
    type when it is a legacy (unlisted) one, named as such when the revision keeps it."""
    id_type = details.get("id_type", "")  # a code exactly as given; blank is none
    number = details.get("id_number", "").strip()
    known = ", ".join(ID_TYPES)
    if stored_id_type is not None and id_type == stored_id_type and id_type not in ID_TYPES:
        return [legacy_id_type_problem(id_type)]
    if id_type.strip() and id_type not in ID_TYPES:
        reason = msg(
            "unknown ID type {id_type}; known: {id_types}", id_type=repr(id_type), id_types=known
        )
        return [RowError(row=0, column="id_type", reason=reason)]
    if number and not id_type.strip():
        reason = msg("an ID number needs its ID type (one of {id_types})", id_types=known)
        return [RowError(row=0, column="id_type", reason=reason)]
    if id_type.strip() and not number:
        return [RowError(row=0, column="id_number", reason=msg("an ID type needs its ID number"))]
    if id_type == RESIDENT_ID_CARD:
        problem = _id_card_problem(details["id_number"])
        return [problem] if problem is not None else []
    return []


def check_record(
    session: Session, *, data: RecordIn, today: dt.date, stored_id_type: str | None = None
) -> list[RowError]:
    """Every problem of one record beyond its schema (row 0: the caller numbers rows);
    ``stored_id_type``: the ID type the record being revised has stored, if any."""
    problems: list[RowError] = []
    uscc_problem = _uscc_problem(session, data)
    if uscc_problem is not None:
        problems.append(uscc_problem)
    if data.decision_date > today:
        problems.append(
            RowError(
                row=0,
                column="decision_date",
                reason=msg(
                    "decision date {decision_date} is in the future (today is {today})",
                    decision_date=data.decision_date,
                    today=today,
                ),
            )
        )
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        problems.append(
            RowError(row=0, column="valid_to", reason=msg("valid_to is before valid_from"))
        )
    unknown = sorted(set(data.details) - set(DETAIL_FIELDS))
    if unknown:
        problems.append(
            RowError(
                row=0,
                column="details",
                reason=msg(
                    "unknown detail field(s) {unknown}; known: {detail_fields}",
                    unknown=unknown,
                    detail_fields=", ".join(DETAIL_FIELDS),
                ),
            )
        )
    if data.kind is RecordKind.PENALTY and not data.content:
        problems.append(
            RowError(row=0, column="content", reason=msg("a penalty needs its content"))
        )
    problems.extend(_identity_problems(data.details, stored_id_type))
    problems.extend(_measure_problems(data))
    return problems


def problems_error(problems: Sequence[RowError], *, where: str) -> InvalidInput:
    """The 422 listing every problem (loc: where, row, column; a single record's: body, column,
    or body, details, column for a detail field)."""
    rows = len({p.row for p in problems})
    detail = (
        msg(
            "{count} problem(s) in {rows} row(s); nothing was stored",
            count=len(problems),
            rows=rows,
        )
        if where != "body"
        # one message of all the reasons, each translated on a page
        else functools.reduce(
            lambda left, right: msg("{left}; {right}", left=left, right=right),
            (msg("{column}: {reason}", column=p.column, reason=p.reason) for p in problems),
        )
    )
    errors = []
    for p in problems:
        loc: list[str | int] = [where, p.row, p.column]
        if where == "body":  # a detail field where the body has it: body.details.id_number
            loc = [where, "details", p.column] if p.column in DETAIL_FIELDS else [where, p.column]
        extra: dict[str, Any] = {"row": p.row, "column": p.column}
        if p.expected is not None:
            extra["expected"] = p.expected
        errors.append(field_error(loc, p.reason, **extra))
    return InvalidInput(detail, errors=errors)


def record_not_found(
    session: Session,
    *,
    actor: Actor | None,
    record_id: int,
    action: str,
    detail: dict[str, Any] | None = None,
) -> NotFound:
    """The 404 for a credit record that is not there (or not for ``actor``), on the audit
    record: who, ``action``, the record id asked for, outcome ``not_found``."""
    return audit.audited_refusal(
        session,
        NotFound(msg("no credit record {record_id}", record_id=record_id)),
        actor=actor,
        action=action,
        object_type="credit_record",
        object_id=record_id,
        outcome="not_found",
        detail=detail,
    )


def record_to_write(session: Session, *, actor: Actor, record_id: int, action: str) -> CreditRecord:
    """The record ``action`` is asked on; else a 404, audited as every other refusal of a
    write is (``record_not_found``)."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise record_not_found(session, actor=actor, record_id=record_id, action=action)
    return record


def ensure_writer(
    session: Session, *, actor: Actor, org: Organisation, action: str, object_id: str | None
) -> None:
    if not policy.may_write_record(
        actor, source_organisation_id=org.id, jurisdiction_code=org.jurisdiction_code
    ):
        raise deny(
            session,
            actor,
            action=action,
            object_type="credit_record",
            object_id=object_id,
            jurisdiction_code=org.jurisdiction_code,
            reason=msg(
                "{username} may not write records of {name_en} (organisation {org_id}): only its "
                "stewards, its province's administrator or the office",
                username=repr(actor.username),
                name_en=org.name_en,
                name_zh=org.name_zh,
                org_id=org.id,
            ),
        )
