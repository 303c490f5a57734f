"""Indicator values: entering them (all or nothing), correcting them, reading them.

Written by office administrators; jurisdiction administrators for their province; stewards of
an organisation for its own jurisdiction and the jurisdictions below it; analysts never."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from jingjinji import labels
from jingjinji.audit import service as audit
from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import DomainError, InvalidInput, NotFound, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.progress import kernels, policy
from jingjinji.progress.models import IndicatorValue, ValueRevision
from jingjinji.progress.schemas import (
    ValueIn,
    ValueOut,
    ValueQuery,
    ValuesStored,
)
from jingjinji.progress.service.checking import CleanRow, RowProblem, check_rows, problem_order
from jingjinji.progress.service.indicators import get_indicator
from jingjinji.progress.service.inputs import invalid
from jingjinji.progress.service.validation import rule_check
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_can_write, ensure_role, may_write, require_actor


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


@dataclass(frozen=True)
class Permissions:
    """Who writes a batch and, per row, whether they may write its jurisdiction."""

    actor: Actor
    forbidden: frozenset[str]
    problems: list[RowProblem]


def permission_problems(
    session: Session,
    *,
    actor: Actor | None,
    rows: Sequence[Mapping[str, object]],
    jurisdictions: Iterable[str],
) -> Permissions:
    """The rows of a batch whose jurisdiction ``actor`` may not write, as problems of their
    ``jurisdiction_code`` cell, so that one report lists them with every other problem (the
    refusal is audited by :func:`refuse_values`). 401 without an actor; an actor of a role
    that writes no values anywhere is refused (403) when no row names a known jurisdiction."""
    writer = require_actor(actor)
    known = sorted(set(jurisdictions))
    if not known:
        authorise_values(session, actor=writer, jurisdictions=())
    forbidden = frozenset(
        code
        for code in known
        if not may_write(
            writer,
            jurisdiction_code=code,
            organisation_id=_value_owner(session, writer, code),
        )
    )
    problems = [
        RowProblem(
            index,
            "jurisdiction_code",
            msg(
                "permission: {role} {user} may not enter values for jurisdiction {code}",
                role=writer.role.value,
                role_label=labels.msg_label("role", writer.role),
                user=repr(writer.username),
                code=code,
            ),
        )
        for index, cells in enumerate(rows)
        if (code := str(cells.get("jurisdiction_code") or "").strip()) in forbidden
    ]
    return Permissions(writer, forbidden, problems)


class ValuesRefused(PermissionDenied):
    """A batch with rows the actor may not write: every problem of the batch is listed."""


def refuse_values(
    session: Session, *, permissions: Permissions, detail: str, errors: list[dict[str, object]]
) -> DomainError:
    """The error that rejects a batch with problems: a 422, or, when some rows are for
    jurisdictions the actor may not write, an audited 403; both list every problem."""
    if not permissions.forbidden:
        return InvalidInput(detail, errors=errors)
    forbidden = sorted(permissions.forbidden)
    return audit.audited_refusal(
        session,
        ValuesRefused(detail, errors=errors),
        actor=permissions.actor,
        action="progress.values.submit",
        object_type="indicator_value",
        jurisdiction_code=forbidden[0],
        outcome="denied",
        detail={"forbidden_jurisdictions": forbidden, "problems": len(errors)},
    )


@dataclass(frozen=True)
class StoredValues:
    """What :func:`store_clean` wrote: new values and corrected ones."""

    added: list[IndicatorValue]
    revised: list[IndicatorValue]

    @property
    def all(self) -> list[IndicatorValue]:
        return [*self.added, *self.revised]


def _revise(
    session: Session, *, actor: Actor, c: CleanRow, warnings: list[dict[str, str]], channel: str
) -> IndicatorValue:
    """Correct the stored value ``c.previous``: its earlier version becomes a revision."""
    row = c.previous
    assert row is not None and c.note
    now = utcnow()
    owner = _value_owner(session, actor, c.jurisdiction_code)
    session.add(
        ValueRevision(
            value=row,
            previous_value=row.value,
            previous_source=row.source,
            previous_note=row.note,
            previous_submitted_by=row.submitted_by,
            previous_organisation_id=row.organisation_id,
            previous_entered_at=row.revised_at or row.created_at,
            new_value=c.value,
            revised_by=actor.username,
            revised_organisation_id=owner,
            revised_at=now,
            reason=c.note,
            channel=channel,
        )
    )
    row.value, row.source, row.note, row.flags = c.value, c.source, c.note, list(warnings)
    row.submitted_by, row.organisation_id = actor.username, owner
    row.revision, row.revised_at = row.revision + 1, now
    return row


def store_clean(
    session: Session,
    *,
    actor: Actor,
    clean: Sequence[CleanRow],
    warnings: Mapping[int, list[dict[str, str]]],
    channel: str,
) -> StoredValues:
    added: list[IndicatorValue] = []
    revised: list[IndicatorValue] = []
    previous: dict[int, tuple[float, str]] = {}
    for c in clean:
        if c.previous is not None:
            previous[c.previous.id] = (c.previous.value, c.previous.source)
            revised.append(
                _revise(
                    session,
                    actor=actor,
                    c=c,
                    warnings=warnings.get(c.index, []),
                    channel=channel,
                )
            )
            continue
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
        added.append(row)
    session.flush()
    _audit_stored(session, actor=actor, rows=added, channel=channel)
    for row in revised:
        old_value, old_source = previous[row.id]
        audit.record(
            session,
            actor=actor,
            action="progress.values.revise",
            object_type="indicator_value",
            object_id=row.id,
            jurisdiction_code=row.jurisdiction_code,
            detail={
                "indicator": row.indicator.code,
                "period": row.period,
                "previous": {"value": old_value, "source": old_source},
                "value": row.value,
                "source": row.source,
                "reason": row.note,
                "revision": row.revision,
                "channel": channel,
            },
        )
    return StoredValues(added, revised)


def _audit_stored(
    session: Session, *, actor: Actor, rows: Sequence[IndicatorValue], channel: str
) -> None:
    by_jurisdiction: dict[str, list[IndicatorValue]] = defaultdict(list)
    for row in rows:
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
        revision=row.revision,
        revised_at=row.revised_at,
    )


def submit_values(
    session: Session,
    *,
    actor: Actor | None,
    values: Sequence[ValueIn],
    channel: str = "api",
    loc_prefix: Sequence[str | int] = ("body", "values"),
) -> ValuesStored:
    """Store a batch of values: all or nothing. Any problem rejects the whole batch with every
    problem listed (``loc``: prefix, index, field), rows the actor may not write included (then
    a 403). A row for a value stored already corrects it when its note says why."""
    raws = [v.model_dump() for v in values]
    known = regions.known_jurisdictions(session, codes=(str(r["jurisdiction_code"]) for r in raws))
    permissions = permission_problems(session, actor=actor, rows=raws, jurisdictions=known)
    clean, problems = check_rows(session, raws)
    errors, warnings = rule_check(session, clean)
    problems = sorted([*problems, *errors, *permissions.problems], key=problem_order)
    if problems:
        raise refuse_values(
            session,
            permissions=permissions,
            detail=msg(
                "{count} problem(s) in the submitted values; nothing was stored",
                count=len(problems),
            ),
            errors=[field_error([*loc_prefix, p.index, p.column], p.reason) for p in problems],
        )
    stored = store_clean(
        session, actor=permissions.actor, clean=clean, warnings=warnings, channel=channel
    )
    return ValuesStored(
        stored=len(stored.added),
        revised=len(stored.revised),
        items=[value_out(r, actor=actor) for r in stored.all],
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
        raise NotFound(msg("no value {value_id}", value_id=value_id))
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
            raise invalid(["query", name], exc.reason) from None
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
