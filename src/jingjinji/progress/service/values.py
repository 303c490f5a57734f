"""Indicator values: entering them (all or nothing), correcting them, reading them.

Written by office administrators; jurisdiction administrators for their province; stewards of
an organisation for its own jurisdiction and the jurisdictions below it; analysts never."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.pagination import Paged, paginate
from jingjinji.progress import kernels, policy
from jingjinji.progress.models import IndicatorValue
from jingjinji.progress.schemas import ValueIn, ValueOut, ValueQuery, ValuesStored
from jingjinji.progress.service.checking import CleanRow, check_rows
from jingjinji.progress.service.indicators import get_indicator
from jingjinji.progress.service.inputs import invalid
from jingjinji.progress.service.validation import rule_check
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_can_write, ensure_role


def _value_owner(session: Session, actor: Actor | None, jurisdiction_code: str) -> int | None:
    """The acting steward's organisation if the value's jurisdiction is its own or below it."""
    if actor is None or actor.organisation_id is None:
        return None
    org = regions.get_organisation_or_none(session, organisation_id=actor.organisation_id)
    if org is None:
        return None
    return policy.value_owner(
        org.id,
        organisation_jurisdiction=org.jurisdiction_code,
        value_jurisdictions=regions.ancestors(session, code=jurisdiction_code),
    )


def authorise_values(
    session: Session, *, actor: Actor | None, jurisdictions: Iterable[str]
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


def value_out(row: IndicatorValue, *, actor: Actor | None) -> ValueOut:
    """A value as ``actor`` reads it: the submitter's username only for those who administer
    the submitting organisation (``policy.sees_usernames``), the organisation for everyone."""
    named = policy.sees_usernames(
        actor, organisation_ids=[row.organisation_id], jurisdiction_code=row.jurisdiction_code
    )
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
        organisation_id=row.organisation_id,
        submitted_by=row.submitted_by if named else None,
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
    checked = authorise_values(session, actor=actor, jurisdictions=known)
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
        items=[value_out(r, actor=actor) for r in stored],
        warnings=[w for ws in warnings.values() for w in ws],
    )


def submit_value(session: Session, *, actor: Actor | None, value: ValueIn) -> ValuesStored:
    """One value, as :func:`submit_values`, with problems at ``loc`` ["body", field]."""
    try:
        return submit_values(session, actor=actor, values=[value], loc_prefix=("body",))
    except InvalidInput as exc:
        for e in exc.errors:
            loc = e.get("loc", [])
            if len(loc) >= 3 and loc[1] == 0:
                e["loc"] = ["body", *loc[2:]]
        raise


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


def _filtered(
    session: Session,
    *,
    indicator: str | None,
    jurisdiction: str | None,
    period_from: str | None,
    period_to: str | None,
) -> Select[IndicatorValue]:
    stmt = select(IndicatorValue).options(selectinload(IndicatorValue.indicator))
    kind: str | None = None
    if indicator:
        ind = get_indicator(session, code=indicator)
        stmt = stmt.where(IndicatorValue.indicator_id == ind.id)
        kind = ind.period_type
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        stmt = stmt.where(IndicatorValue.jurisdiction_code == jurisdiction)
    # Without an indicator the periods may be of any type: the bounds compare whole years.
    for name, text, lower in (("period_from", period_from, True), ("period_to", period_to, False)):
        if text is None:
            continue
        try:
            p = kernels.parse_period(text, kind)
        except kernels.PeriodError as exc:
            raise invalid(["query", name], str(exc)) from None
        column, bound = (
            (IndicatorValue.year, p.year)
            if kind is None
            else (IndicatorValue.period_ordinal, p.ordinal)
        )
        stmt = stmt.where(column >= bound if lower else column <= bound)
    return stmt


def list_values(
    session: Session,
    *,
    indicator: str | None = None,
    jurisdiction: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
) -> list[IndicatorValue]:
    stmt = _filtered(
        session,
        indicator=indicator,
        jurisdiction=jurisdiction,
        period_from=period_from,
        period_to=period_to,
    )
    return list(session.scalars(stmt.order_by(IndicatorValue.id)))


def page_values(session: Session, query: ValueQuery, *, actor: Actor | None) -> Paged[ValueOut]:
    """One page of the values matching the query's filters, by id."""
    stmt = _filtered(
        session,
        indicator=query.indicator,
        jurisdiction=query.jurisdiction,
        period_from=query.period_from,
        period_to=query.period_to,
    )
    page = paginate(session, stmt, IndicatorValue.id, cursor=query.cursor, limit=query.limit)
    return Paged([value_out(r, actor=actor) for r in page.items], page.next_cursor)
