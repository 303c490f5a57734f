"""Grants of conditional fields to organisations: what is in force, who sees them, revocation.

A grant is a ``granted`` access event; revoking it appends a ``revoked`` event naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import AccessEvent, Dataset
from jingjinji.catalog.schemas import GrantOut
from jingjinji.catalog.service.events import append_event, not_revoked
from jingjinji.catalog.service.validation import refused_on_record
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_can_write, require_actor
from jingjinji.timezone import china_today


def current_grants(
    session: Session, *, dataset_id: int, organisation_id: int, today: dt.date | None = None
) -> list[AccessEvent]:
    """Grants of an organisation on a dataset in force today (not revoked, within period)."""
    today = today or china_today()
    stmt = select(AccessEvent).where(
        AccessEvent.kind == "granted",
        AccessEvent.dataset_id == dataset_id,
        AccessEvent.organisation_id == organisation_id,
        AccessEvent.period_start <= today,
        AccessEvent.period_end >= today,
        not_revoked(),
    )
    return list(session.scalars(stmt.order_by(AccessEvent.id)))


def granted_fields(
    session: Session, *, dataset_id: int, organisation_id: int, today: dt.date | None = None
) -> set[str]:
    out: set[str] = set()
    for grant in current_grants(
        session, dataset_id=dataset_id, organisation_id=organisation_id, today=today
    ):
        out.update(grant.fields)
    return out


def grant_of_request(session: Session, *, request_id: int) -> AccessEvent | None:
    return session.scalar(
        select(AccessEvent).where(
            AccessEvent.request_id == request_id, AccessEvent.kind == "granted"
        )
    )


def grants_of_requests(session: Session, *, request_ids: Sequence[int]) -> dict[int, int]:
    """Request id -> id of the grant it led to, for those of ``request_ids`` that have one."""
    if not request_ids:
        return {}
    rows = session.execute(
        select(AccessEvent.request_id, AccessEvent.id).where(
            AccessEvent.request_id.in_(set(request_ids)), AccessEvent.kind == "granted"
        )
    ).all()
    found: dict[int, int] = {}
    for request_id, grant_id in rows:
        if request_id is not None:
            found.setdefault(request_id, grant_id)
    return found


def _grant_dataset(session: Session, grant_id: int) -> tuple[AccessEvent, Dataset]:
    grant = session.get(AccessEvent, grant_id)
    if grant is None or grant.kind != "granted":
        raise NotFound(msg("no access grant {grant_id}", grant_id=grant_id))
    dataset = session.get(Dataset, grant.dataset_id)
    assert dataset is not None
    return grant, dataset


def _check_revocation_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(
            msg("a revocation states its reason"),
            errors=[field_error(["body", "reason"], msg("required"))],
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            msg("a revocation's reason has at most {reason_max} characters", reason_max=REASON_MAX),
            errors=[
                field_error(
                    ["body", "reason"],
                    msg("at most {reason_max} characters", reason_max=REASON_MAX),
                )
            ],
        )


def revoke_grant(
    session: Session,
    *,
    actor: Actor | None,
    grant_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> AccessEvent:
    """Append a revocation of a grant (the grant row itself is never changed)."""
    grant, dataset = _grant_dataset(session, grant_id)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.grant.revoke",
        object_type="access_grant",
        object_id=str(grant.id),
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    with refused_on_record(
        session,
        actor=actor,
        action="catalog.grant.revoke",
        object_type="access_grant",
        object_id=str(grant.id),
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"dataset": dataset.code},
    ):
        _check_revocation_reason(reason)
    # Read before any refusal's rollback expires the grant and the dataset.
    grant_key, dataset_code, jurisdiction_code = grant.id, dataset.code, dataset.jurisdiction_code

    def revoked_already() -> Conflict:
        return audit.audited_refusal(
            session,
            Conflict(msg("grant {grant_id} was revoked already", grant_id=grant_key)),
            actor=actor,
            action="catalog.grant.revoke",
            object_type="access_grant",
            object_id=str(grant_key),
            jurisdiction_code=jurisdiction_code,
            detail={"dataset": dataset_code},
        )

    if session.scalar(select(AccessEvent.id).where(AccessEvent.revokes_event_id == grant.id)):
        raise revoked_already()
    try:
        with session.begin_nested():
            event = append_event(
                session,
                actor=actor,
                kind="revoked",
                dataset_id=dataset.id,
                organisation_id=grant.organisation_id,
                request_id=grant.request_id,
                fields=grant.fields,
                period_start=grant.period_start,
                period_end=grant.period_end,
                reason=reason.strip(),
                revokes_event_id=grant.id,
                row_scope=grant.row_scope,
                now=now,
            )
    except IntegrityError as exc:  # a concurrent revocation won
        raise revoked_already() from exc
    audit.record(
        session,
        actor=actor,
        action="catalog.grant.revoke",
        object_type="access_grant",
        object_id=grant.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "organisation_id": grant.organisation_id,
            "fields": list(grant.fields),
            "reason": reason.strip(),
        },
    )
    return event


# The longest reason of a revocation (as RevokeIn says for the API; the page's form comes here).
REASON_MAX = 4000

# A visible grant: the event, its dataset's code, owner organisation and jurisdiction.
GrantRow = tuple[AccessEvent, str, int, str]


def _grant_outs(
    session: Session, rows: Sequence[GrantRow], today: dt.date, *, actor: Actor
) -> list[GrantOut]:
    """Grants as ``actor`` reads them: who granted and revoked each one only for those who
    administer the dataset (``policy.sees_usernames``)."""
    ids = [row[0].id for row in rows]
    revocations: dict[int, AccessEvent] = {}
    if ids:
        for event in session.scalars(
            select(AccessEvent).where(AccessEvent.revokes_event_id.in_(ids))
        ):
            assert event.revokes_event_id is not None
            revocations[event.revokes_event_id] = event
    out: list[GrantOut] = []
    for grant, code, owner_id, jurisdiction_code in rows:
        named = policy.sees_usernames(
            actor, organisation_id=owner_id, jurisdiction_code=jurisdiction_code
        )
        revoked = revocations.get(grant.id)
        assert grant.period_start is not None and grant.period_end is not None
        out.append(
            GrantOut(
                id=grant.id,
                dataset_code=code,
                organisation_id=grant.organisation_id,
                request_id=grant.request_id,
                fields=list(grant.fields),
                row_scope=grant.row_scope,
                period_start=grant.period_start,
                period_end=grant.period_end,
                granted_by=grant.actor_username if named else None,
                granted_at=grant.occurred_at,
                revoked=revoked is not None,
                revoked_at=revoked.occurred_at if revoked else None,
                revoked_by=revoked.actor_username if revoked and named else None,
                revoke_reason=revoked.reason if revoked else None,
                current=revoked is None and grant.period_start <= today <= grant.period_end,
            )
        )
    return out


def _visible_grants(session: Session, actor: Actor) -> Select[AccessEvent, str, int, str]:
    """Grants the actor may see: as grantee, owner, either side's province admin, or office."""
    stmt = (
        select(AccessEvent, Dataset.code, Dataset.owner_organisation_id, Dataset.jurisdiction_code)
        .join(Dataset, Dataset.id == AccessEvent.dataset_id)
        .where(AccessEvent.kind == "granted")
    )
    if actor.role is Role.JURISDICTION_ADMIN:
        orgs = [
            o.id
            for o in regions.list_organisations(
                session, jurisdiction_code=actor.province_code or "-"
            )
        ]
        return stmt.where(
            or_(Dataset.province_code == actor.province_code, AccessEvent.organisation_id.in_(orgs))
        )
    if not actor.is_office_admin:
        return stmt.where(
            or_(
                Dataset.owner_organisation_id == actor.organisation_id,
                AccessEvent.organisation_id == actor.organisation_id,
            )
        )
    return stmt


