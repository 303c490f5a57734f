"""A dataset's activity stream, read from the audit chain (no log of its own): changes to the
dataset and its records, access requests submitted, decided and escalated, grants given and
revoked. Newest first, paged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import AccessEvent, AccessRequest, Dataset
from jingjinji.catalog.schemas import ActivityItem
from jingjinji.catalog.service.datasets import visible_dataset
from jingjinji.catalog.service.validation import check_query, page_size, refused_on_record
from jingjinji.pagination import Paged
from jingjinji.security import Actor

DATASET_ACTIONS = ("catalog.dataset.create", "catalog.dataset.update", "catalog.records.write")
ACCESS_ACTIONS = (
    "catalog.access_request.create",
    "catalog.access_request.approve",
    "catalog.access_request.reject",
    "catalog.access_request.escalate",
    "catalog.grant.scoped",
    "catalog.grant.revoke",
)
#: Entries of a page of the stream when the reader names no ``limit``.
ACTIVITY_LIMIT = 20


def _item(entry: Any, *, with_actor: bool) -> ActivityItem:
    detail: dict[str, Any] = entry.detail
    organisation = detail.get("organisation_id", detail.get("requester_organisation_id"))
    # ``fields`` lists names in access steps (a creation counts them instead).
    fields = detail.get("fields")
    return ActivityItem(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        action=entry.action,
        actor=entry.actor_username if with_actor else None,
        organisation_id=organisation if isinstance(organisation, int) else None,
        fields=[str(f) for f in fields] if isinstance(fields, list) else [],
        changed=[str(c) for c in detail.get("changed", [])],
        rows=detail.get("rows") if entry.action == "catalog.records.write" else None,
    )


def _history(
    session: Session, *, actor: Actor | None, dataset: Dataset, cursor: str | None, limit: int
) -> Paged[Any]:
    """The audit entries of ``dataset``'s stream that ``actor`` sees, one page."""
    objects: dict[str, list[str]] = {"dataset": [dataset.code]}
    actions: tuple[str, ...] = DATASET_ACTIONS
    if policy.may_see_access_activity(actor):
        actions = DATASET_ACTIONS + ACCESS_ACTIONS
        requests = session.scalars(
            select(AccessRequest.id).where(AccessRequest.dataset_id == dataset.id)
        )
        grants = session.scalars(
            select(AccessEvent.id).where(
                AccessEvent.dataset_id == dataset.id, AccessEvent.kind == "granted"
            )
        )
        objects["access_request"] = [str(i) for i in requests]
        objects["access_grant"] = [str(i) for i in grants]
    return audit.object_history(
        session, objects=objects, actions=actions, cursor=cursor, limit=limit
    )


def dataset_activity(
    session: Session,
    *,
    actor: Actor | None,
    dataset: Dataset,
    cursor: str | None,
    limit: int | str | None,
    query: Sequence[tuple[str, str]] | None = None,
) -> Paged[ActivityItem]:
    """What happened to ``dataset``, newest first. Anonymous visitors (of an open dataset) see
    its changes; logged-in users also the access steps. Who acted is shown to those who
    administer the dataset only (``policy.sees_usernames``). A query that cannot be read
    (``check_query`` of the query as sent, ``query``: a NUL character, a cursor too long), a
    limit that is no number or out of range (``page_size``; not given: ``ACTIVITY_LIMIT``) or
    a foreign cursor is a 422 refused on the record (``audit.read``: the stream is read from
    the audit chain)."""
    with refused_on_record(
        session,
        actor=actor,
        action="audit.read",
        object_type="dataset",
        object_id=dataset.code,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={"stream": "activity"},
    ):
        check_query(query if query is not None else [("cursor", cursor)])
        size = page_size(limit, default=ACTIVITY_LIMIT)
        page = _history(session, actor=actor, dataset=dataset, cursor=cursor, limit=size)
    with_actor = policy.sees_usernames(
        actor,
        organisation_id=dataset.owner_organisation_id,
        jurisdiction_code=dataset.jurisdiction_code,
    )
    return Paged([_item(e, with_actor=with_actor) for e in page.items], page.next_cursor)


def activity_page(
    session: Session,
    *,
    actor: Actor | None,
    code: str,
    cursor: str | None,
    limit: int | str | None,
    query: Sequence[tuple[str, str]] | None = None,
) -> Paged[ActivityItem]:
    """The activity stream of a dataset whose catalogue entry ``actor`` may see."""
    dataset = visible_dataset(session, actor=actor, code=code)
    return dataset_activity(
        session, actor=actor, dataset=dataset, cursor=cursor, limit=limit, query=query
    )
