"""Row scopes of grants: a grant may cover only the rows of its dataset whose fields hold given
values (``{"enterprise_uscc": ["911301..."]}``), and another domain's service grants and revokes
such a scoped grant as an audited step of its own work (a linked enforcement case grants the
neighbour the enterprise's monitoring data), without an access request.

A reader holding several current grants reads the union of their scopes; one unscoped grant
means every row. Administrators of the dataset read every row without a grant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog.models import AccessEvent, Dataset
from jingjinji.catalog.service.datasets import get_dataset
from jingjinji.catalog.service.events import append_event
from jingjinji.catalog.service.grants import REASON_MAX, current_grants
from jingjinji.catalog.service.validation import refused_on_record
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, ensure_can_write
from jingjinji.timezone import china_today

#: One grant's rows: every field named holds one of its values.
RowScope = Mapping[str, Sequence[str]]
#: The rows a reader may read: any of these scopes (None: every row).
RowScopes = tuple[RowScope, ...] | None

#: The period end of a grant that holds until it is revoked.
UNTIL_REVOKED = dt.date(9999, 12, 31)


def union_of(grants: Iterable[AccessEvent]) -> RowScopes:
    """The rows a set of grants covers together: None if any of them is unscoped."""
    scopes: list[RowScope] = []
    for grant in grants:
        if grant.row_scope is None:
            return None
        scopes.append(grant.row_scope)
    return tuple(scopes)


def row_in_scopes(row: Mapping[str, Any], scopes: RowScopes) -> bool:
    """Whether a record (whole row, values compared as text) lies in one of the scopes."""
    if scopes is None:
        return True
    return any(
        all(_text(row.get(name)) in set(values) for name, values in scope.items())
        for scope in scopes
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def scopes_for(
    session: Session, *, dataset_id: int, organisation_id: int, today: dt.date | None = None
) -> RowScopes:
    """The rows an organisation's current grants on a dataset cover (None: every row; an empty
    tuple: none, as without a grant)."""
    return union_of(
        current_grants(session, dataset_id=dataset_id, organisation_id=organisation_id, today=today)
    )


def scopes_of(
    session: Session,
    *,
    dataset_code: str,
    organisation_id: int | None,
    today: dt.date | None = None,
) -> RowScopes:
    """The rows of a dataset, by its code, that an organisation's current grants cover (an
    empty tuple for an unknown dataset or no organisation): for a domain that turns the scopes
    into its own query condition (the ports' visibility rule)."""
    if organisation_id is None:
        return ()
    dataset_id = session.scalar(select(Dataset.id).where(Dataset.code == dataset_code))
    if dataset_id is None:
        return ()
    return scopes_for(session, dataset_id=dataset_id, organisation_id=organisation_id, today=today)


def grant_covers(
    session: Session,
    *,
    dataset_code: str,
    organisation_id: int | None,
    field: str,
    value: str,
    today: dt.date | None = None,
) -> bool:
    """Whether ``organisation_id`` holds a current grant on the dataset whose rows include those
    with ``field`` = ``value`` (False for an unknown dataset or no organisation)."""
    if organisation_id is None:
        return False
    dataset_id = session.scalar(select(Dataset.id).where(Dataset.code == dataset_code))
    if dataset_id is None:
        return False
    scopes = scopes_for(
        session, dataset_id=dataset_id, organisation_id=organisation_id, today=today
    )
    return scopes is None or any(value in scope.get(field, ()) for scope in scopes)


def _checked_scope(
    dataset: Dataset, row_scope: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    known = {f.name for f in dataset.fields}
    problems = []
    for name, values in row_scope.items():
        if name not in known:
            problems.append(field_error(["row_scope", name], msg("unknown field")))
        elif not values or not all(isinstance(v, str) and v for v in values):
            problems.append(field_error(["row_scope", name], msg("a non-empty list of values")))
    if not row_scope:
        problems.append(field_error(["row_scope"], msg("names at least one field")))
    if problems:
        raise InvalidInput(
            msg("not a row scope of dataset {dataset_code}", dataset_code=dataset.code),
            errors=problems,
        )
    return {name: sorted(set(values)) for name, values in row_scope.items()}


def grant_scoped(
    session: Session,
    *,
    actor: Actor | None,
    dataset_code: str,
    organisation_id: int,
    row_scope: Mapping[str, Sequence[str]],
    reason: str,
    period_start: dt.date | None = None,
    period_end: dt.date = UNTIL_REVOKED,
    now: dt.datetime | None = None,
) -> AccessEvent:
    """Grant the conditional fields of a dataset, for the rows of ``row_scope`` only, to an
    organisation, as a step of another domain's work done by ``actor`` (who must be able to
    write the dataset: its owner, its province's administrator or the office). No access
    request: ``reason`` says why (``"linked enforcement case 12"``). Audited as
    ``catalog.grant.scoped``; revoked like any grant (``revoke_grant``)."""
    dataset = get_dataset(session, code=dataset_code)
    actor = ensure_can_write(
        session,
        actor,
        action="catalog.grant.scoped",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )
    with refused_on_record(
        session,
        actor=actor,
        action="catalog.grant.scoped",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"organisation_id": organisation_id},
    ):
        if not reason.strip() or len(reason) > REASON_MAX:
            raise InvalidInput(
                msg("a grant without a request states its reason"),
                errors=[
                    field_error(
                        ["reason"], msg("1 to {reason_max} characters", reason_max=REASON_MAX)
                    )
                ],
            )
        scope = _checked_scope(dataset, row_scope)
    start = period_start or china_today(now)
    event = append_event(
        session,
        actor=actor,
        kind="granted",
        dataset_id=dataset.id,
        organisation_id=organisation_id,
        fields=[f.name for f in dataset.fields if f.sharing_class == "conditional"],
        period_start=start,
        period_end=period_end,
        reason=reason.strip(),
        row_scope=scope,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.grant.scoped",
        object_type="access_grant",
        object_id=event.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "organisation_id": organisation_id,
            "row_scope": scope,
            "period": [start.isoformat(), period_end.isoformat()],
            "reason": reason.strip(),
        },
    )
    return event