def list_grants(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str | None = None,
    organisation_id: int | None = None,
    current_only: bool = False,
    cursor: str | None = None,
    limit: int = 100,
    now: dt.datetime | None = None,
) -> Paged[GrantOut]:
    """Grants the actor may see (as grantee, owner, their jurisdiction's admin, or office),
    with their revocation if any; ``current_only`` keeps those in force today."""
    actor = require_actor(actor)
    today = china_today(now)
    stmt = _visible_grants(session, actor)
    if dataset_code:
        stmt = stmt.where(Dataset.code == dataset_code)
    if organisation_id is not None:
        stmt = stmt.where(AccessEvent.organisation_id == organisation_id)
    if current_only:
        stmt = stmt.where(
            AccessEvent.period_start <= today,
            AccessEvent.period_end >= today,
            not_revoked(),
        )
    page = paginate(
        session,
        cast(Select[Any], stmt),
        AccessEvent.id,
        cursor=cursor,
        limit=limit,
        key=lambda row: row[0].id,
        scalars=False,
    )
    rows = [(row[0], row[1], row[2], row[3]) for row in page.items]
    return Paged(_grant_outs(session, rows, today, actor=actor), page.next_cursor)


def get_grant(
    session: Session, *, actor: Actor | None, grant_id: int, now: dt.datetime | None = None
) -> GrantOut:
    actor = require_actor(actor)
    row = session.execute(_visible_grants(session, actor).where(AccessEvent.id == grant_id)).first()
    if row is None:
        raise NotFound(msg("no access grant {grant_id} visible to you", grant_id=grant_id))
    outs = _grant_outs(session, [(row[0], row[1], row[2], row[3])], china_today(now), actor=actor)
    return outs[0]
