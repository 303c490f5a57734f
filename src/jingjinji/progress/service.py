"""Coordinated-development tracking: agreements, commitments, indicators, values, targets,
validation, progress and roll-ups.

Public functions are keyword-only and take a ``Session`` first. Every write is authorised
(``security.ensure_can_write`` / ``ensure_role``) and audited in the same transaction.

Who may write what:

- agreements and indicator definitions: the coordination office (office administrators);
- commitments: office administrators, or the jurisdiction administrator of the lead
  jurisdiction's province; status changes and evidence also by a steward of a responsible agency;
- values: office administrators; jurisdiction administrators for their province; stewards of an
  organisation for its own jurisdiction and the jurisdictions below it; analysts never;
- targets: office administrators and the jurisdiction administrator of the target's province.

Reads are open: progress tracking is the region's shared, published record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.progress import kernels
from jingjinji.progress import rules as rules_mod
from jingjinji.progress.models import (
    Agreement,
    Commitment,
    CommitmentAgency,
    CommitmentIndicator,
    CommitmentJurisdiction,
    Evidence,
    Indicator,
    IndicatorValue,
    StatusChange,
    Target,
)
from jingjinji.progress.schemas import (
    AREAS,
    COMMITMENT_STATUSES,
    AgreementIn,
    CommitmentDetail,
    CommitmentIn,
    CommitmentOut,
    EvidenceIn,
    EvidenceOut,
    Group,
    IndicatorIn,
    ProgressRow,
    StatusChangeIn,
    StatusChangeOut,
    TargetIn,
    TargetOut,
    ValidationReport,
    ValueIn,
    ValueOut,
    ValuesStored,
    ViolationOut,
)
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_can_write, ensure_role

VALUE_COLUMNS: tuple[str, ...] = (
    "indicator_code",
    "jurisdiction_code",
    "period",
    "value",
    "unit",
    "source",
    "note",
)
COMMITMENT_GROUPS: tuple[str, ...] = (
    "area",
    "status",
    "jurisdiction",
    "lead_jurisdiction",
    "agency",
    "agreement",
)
PROGRESS_GROUPS: tuple[str, ...] = (
    "area",
    "status",
    "jurisdiction",
    "agency",
    "indicator",
    "direction",
)


# ---------------------------------------------------------------- jurisdictions and helpers


def invalid(loc: list[str | int], msg: str) -> InvalidInput:
    return InvalidInput(msg, errors=[field_error(loc, msg)])


# ---------------------------------------------------------------- agreements


def create_agreement(session: Session, *, actor: Actor | None, data: AgreementIn) -> Agreement:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="progress.agreement.create",
        object_type="agreement",
        object_id=data.code,
    )
    for i, code in enumerate(data.parties):
        regions.jurisdiction_or_invalid(session, code=code, loc=["body", "parties", i])
    if session.scalar(select(Agreement.id).where(Agreement.code == data.code)):
        raise Conflict(f"an agreement with code {data.code!r} exists already")
    row = Agreement(
        code=data.code,
        title_zh=data.title_zh,
        title_en=data.title_en,
        parties=list(data.parties),
        signed_on=data.signed_on,
        source_document=data.source_document,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.agreement.create",
        object_type="agreement",
        object_id=row.code,
        detail={"parties": row.parties, "title_en": row.title_en},
    )
    return row


def list_agreements(session: Session) -> list[Agreement]:
    return list(session.scalars(select(Agreement).order_by(Agreement.id)))


def get_agreement(session: Session, *, code: str) -> Agreement:
    row = session.scalar(select(Agreement).where(Agreement.code == code))
    if row is None:
        raise NotFound(f"no agreement {code!r}")
    return row


# ---------------------------------------------------------------- indicators


def create_indicator(session: Session, *, actor: Actor | None, data: IndicatorIn) -> Indicator:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="progress.indicator.create",
        object_type="indicator",
        object_id=data.code,
    )
    if session.scalar(select(Indicator.id).where(Indicator.code == data.code)):
        raise Conflict(f"an indicator with code {data.code!r} exists already")
    row = Indicator(**data.model_dump())
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.indicator.create",
        object_type="indicator",
        object_id=row.code,
        detail={"unit": row.unit, "direction": row.direction, "period_type": row.period_type},
    )
    return row


def list_indicators(session: Session, *, area: str | None = None) -> list[Indicator]:
    stmt = select(Indicator)
    if area:
        _check_area(area, ["query", "area"])
        stmt = stmt.where(Indicator.area == area)
    return list(session.scalars(stmt.order_by(Indicator.area, Indicator.code)))


def get_indicator(session: Session, *, code: str) -> Indicator:
    row = session.scalar(select(Indicator).where(Indicator.code == code))
    if row is None:
        raise NotFound(f"no indicator {code!r}")
    return row


def _indicator_or_invalid(session: Session, code: str, loc: list[str | int]) -> Indicator:
    row = session.scalar(select(Indicator).where(Indicator.code == code))
    if row is None:
        raise invalid(loc, f"unknown indicator code {code!r}")
    return row


# ---------------------------------------------------------------- commitments


def _check_area(area: str, loc: list[str | int]) -> None:
    if area not in AREAS:
        raise invalid(loc, f"unknown area {area!r}; one of {', '.join(AREAS)}")


def create_commitment(session: Session, *, actor: Actor | None, data: CommitmentIn) -> Commitment:
    agreement = session.scalar(select(Agreement).where(Agreement.code == data.agreement_code))
    if agreement is None:
        raise invalid(["body", "agreement_code"], f"unknown agreement {data.agreement_code!r}")
    _check_area(data.area, ["body", "area"])
    lead = regions.jurisdiction_or_invalid(
        session, code=data.lead_jurisdiction_code, loc=["body", "lead_jurisdiction_code"]
    )
    ensure_can_write(
        session,
        actor,
        action="progress.commitment.create",
        object_type="commitment",
        object_id=data.code,
        jurisdiction_code=lead.code,
        organisation_id=None,
    )
    supporting = []
    for i, code in enumerate(data.supporting_jurisdiction_codes):
        supporting.append(
            regions.jurisdiction_or_invalid(
                session, code=code, loc=["body", "supporting_jurisdiction_codes", i]
            ).code
        )
    for i, org_id in enumerate(data.agency_ids):
        try:
            if not is_db_id(org_id):
                raise NotFound(f"no organisation {org_id}")
            regions.get_organisation(session, organisation_id=org_id)
        except NotFound:
            raise invalid(["body", "agency_ids", i], f"unknown organisation {org_id}") from None
    indicators = [
        _indicator_or_invalid(session, code, ["body", "indicator_codes", i])
        for i, code in enumerate(data.indicator_codes)
    ]
    if session.scalar(select(Commitment.id).where(Commitment.code == data.code)):
        raise Conflict(f"a commitment with code {data.code!r} exists already")
    row = Commitment(
        agreement_id=agreement.id,
        code=data.code,
        text_zh=data.text_zh,
        text_en=data.text_en,
        area=data.area,
        lead_jurisdiction_code=lead.code,
        deadline=data.deadline,
        status=data.status,
        source_locator=data.source_locator,
    )
    row.supporting = [
        CommitmentJurisdiction(jurisdiction_code=c)
        for c in dict.fromkeys(supporting)
        if c != lead.code
    ]
    row.agencies = [CommitmentAgency(organisation_id=o) for o in dict.fromkeys(data.agency_ids)]
    row.indicator_links = [
        CommitmentIndicator(indicator_id=i.id) for i in {i.id: i for i in indicators}.values()
    ]
    session.add(row)
    session.flush()
    assert actor is not None
    session.add(
        StatusChange(
            commitment_id=row.id,
            status=row.status,
            changed_on=data.status_since or utcnow().date(),
            note="initial status",
            recorded_by=actor.username,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="progress.commitment.create",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=lead.code,
        detail={"area": row.area, "status": row.status, "agreement": agreement.code},
    )
    session.flush()
    return row


def _commitment_query() -> Any:
    return select(Commitment).options(
        selectinload(Commitment.supporting),
        selectinload(Commitment.agencies),
        selectinload(Commitment.indicator_links),
        selectinload(Commitment.agreement),
    )


def get_commitment(session: Session, *, code: str) -> Commitment:
    row: Commitment | None = session.scalar(_commitment_query().where(Commitment.code == code))
    if row is None:
        raise NotFound(f"no commitment {code!r}")
    return row


def list_commitments(
    session: Session,
    *,
    area: str | None = None,
    jurisdiction: str | None = None,
    status: str | None = None,
    agency: int | None = None,
    agreement: str | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[Commitment]:
    """Commitments matching every given filter. ``jurisdiction`` matches the lead or a supporting
    jurisdiction, or one below them (120000 also finds commitments led by 120116)."""
    if area is not None and area not in AREAS:
        raise invalid(["query", "area"], f"unknown area {area!r}; one of {', '.join(AREAS)}")
    if status is not None and status not in COMMITMENT_STATUSES:
        raise invalid(
            ["query", "status"],
            f"unknown status {status!r}; one of {', '.join(COMMITMENT_STATUSES)}",
        )
    stmt = _commitment_query()
    if area:
        stmt = stmt.where(Commitment.area == area)
    if status:
        stmt = stmt.where(Commitment.status == status)
    if agreement:
        stmt = stmt.join(Agreement, Agreement.id == Commitment.agreement_id).where(
            Agreement.code == agreement
        )
    if agency is not None:
        if not is_db_id(agency):
            raise invalid(["query", "agency"], f"unknown organisation {agency}")
        stmt = stmt.where(
            Commitment.id.in_(
                select(CommitmentAgency.commitment_id).where(
                    CommitmentAgency.organisation_id == agency
                )
            )
        )
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        codes = regions.descendants(session, code=jurisdiction)
        stmt = stmt.where(
            Commitment.lead_jurisdiction_code.in_(codes)
            | Commitment.id.in_(
                select(CommitmentJurisdiction.commitment_id).where(
                    CommitmentJurisdiction.jurisdiction_code.in_(codes)
                )
            )
        )
    if after_id is not None:
        stmt = stmt.where(Commitment.id > after_id)
    stmt = stmt.order_by(Commitment.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def commitment_out(session: Session, row: Commitment) -> CommitmentOut:
    codes = {
        i.id: i.code
        for i in session.scalars(
            select(Indicator).where(
                Indicator.id.in_([link.indicator_id for link in row.indicator_links])
            )
        )
    }
    return CommitmentOut(
        id=row.id,
        code=row.code,
        agreement_code=row.agreement.code,
        text_zh=row.text_zh,
        text_en=row.text_en,
        area=row.area,
        lead_jurisdiction_code=row.lead_jurisdiction_code,
        supporting_jurisdiction_codes=[s.jurisdiction_code for s in row.supporting],
        agency_ids=[a.organisation_id for a in row.agencies],
        deadline=row.deadline,
        status=row.status,
        indicator_codes=sorted(codes[link.indicator_id] for link in row.indicator_links),
        source_locator=row.source_locator,
        updated_at=row.updated_at,
    )


def commitment_history(session: Session, *, commitment: Commitment) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.commitment_id == commitment.id)
            .order_by(StatusChange.changed_on, StatusChange.id)
        )
    )


def commitment_evidence(session: Session, *, commitment: Commitment) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence).where(Evidence.commitment_id == commitment.id).order_by(Evidence.id)
        )
    )


def commitment_detail(session: Session, row: Commitment) -> CommitmentDetail:
    base = commitment_out(session, row)
    return CommitmentDetail(
        **base.model_dump(),
        history=[
            StatusChangeOut.model_validate(h) for h in commitment_history(session, commitment=row)
        ],
        evidence=[
            EvidenceOut.model_validate(e) for e in commitment_evidence(session, commitment=row)
        ],
    )


def _ensure_commitment_writer(
    session: Session, actor: Actor | None, row: Commitment, action: str
) -> Actor:
    """Administrators of the lead jurisdiction, or a steward of a responsible agency."""
    agencies = {a.organisation_id for a in row.agencies}
    owner = (
        actor.organisation_id if actor is not None and actor.organisation_id in agencies else None
    )
    return ensure_can_write(
        session,
        actor,
        action=action,
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        organisation_id=owner,
    )


def change_status(
    session: Session, *, actor: Actor | None, code: str, data: StatusChangeIn
) -> StatusChange:
    """Append a dated status change (the history is never edited) and update the commitment.

    The commitment's current status is that of its latest change by date (ties: latest
    recorded), so a back-dated entry is kept in the history without overwriting a newer
    status. No change may be dated before the first entry or in the future."""
    row = get_commitment(session, code=code)
    actor = _ensure_commitment_writer(session, actor, row, "progress.commitment.status")
    if data.changed_on > utcnow().date():
        raise invalid(["body", "changed_on"], "a status change cannot be dated in the future")
    first = commitment_history(session, commitment=row)
    if first and data.changed_on < first[0].changed_on:
        raise invalid(
            ["body", "changed_on"],
            f"the status of {row.code} is recorded from {first[0].changed_on} on; a change "
            "cannot be dated before that (give status_since when creating a commitment with "
            "an older history)",
        )
    change = StatusChange(
        commitment_id=row.id,
        status=data.status,
        changed_on=data.changed_on,
        note=data.note,
        recorded_by=actor.username,
    )
    session.add(change)
    session.flush()
    latest = commitment_history(session, commitment=row)[-1]
    old = row.status
    row.status = latest.status
    row.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="progress.commitment.status",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        detail={
            "from": old,
            "to": data.status,
            "changed_on": str(data.changed_on),
            "current": row.status,
        },
    )
    return change


def add_evidence(session: Session, *, actor: Actor | None, code: str, data: EvidenceIn) -> Evidence:
    row = get_commitment(session, code=code)
    actor = _ensure_commitment_writer(session, actor, row, "progress.commitment.evidence")
    evidence = Evidence(
        commitment_id=row.id,
        url=data.url,
        title=data.title,
        published_on=data.published_on,
        added_by=actor.username,
    )
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.commitment.evidence",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=row.lead_jurisdiction_code,
        detail={"url": data.url, "title": data.title},
    )
    return evidence


# ---------------------------------------------------------------- values: checking


@dataclass(frozen=True)
class RowProblem:
    """A problem with one cell of submitted values (index: 0-based position in the batch)."""

    index: int
    column: str
    reason: str


@dataclass(frozen=True)
class CleanRow:
    index: int
    indicator: Indicator
    jurisdiction_code: str
    period: kernels.Period
    value: float
    source: str
    note: str | None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_number(value: object) -> float:
    """A finite number from a cell or JSON value; ValueError says why not."""
    if isinstance(value, bool):
        raise ValueError("true/false is not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("a value is required")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a number (use digits with a dot for decimals, no thousands "
                "separators or units)"
            ) from None
    elif value is None:
        raise ValueError("a value is required")
    else:
        raise ValueError(f"a {type(value).__name__} is not a number")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("the value must be a finite number")
    return number


def _period_text(value: object) -> tuple[str | None, str | None]:
    """The period string of a cell, or why the cell cannot be one."""
    if isinstance(value, dt.datetime | dt.date):
        return None, (
            f"the cell holds a date ({value:%Y-%m-%d}), not a period string: format the column "
            "as text and type e.g. '2021-07'"
        )
    if isinstance(value, float) and not value.is_integer():
        return None, f"{value} is not a period string such as '2021', '2021Q3' or '2021-07'"
    return _text(value), None


def check_rows(
    session: Session, rows: Sequence[Mapping[str, object]]
) -> tuple[list[CleanRow], list[RowProblem]]:
    """Check submitted values cell by cell: required cells, known indicator and jurisdiction,
    a period string of the indicator's period type, a numeric value, a unit matching the
    indicator, no duplicates (in the batch or already stored). Rule checks come after."""
    problems: list[RowProblem] = []
    clean: list[CleanRow] = []
    indicator_codes = {_text(r.get("indicator_code")) for r in rows}
    indicators = {
        i.code: i
        for i in session.scalars(
            select(Indicator).where(Indicator.code.in_([c for c in indicator_codes if c]))
        )
    }
    known = regions.known_jurisdictions(
        session, codes=(_text(r.get("jurisdiction_code")) for r in rows)
    )
    seen: dict[tuple[str, str, str], int] = {}
    for index, raw in enumerate(rows):
        row_problems: list[RowProblem] = []

        def bad(
            column: str,
            reason: str,
            index: int = index,
            row_problems: list[RowProblem] = row_problems,
        ) -> None:
            row_problems.append(RowProblem(index, column, reason))

        code = _text(raw.get("indicator_code"))
        indicator = indicators.get(code) if code else None
        if code is None:
            bad("indicator_code", "an indicator code is required")
        elif indicator is None:
            bad("indicator_code", f"unknown indicator code {code!r}")
        jurisdiction = _text(raw.get("jurisdiction_code"))
        if jurisdiction is None:
            bad("jurisdiction_code", "a jurisdiction code is required")
        elif jurisdiction not in known:
            bad("jurisdiction_code", f"unknown jurisdiction code {jurisdiction!r}")
        period_text, period_problem = _period_text(raw.get("period"))
        period: kernels.Period | None = None
        if period_problem is not None:
            bad("period", period_problem)
        elif period_text is None:
            bad("period", "a period is required, e.g. '2021', '2021Q3' or '2021-07'")
        else:
            try:
                period = kernels.parse_period(
                    period_text, indicator.period_type if indicator is not None else None
                )
            except kernels.PeriodError as exc:
                bad("period", str(exc))
        number: float | None = None
        try:
            number = parse_number(raw.get("value"))
        except ValueError as exc:
            bad("value", str(exc))
        unit = _text(raw.get("unit"))
        if unit is not None and indicator is not None and unit != indicator.unit:
            bad("unit", f"unit {unit!r} does not match the indicator's unit {indicator.unit!r}")
        source = _text(raw.get("source"))
        if source is None:
            bad("source", "a source is required (publication, table or office)")
        elif len(source) > 2000:
            bad("source", "at most 2000 characters")
        note = _text(raw.get("note"))
        if note is not None and len(note) > 2000:
            bad("note", "at most 2000 characters")
        if indicator is not None and jurisdiction in known and period is not None:
            key = (indicator.code, str(jurisdiction), str(period))
            if key in seen:
                bad(
                    "period",
                    f"duplicate: the same indicator, jurisdiction and period is in "
                    f"entry {seen[key] + 1} already",
                )
            else:
                seen[key] = index
        problems.extend(row_problems)
        if not row_problems:
            assert indicator is not None and jurisdiction is not None and period is not None
            assert number is not None and source is not None
            clean.append(CleanRow(index, indicator, jurisdiction, period, number, source, note))
    if clean:
        stored = {
            tuple(r)
            for r in session.execute(
                select(
                    IndicatorValue.indicator_id,
                    IndicatorValue.jurisdiction_code,
                    IndicatorValue.period,
                ).where(
                    IndicatorValue.indicator_id.in_({c.indicator.id for c in clean}),
                    IndicatorValue.jurisdiction_code.in_({c.jurisdiction_code for c in clean}),
                )
            )
        }
        still: list[CleanRow] = []
        for c in clean:
            if (c.indicator.id, c.jurisdiction_code, str(c.period)) in stored:
                problems.append(
                    RowProblem(
                        c.index,
                        "period",
                        f"duplicate: a value of {c.indicator.code} for {c.jurisdiction_code} "
                        f"{c.period} is stored already",
                    )
                )
            else:
                still.append(c)
        clean = still
    problems.sort(
        key=lambda p: (p.index, VALUE_COLUMNS.index(p.column) if p.column in VALUE_COLUMNS else 99)
    )
    return clean, problems


def _indicator_infos(session: Session) -> dict[str, rules_mod.IndicatorInfo]:
    return {
        i.code: rules_mod.IndicatorInfo(i.code, i.unit, i.period_type)
        for i in session.scalars(select(Indicator))
    }


def _stored_map(
    session: Session,
    *,
    jurisdictions: Iterable[str] | None = None,
    indicator: str | None = None,
) -> dict[rules_mod.Key, float]:
    stmt = select(
        Indicator.code,
        IndicatorValue.jurisdiction_code,
        IndicatorValue.period,
        IndicatorValue.value,
    ).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
    if jurisdictions is not None:
        stmt = stmt.where(IndicatorValue.jurisdiction_code.in_(list(jurisdictions)))
    if indicator is not None:
        stmt = stmt.where(Indicator.code == indicator)
    return {(c, j, p): v for c, j, p, v in session.execute(stmt).all()}


def rule_check(
    session: Session, clean: Sequence[CleanRow], *, ruleset: rules_mod.RuleSet | None = None
) -> tuple[list[RowProblem], dict[int, list[dict[str, str]]]]:
    """Run the rules on new values together with the stored ones.

    Returns errors (severity ``error``: the value is rejected) and warnings per row index
    (severity ``warning``: the value is stored and flagged)."""
    ruleset = ruleset or rules_mod.shipped_ruleset()
    values = _stored_map(session, jurisdictions={c.jurisdiction_code for c in clean})
    keys: dict[rules_mod.Key, int] = {}
    for c in clean:
        key = (c.indicator.code, c.jurisdiction_code, str(c.period))
        values[key] = c.value
        keys[key] = c.index
    violations = rules_mod.evaluate(ruleset, values, _indicator_infos(session), scope=keys)
    errors: list[RowProblem] = []
    warnings: dict[int, list[dict[str, str]]] = defaultdict(list)
    for v in violations:
        involved = [keys[k] for k in v.keys if k in keys]
        if v.severity == "error":
            for index in involved:
                errors.append(RowProblem(index, "value", f"rule {v.rule_id}: {v.message}"))
        else:
            for index in involved:
                warnings[index].append(v.as_dict())
    return errors, dict(warnings)


# ---------------------------------------------------------------- values: storing


def _value_owner(session: Session, actor: Actor | None, jurisdiction_code: str) -> int | None:
    """The acting steward's organisation if the value's jurisdiction is its own or below it."""
    if actor is None or actor.organisation_id is None:
        return None
    try:
        org = regions.get_organisation(session, organisation_id=actor.organisation_id)
    except NotFound:
        return None
    return (
        org.id
        if org.jurisdiction_code in regions.ancestors(session, code=jurisdiction_code)
        else None
    )


def authorise_values(
    session: Session, *, actor: Actor | None, jurisdictions: Iterable[str], channel: str
) -> Actor:
    """Raise 401/403 (audited) unless ``actor`` may write values for every jurisdiction."""
    checked: Actor | None = None
    for code in sorted(set(jurisdictions)):
        checked = ensure_can_write(
            session,
            actor,
            action="progress.values.submit",
            object_type="indicator_value",
            object_id=None,
            jurisdiction_code=code,
            organisation_id=_value_owner(session, actor, code),
        )
    if checked is None:
        checked = ensure_role(
            session,
            actor,
            Role.OFFICE_ADMIN,
            Role.JURISDICTION_ADMIN,
            Role.STEWARD,
            action="progress.values.submit",
            object_type="indicator_value",
        )
    return checked


def store_clean(
    session: Session,
    *,
    actor: Actor,
    clean: Sequence[CleanRow],
    warnings: Mapping[int, list[dict[str, str]]],
    channel: str,
) -> list[IndicatorValue]:
    stored: list[IndicatorValue] = []
    for c in clean:
        row = IndicatorValue(
            indicator_id=c.indicator.id,
            jurisdiction_code=c.jurisdiction_code,
            period=str(c.period),
            period_ordinal=c.period.ordinal,
            year=c.period.year,
            value=c.value,
            source=c.source,
            note=c.note,
            flags=list(warnings.get(c.index, [])),
            submitted_by=actor.username,
            organisation_id=_value_owner(session, actor, c.jurisdiction_code),
        )
        session.add(row)
        stored.append(row)
    session.flush()
    by_jurisdiction: dict[str, list[IndicatorValue]] = defaultdict(list)
    for row in stored:
        by_jurisdiction[row.jurisdiction_code].append(row)
    for code, rows in sorted(by_jurisdiction.items()):
        audit.record(
            session,
            actor=actor,
            action="progress.values.submit",
            object_type="indicator_value",
            object_id=",".join(str(r.id) for r in rows[:20]) + ("..." if len(rows) > 20 else ""),
            jurisdiction_code=code,
            detail={
                "count": len(rows),
                "channel": channel,
                "values": [[r.indicator.code, r.period, r.value] for r in rows[:50]],
                "flagged": sum(1 for r in rows if r.flags),
            },
        )
    return stored


def value_out(row: IndicatorValue) -> ValueOut:
    return ValueOut(
        id=row.id,
        indicator_code=row.indicator.code,
        jurisdiction_code=row.jurisdiction_code,
        period=row.period,
        value=row.value,
        unit=row.indicator.unit,
        source=row.source,
        note=row.note,
        flags=list(row.flags or []),
        submitted_by=row.submitted_by,
        created_at=row.created_at,
    )


def submit_values(
    session: Session,
    *,
    actor: Actor | None,
    values: Sequence[ValueIn],
    channel: str = "api",
    loc_prefix: Sequence[str | int] = ("body", "values"),
) -> ValuesStored:
    """Store a batch of values: all or nothing. Any cell error rejects the whole batch with
    every error listed (``loc``: prefix, index, field)."""
    raws = [v.model_dump() for v in values]
    known = regions.known_jurisdictions(session, codes=(str(r["jurisdiction_code"]) for r in raws))
    checked = authorise_values(session, actor=actor, jurisdictions=known, channel=channel)
    clean, problems = check_rows(session, raws)
    errors, warnings = rule_check(session, clean)
    problems = problems + errors
    if problems:
        raise InvalidInput(
            f"{len(problems)} problem(s) in the submitted values; nothing was stored",
            errors=[field_error([*loc_prefix, p.index, p.column], p.reason) for p in problems],
        )
    stored = store_clean(session, actor=checked, clean=clean, warnings=warnings, channel=channel)
    return ValuesStored(
        stored=len(stored),
        items=[value_out(r) for r in stored],
        warnings=[w for ws in warnings.values() for w in ws],
    )


def delete_value(session: Session, *, actor: Actor | None, value_id: int) -> None:
    """Remove a stored value (to correct it, delete it and enter it again). Authorised like a
    write for its jurisdiction; audited with the removed content."""
    row = session.get(IndicatorValue, value_id) if is_db_id(value_id) else None
    if row is None:
        raise NotFound(f"no value {value_id}")
    checked = ensure_can_write(
        session,
        actor,
        action="progress.values.delete",
        object_type="indicator_value",
        object_id=str(value_id),
        jurisdiction_code=row.jurisdiction_code,
        organisation_id=_value_owner(session, actor, row.jurisdiction_code),
    )
    detail = {
        "indicator": row.indicator.code,
        "period": row.period,
        "value": row.value,
        "source": row.source,
        "submitted_by": row.submitted_by,
    }
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=checked,
        action="progress.values.delete",
        object_type="indicator_value",
        object_id=value_id,
        jurisdiction_code=row.jurisdiction_code,
        detail=detail,
    )


def list_values(
    session: Session,
    *,
    indicator: str | None = None,
    jurisdiction: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[IndicatorValue]:
    stmt = select(IndicatorValue).options(selectinload(IndicatorValue.indicator))
    if indicator:
        ind = get_indicator(session, code=indicator)
        stmt = stmt.where(IndicatorValue.indicator_id == ind.id)
        kind: str | None = ind.period_type
    else:
        kind = None
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        stmt = stmt.where(IndicatorValue.jurisdiction_code == jurisdiction)
    for name, text, op in (("period_from", period_from, ">="), ("period_to", period_to, "<=")):
        if text is None:
            continue
        try:
            p = kernels.parse_period(text, kind)
        except kernels.PeriodError as exc:
            raise invalid(["query", name], str(exc)) from None
        if kind is None:
            stmt = stmt.where(
                IndicatorValue.year >= p.year if op == ">=" else IndicatorValue.year <= p.year
            )
        else:
            stmt = stmt.where(
                IndicatorValue.period_ordinal >= p.ordinal
                if op == ">="
                else IndicatorValue.period_ordinal <= p.ordinal
            )
    if after_id is not None:
        stmt = stmt.where(IndicatorValue.id > after_id)
    stmt = stmt.order_by(IndicatorValue.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- targets


def set_target(session: Session, *, actor: Actor | None, data: TargetIn) -> Target:
    """Create or replace the target of an indicator for a jurisdiction (audited with the old
    value)."""
    indicator = _indicator_or_invalid(session, data.indicator_code, ["body", "indicator_code"])
    jurisdiction = regions.jurisdiction_or_invalid(
        session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    ensure_can_write(
        session,
        actor,
        action="progress.target.set",
        object_type="target",
        object_id=f"{indicator.code}/{jurisdiction.code}",
        jurisdiction_code=jurisdiction.code,
        organisation_id=None,
    )
    if not math.isfinite(data.target_value):
        raise invalid(["body", "target_value"], "the target must be a finite number")
    if data.base_year is not None and data.base_year >= data.target_year:
        raise invalid(["body", "base_year"], "the base year must be before the target year")
    row = session.scalar(
        select(Target).where(
            Target.indicator_id == indicator.id, Target.jurisdiction_code == jurisdiction.code
        )
    )
    old = None
    if row is None:
        row = Target(indicator_id=indicator.id, jurisdiction_code=jurisdiction.code)
        session.add(row)
    else:
        old = {"target_value": row.target_value, "target_year": row.target_year}
    row.target_value = data.target_value
    row.target_year = data.target_year
    row.base_year = data.base_year
    row.source = data.source
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.target.set",
        object_type="target",
        object_id=f"{indicator.code}/{jurisdiction.code}",
        jurisdiction_code=jurisdiction.code,
        detail={
            "target_value": data.target_value,
            "target_year": data.target_year,
            "base_year": data.base_year,
            "previous": old,
        },
    )
    return row


def list_targets(
    session: Session, *, indicator: str | None = None, jurisdiction: str | None = None
) -> list[Target]:
    stmt = select(Target).options(selectinload(Target.indicator))
    if indicator:
        stmt = stmt.where(Target.indicator_id == get_indicator(session, code=indicator).id)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        stmt = stmt.where(Target.jurisdiction_code == jurisdiction)
    return list(session.scalars(stmt.order_by(Target.id)))


def target_out(row: Target) -> TargetOut:
    return TargetOut(
        id=row.id,
        indicator_code=row.indicator.code,
        jurisdiction_code=row.jurisdiction_code,
        target_value=row.target_value,
        target_year=row.target_year,
        base_year=row.base_year,
        source=row.source,
    )


# ---------------------------------------------------------------- validation on demand


def validate(
    session: Session,
    *,
    ruleset: rules_mod.RuleSet | None = None,
    indicator: str | None = None,
    jurisdiction: str | None = None,
) -> ValidationReport:
    """Every violation of the rule set among the stored values (optionally narrowed to the
    violations that concern one indicator and/or jurisdiction)."""
    ruleset = ruleset or rules_mod.shipped_ruleset()
    if indicator:
        get_indicator(session, code=indicator)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    values = _stored_map(session)
    violations = rules_mod.evaluate(ruleset, values, _indicator_infos(session))
    if indicator:
        violations = [v for v in violations if any(k[0] == indicator for k in v.keys)]
    if jurisdiction:
        violations = [v for v in violations if v.jurisdiction_code == jurisdiction]
    return ValidationReport(
        checked_values=len(values),
        rules=len(ruleset.rules),
        violations=[ViolationOut(**v.as_dict()) for v in violations],
    )


# ---------------------------------------------------------------- progress


@dataclass
class _Series:
    indicator: Indicator
    jurisdiction: str
    points: list[tuple[kernels.Period, float]] = field(default_factory=list)
    target: Target | None = None


def progress_rows(
    session: Session,
    *,
    year: int | None = None,
    jurisdiction: str | None = None,
    area: str | None = None,
    indicator: str | None = None,
    base_year: int | None = None,
) -> list[ProgressRow]:
    """Per indicator and jurisdiction: latest value up to ``year``, change on the previous
    stored period and on the base, and the status (kernels.assess). ``jurisdiction`` includes
    the jurisdictions below it. Base: ``base_year`` if a value exists in it, else the target's
    base year, else the earliest value."""
    if area is not None and area not in AREAS:
        raise invalid(["query", "area"], f"unknown area {area!r}; one of {', '.join(AREAS)}")
    stmt = select(IndicatorValue).options(selectinload(IndicatorValue.indicator))
    tstmt = select(Target).options(selectinload(Target.indicator))
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        codes = regions.descendants(session, code=jurisdiction)
        stmt = stmt.where(IndicatorValue.jurisdiction_code.in_(codes))
        tstmt = tstmt.where(Target.jurisdiction_code.in_(codes))
    if year is not None:
        stmt = stmt.where(IndicatorValue.year <= year)
    if indicator:
        ind = get_indicator(session, code=indicator)
        stmt = stmt.where(IndicatorValue.indicator_id == ind.id)
        tstmt = tstmt.where(Target.indicator_id == ind.id)
    series: dict[tuple[int, str], _Series] = {}
    for v in session.scalars(stmt):
        if area and v.indicator.area != area:
            continue
        s = series.setdefault(
            (v.indicator_id, v.jurisdiction_code), _Series(v.indicator, v.jurisdiction_code)
        )
        s.points.append((kernels.parse_period(v.period, v.indicator.period_type), v.value))
    for t in session.scalars(tstmt):
        if area and t.indicator.area != area:
            continue
        s = series.setdefault(
            (t.indicator_id, t.jurisdiction_code), _Series(t.indicator, t.jurisdiction_code)
        )
        s.target = t
    rows = [_progress_row(s, base_year) for s in series.values()]
    rows.sort(
        key=lambda r: (
            AREAS.index(r.area) if r.area in AREAS else 99,
            r.indicator_code,
            r.jurisdiction_code,
        )
    )
    return rows


def _progress_row(s: _Series, base_year: int | None) -> ProgressRow:
    ind = s.indicator
    kind = kernels.PeriodType(ind.period_type)
    points = sorted(s.points)
    latest = points[-1] if points else None
    previous = points[-2] if len(points) >= 2 else None
    wanted_base = (
        base_year
        if base_year is not None
        else (s.target.base_year if s.target is not None else None)
    )
    base = next(
        (p for p in points if wanted_base is not None and p[0].year == wanted_base),
        points[0] if points else None,
    )
    if base is not None and latest is not None and base[0] >= latest[0] and len(points) > 1:
        base = points[0]
    target = (
        (s.target.target_value, kernels.target_time(kind, s.target.target_year))
        if s.target is not None
        else None
    )
    result = kernels.assess(
        [(p.time, v) for p, v in points],
        ind.direction,
        target=target,
        base_time=base[0].time if base else None,
    )
    ch_prev = kernels.change(previous[1], latest[1]) if previous and latest else None
    ch_base = (
        kernels.change(base[1], latest[1])
        if base is not None and latest is not None and base[0] != latest[0]
        else None
    )
    return ProgressRow(
        indicator_code=ind.code,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        unit=ind.unit,
        direction=ind.direction,
        area=ind.area,
        jurisdiction_code=s.jurisdiction,
        latest_period=str(latest[0]) if latest else None,
        latest_value=latest[1] if latest else None,
        previous_period=str(previous[0]) if previous else None,
        previous_value=previous[1] if previous else None,
        change_previous_abs=ch_prev.absolute if ch_prev else None,
        change_previous_pct=ch_prev.percent if ch_prev else None,
        base_period=str(base[0]) if base and ch_base else None,
        base_value=base[1] if base and ch_base else None,
        change_base_abs=ch_base.absolute if ch_base else None,
        change_base_pct=ch_base.percent if ch_base else None,
        target_value=s.target.target_value if s.target else None,
        target_year=s.target.target_year if s.target else None,
        status=result.status.value,
        method=result.method,
        ratio=_finite(result.ratio),
        achieved_rate=_finite(result.achieved_rate),
        required_rate=_finite(result.required_rate),
        values=len(points),
    )


def _finite(x: float | None) -> float | None:
    if x is None or x != x or x in (float("inf"), float("-inf")):
        return None
    return x


def series_of(session: Session, *, indicator: str, jurisdiction: str) -> list[IndicatorValue]:
    ind = get_indicator(session, code=indicator)
    return list(
        session.scalars(
            select(IndicatorValue)
            .where(
                IndicatorValue.indicator_id == ind.id,
                IndicatorValue.jurisdiction_code == jurisdiction,
            )
            .order_by(IndicatorValue.period_ordinal)
        )
    )


# ---------------------------------------------------------------- grouping and roll-ups


def indicator_agencies(session: Session) -> dict[str, set[int]]:
    """Indicator code -> responsible agencies of the commitments it measures."""
    out: dict[str, set[int]] = defaultdict(set)
    stmt = (
        select(Indicator.code, CommitmentAgency.organisation_id)
        .join(CommitmentIndicator, CommitmentIndicator.indicator_id == Indicator.id)
        .join(CommitmentAgency, CommitmentAgency.commitment_id == CommitmentIndicator.commitment_id)
    )
    for code, org in session.execute(stmt).all():
        out[code].add(org)
    return dict(out)


def commitment_keys(c: CommitmentOut, group_by: str) -> list[str]:
    if group_by == "area":
        return [c.area]
    if group_by == "status":
        return [c.status]
    if group_by == "jurisdiction":
        return [c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes]
    if group_by == "lead_jurisdiction":
        return [c.lead_jurisdiction_code]
    if group_by == "agency":
        return [str(a) for a in c.agency_ids] or ["-"]
    if group_by == "agreement":
        return [c.agreement_code]
    raise invalid(
        ["query", "group_by"],
        f"cannot group commitments by {group_by!r}; one of {', '.join(COMMITMENT_GROUPS)}",
    )


def progress_keys(
    row: ProgressRow, group_by: str, agencies: Mapping[str, set[int]] | None = None
) -> list[str]:
    if group_by == "area":
        return [row.area]
    if group_by == "status":
        return [row.status]
    if group_by == "jurisdiction":
        return [row.jurisdiction_code]
    if group_by == "indicator":
        return [row.indicator_code]
    if group_by == "direction":
        return [row.direction]
    if group_by == "agency":
        found = sorted((agencies or {}).get(row.indicator_code, set()))
        return [str(a) for a in found] or ["-"]
    raise invalid(
        ["query", "group_by"],
        f"cannot group indicators by {group_by!r}; one of {', '.join(PROGRESS_GROUPS)}",
    )


def _group_order(group_by: str, key: str) -> tuple[int, str]:
    if group_by == "area" and key in AREAS:
        return (AREAS.index(key), key)
    if group_by == "status":
        order = [*COMMITMENT_STATUSES, *[s.value for s in kernels.STATUS_RANK]]
        return (order.index(key) if key in order else 99, key)
    return (0, key)


T = TypeVar("T")


def group_items(
    items: Sequence[T],
    *,
    group_by: str,
    keys: Callable[[T], list[str]],
    status: Callable[[T], str],
    statuses: Sequence[str],
) -> list[Group]:
    """Group ``items`` (an item with several keys is in several groups), with status counts."""
    buckets: dict[str, list[T]] = defaultdict(list)
    for item in items:
        for key in dict.fromkeys(keys(item)):
            buckets[key].append(item)
    groups = []
    for key in sorted(buckets, key=lambda k: _group_order(group_by, k)):
        members = buckets[key]
        counts = {s: 0 for s in statuses}
        for m in members:
            counts[status(m)] = counts.get(status(m), 0) + 1
        groups.append(Group(key=key, count=len(members), status_counts=counts, items=list(members)))
    return groups


PROGRESS_STATUSES: tuple[str, ...] = tuple(
    s.value for s in sorted(kernels.STATUS_RANK, key=lambda s: -kernels.STATUS_RANK[s])
)


def group_commitments(items: Sequence[CommitmentOut], group_by: str) -> list[Group]:
    if group_by not in COMMITMENT_GROUPS:
        raise invalid(
            ["query", "group_by"],
            f"cannot group commitments by {group_by!r}; one of {', '.join(COMMITMENT_GROUPS)}",
        )
    return group_items(
        items,
        group_by=group_by,
        keys=lambda c: commitment_keys(c, group_by),
        status=lambda c: c.status,
        statuses=COMMITMENT_STATUSES,
    )


def group_progress(session: Session, rows: Sequence[ProgressRow], group_by: str) -> list[Group]:
    if group_by not in PROGRESS_GROUPS:
        raise invalid(
            ["query", "group_by"],
            f"cannot group indicators by {group_by!r}; one of {', '.join(PROGRESS_GROUPS)}",
        )
    agencies = indicator_agencies(session) if group_by == "agency" else None
    return group_items(
        rows,
        group_by=group_by,
        keys=lambda r: progress_keys(r, group_by, agencies),
        status=lambda r: r.status,
        statuses=PROGRESS_STATUSES,
    )


def rollups(
    session: Session, *, year: int | None = None, jurisdiction: str | None = None
) -> dict[str, Any]:
    """Status counts per area, per jurisdiction and per commitment.

    Areas and jurisdictions count both indicator statuses and commitment statuses; a
    commitment's row counts the statuses of its linked indicators in the jurisdictions it
    involves (lead, supporting, and those below them)."""
    rows = progress_rows(session, year=year, jurisdiction=jurisdiction)
    commitments = [
        commitment_out(session, c) for c in list_commitments(session, jurisdiction=jurisdiction)
    ]

    def empty() -> dict[str, dict[str, int]]:
        return {
            "indicators": {s: 0 for s in PROGRESS_STATUSES},
            "commitments": {s: 0 for s in COMMITMENT_STATUSES},
        }

    by_area = {a: empty() for a in AREAS}
    by_jurisdiction: dict[str, dict[str, dict[str, int]]] = defaultdict(empty)
    for r in rows:
        by_area[r.area]["indicators"][r.status] += 1
        by_jurisdiction[r.jurisdiction_code]["indicators"][r.status] += 1
    for c in commitments:
        by_area[c.area]["commitments"][c.status] += 1
        for code in dict.fromkeys([c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes]):
            by_jurisdiction[code]["commitments"][c.status] += 1
    by_commitment: dict[str, dict[str, Any]] = {}
    rows_by_indicator: dict[str, list[ProgressRow]] = defaultdict(list)
    for r in rows:
        rows_by_indicator[r.indicator_code].append(r)
    for c in commitments:
        involved: set[str] = set()
        for code in [c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes]:
            involved |= regions.descendants(session, code=code)
        counts = {s: 0 for s in PROGRESS_STATUSES}
        for code in c.indicator_codes:
            for r in rows_by_indicator.get(code, []):
                if r.jurisdiction_code in involved:
                    counts[r.status] += 1
        by_commitment[c.code] = {"status": c.status, "area": c.area, "indicators": counts}
    return {
        "year": year,
        "jurisdiction": jurisdiction,
        "by_area": by_area,
        "by_jurisdiction": dict(sorted(by_jurisdiction.items())),
        "by_commitment": by_commitment,
        "totals": {
            "indicators": kernels.status_counts([r.status for r in rows]),
            "commitments": {
                s: sum(1 for c in commitments if c.status == s) for s in COMMITMENT_STATUSES
            },
        },
    }
