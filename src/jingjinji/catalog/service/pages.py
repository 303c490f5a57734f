"""What the catalog's pages show beyond the API, and their form submissions.

A refused form submission undoes its unit of work here, so that the page can be shown again,
with the problems, in the same request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.catalog import policy
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset
from jingjinji.catalog.schemas import (
    AccessRequestIn,
    AccessRequestRow,
    ActivityItem,
    DatasetOut,
    DecisionIn,
    GrantOut,
    GrantRow,
    RecordsPage,
    RequestBox,
)
from jingjinji.catalog.service.access import ReadAccess, access_for
from jingjinji.catalog.service.activity import dataset_activity
from jingjinji.catalog.service.datasets import datasets_by_code, visible_dataset
from jingjinji.catalog.service.decisions import decide_access_request
from jingjinji.catalog.service.grants import list_grants, revoke_grant
from jingjinji.catalog.service.records import read_records
from jingjinji.catalog.service.requests import (
    create_access_request,
    list_access_requests,
    open_request,
    request_outs,
)
from jingjinji.catalog.service.shapes import dataset_out
from jingjinji.config import Settings
from jingjinji.errors import Conflict, InvalidInput
from jingjinji.pagination import Paged
from jingjinji.security import Actor


@dataclass(frozen=True)
class DatasetPage:
    """A dataset with what the viewer may read of it, their organisation's access, and
    whether they may apply for more."""

    dataset: Dataset
    access: ReadAccess
    conditional: list[str]
    # Conditional fields the viewer cannot read yet: what an application asks for by default.
    missing: list[str]
    pending: AccessRequest | None
    grants: list[GrantOut]
    may_apply: bool
    preview: RecordsPage | None
    # The entry as the API shows it (metadata, record count, last update) and its activity.
    out: DatasetOut
    activity: Paged[ActivityItem]


def dataset_page(
    session: Session,
    *,
    actor: Actor | None,
    code: str,
    preview_rows: int,
    activity_cursor: str | None = None,
    activity_rows: int = 20,
) -> DatasetPage:
    dataset = visible_dataset(session, actor=actor, code=code)
    access = access_for(session, actor=actor, dataset=dataset)
    conditional = [f.name for f in dataset.fields if f.sharing_class == "conditional"]
    pending: AccessRequest | None = None
    grants: list[GrantOut] = []
    if actor is not None and actor.organisation_id is not None:
        pending = open_request(
            session, dataset_id=dataset.id, organisation_id=actor.organisation_id
        )
        grants = list_grants(
            session,
            actor=actor,
            dataset_code=dataset.code,
            organisation_id=actor.organisation_id,
            current_only=True,
        ).items
    missing = [name for name in conditional if name not in access.readable]
    preview = None
    if access.readable:
        preview = read_records(session, actor=actor, dataset_code=dataset.code, limit=preview_rows)
    return DatasetPage(
        dataset=dataset,
        access=access,
        conditional=conditional,
        missing=missing,
        pending=pending,
        grants=grants,
        may_apply=policy.may_apply(
            actor,
            owner_organisation_id=dataset.owner_organisation_id,
            sharing_class=dataset.sharing_class,
            fields_to_request=bool(missing),
            has_open_request=pending is not None,
        ),
        preview=preview,
        out=dataset_out(session, dataset),
        activity=dataset_activity(
            session, actor=actor, dataset=dataset, cursor=activity_cursor, limit=activity_rows
        ),
    )


@dataclass(frozen=True)
class RequestsPage:
    """The viewer's boxes of access requests and the grants they see."""

    to_decide: list[AccessRequestRow]
    mine: list[AccessRequestRow]
    escalated: list[AccessRequestRow]
    grants: list[GrantRow]
    # Whether the escalated box offers decisions (the coordination office's).
    decides_escalated: bool


def _request_rows(
    session: Session, actor: Actor, box: RequestBox, limit: int, now: dt.datetime | None
) -> list[AccessRequestRow]:
    rows = []
    requests = list_access_requests(session, actor=actor, box=box, limit=limit).items
    for request, out in zip(
        requests, request_outs(session, requests, actor=actor, now=now), strict=True
    ):
        may_decide = policy.may_decide(
            actor,
            status=request.status,
            owner_organisation_id=request.dataset.owner_organisation_id,
            dataset_jurisdiction_code=request.dataset.jurisdiction_code,
        )
        rows.append(AccessRequestRow.model_validate({**out.model_dump(), "may_decide": may_decide}))
    return rows


def _grant_rows(session: Session, actor: Actor, limit: int) -> list[GrantRow]:
    grants = list_grants(session, actor=actor, limit=limit).items
    owners = datasets_by_code(session, codes=[g.dataset_code for g in grants])
    rows = []
    for grant in grants:
        dataset = owners[grant.dataset_code]
        may_revoke = not grant.revoked and policy.may_revoke(
            actor,
            owner_organisation_id=dataset.owner_organisation_id,
            jurisdiction_code=dataset.jurisdiction_code,
        )
        rows.append(GrantRow.model_validate({**grant.model_dump(), "may_revoke": may_revoke}))
    return rows


def requests_page(
    session: Session, *, actor: Actor, limit: int, now: dt.datetime | None = None
) -> RequestsPage:
    """Each box's first ``limit`` requests, oldest first, and the first ``limit`` grants."""
    return RequestsPage(
        to_decide=_request_rows(session, actor, "to_decide", limit, now),
        mine=_request_rows(session, actor, "mine", limit, now),
        escalated=_request_rows(session, actor, "escalated", limit, now),
        grants=_grant_rows(session, actor, limit),
        decides_escalated=policy.decides_escalated(actor),
    )


@contextmanager
def _undone_when_refused(session: Session) -> Iterator[None]:
    """Roll the unit of work back when the submission is refused as invalid or conflicting."""
    try:
        yield
    except (InvalidInput, Conflict):
        session.rollback()
        raise


def submit_access_request(
    session: Session, *, actor: Actor, data: AccessRequestIn, settings: Settings
) -> AccessRequest:
    """The apply form of a dataset page."""
    with _undone_when_refused(session):
        return create_access_request(session, actor=actor, data=data, settings=settings)


def submit_decision(
    session: Session, *, actor: Actor, request_id: int, data: DecisionIn, settings: Settings
) -> AccessRequest:
    """The approve and reject forms of the requests page."""
    with _undone_when_refused(session):
        return decide_access_request(
            session, actor=actor, request_id=request_id, data=data, settings=settings
        )


def submit_revocation(session: Session, *, actor: Actor, grant_id: int, reason: str) -> AccessEvent:
    """The revoke form of the requests page."""
    with _undone_when_refused(session):
        return revoke_grant(session, actor=actor, grant_id=grant_id, reason=reason)
