"""Access requests: an organisation applies for conditional fields; who sees which requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import AccessRequest, Dataset
from jingjinji.catalog.schemas import AccessRequestIn, AccessRequestOut, RequestBox
from jingjinji.catalog.service import notices
from jingjinji.catalog.service.deadlines import deadline_policy, decision_deadline
from jingjinji.catalog.service.events import append_event
from jingjinji.catalog.service.grants import grants_of_requests
from jingjinji.catalog.service.validation import raise_if_any, refused_on_record
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, ensure_role, require_actor
from jingjinji.timezone import china_today


def open_request(
    session: Session, *, dataset_id: int, organisation_id: int
) -> AccessRequest | None:
    return session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.dataset_id == dataset_id,
            AccessRequest.requester_organisation_id == organisation_id,
            AccessRequest.status.in_(policy.OPEN_STATUSES),
        )
        .order_by(AccessRequest.id.desc())
        .limit(1)
    )


def _requestable_dataset(session: Session, actor: Actor, dataset_code: str) -> Dataset:
    """The dataset named in a request, if an organisation other than its owner may apply."""
    if actor.organisation_id is None:
        raise InvalidInput(
            msg("you belong to no organisation"),
            errors=[field_error(["body"], msg("requester has no organisation"))],
        )
    dataset = session.scalar(select(Dataset).where(Dataset.code == dataset_code))
    loc_code: list[str | int] = ["body", "dataset_code"]
    if dataset is None:
        raise InvalidInput(
            msg("unknown dataset {dataset_code}", dataset_code=repr(dataset_code)),
            errors=[field_error(loc_code, msg("unknown dataset code"))],
        )
    if dataset.sharing_class == "not_shared":
        raise InvalidInput(
            msg(
                "dataset {dataset_code} is not shared (不予共享): access cannot be requested",
                dataset_code=dataset.code,
            ),
            errors=[field_error(loc_code, msg("dataset is not_shared"))],
        )
    if dataset.owner_organisation_id == actor.organisation_id:
        raise InvalidInput(
            msg("your organisation owns this dataset and reads all of it"),
            errors=[field_error(loc_code, msg("requester owns the dataset"))],
        )
    return dataset


def _field_errors(dataset: Dataset, fields: list[str]) -> list[dict[str, Any]]:
    """Only conditional fields of the dataset are requested, each once."""
    classes = {f.name: f.sharing_class for f in dataset.fields}
    errors: list[dict[str, Any]] = []
    if "conditional" not in classes.values():
        errors.append(
            field_error(["body", "dataset_code"], msg("the dataset has no conditional fields"))
        )
    seen: set[str] = set()
    for i, name in enumerate(fields):
        if name not in classes:
            errors.append(
                field_error(["body", "fields", i], msg("unknown field {name}", name=repr(name)))
            )
        elif classes[name] != "conditional":
            errors.append(
                field_error(
                    ["body", "fields", i],
                    msg(
                        "field {name} is {classes}: only conditional fields are requested",
                        name=repr(name),
                        classes=classes[name],
                    ),
                )
            )
        elif name in seen:
            errors.append(
                field_error(
                    ["body", "fields", i], msg("field {name} listed twice", name=repr(name))
                )
            )
        seen.add(name)
    return errors


#: How far before today (Beijing) an access period may start: a day, so that a request filed
#: just after midnight in China for "today" as the filer's calendar still showed it is taken.
PERIOD_START_SLACK = dt.timedelta(days=1)


def period_errors(
    start: dt.date,
    end: dt.date,
    *,
    today: dt.date,
    max_days: int,
    check_start: bool = True,
) -> list[dict[str, Any]]:
    """The access period rule: the start not before yesterday (Beijing), the end not before the
    start, and at most ``max_days`` days (both ends counted). ``check_start=False`` (an approval
    that keeps the requested start) leaves the start's own bound out."""
    errors: list[dict[str, Any]] = []
    earliest = today - PERIOD_START_SLACK
    if check_start and start < earliest:
        errors.append(
            field_error(
                ["body", "period_start"],
                msg("the period starts before {earliest}", earliest=earliest.isoformat()),
            )
        )
    if end < start:
        errors.append(field_error(["body", "period_end"], msg("ends before period_start")))
    elif (end - start).days + 1 > max_days:
        errors.append(
            field_error(
                ["body", "period_end"],
                msg(
                    "the period is longer than {max_days} days (both ends counted)",
                    max_days=max_days,
                ),
            )
        )
    return errors


def _period_and_purpose_errors(
    data: AccessRequestIn, now: dt.datetime, settings: Settings
) -> list[dict[str, Any]]:
    today = china_today(now)
    errors = period_errors(
        data.period_start,
        data.period_end,
        today=today,
        max_days=settings.access_period_max_days,
    )
    if data.period_start <= data.period_end < today:
        errors.append(field_error(["body", "period_end"], msg("the period is already over")))
    if not data.purpose.strip():
        errors.append(field_error(["body", "purpose"], msg("state the purpose")))
    return errors


def create_access_request(
    session: Session,
    *,
    actor: Actor | None,
    data: AccessRequestIn,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
) -> AccessRequest:
    """An analyst or steward applies, for their organisation, for conditional fields."""
    actor = ensure_role(
        session,
        actor,
        Role.ANALYST,
        Role.STEWARD,
        action="catalog.access_request.create",
        object_type="dataset",
        object_id=data.dataset_code,
    )
    with refused_on_record(
        session,
        actor=actor,
        action="catalog.access_request.create",
        object_type="dataset",
        object_id=data.dataset_code,
    ):
        dataset = _requestable_dataset(session, actor, data.dataset_code)
    assert actor.organisation_id is not None  # checked with the dataset
    now = now or utcnow()
    settings = settings or get_settings()
    errors = _field_errors(dataset, data.fields) + _period_and_purpose_errors(data, now, settings)
    try:
        raise_if_any(errors, msg("invalid access request"))
    except InvalidInput as exc:
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action="catalog.access_request.create",
            object_type="dataset",
            object_id=data.dataset_code,
            jurisdiction_code=dataset.jurisdiction_code,
            detail={
                "fields": list(data.fields),
                "period": [data.period_start.isoformat(), data.period_end.isoformat()],
            },
        ) from exc
    # Read before any refusal's rollback expires the dataset.
    dataset_code, jurisdiction_code = dataset.code, dataset.jurisdiction_code

    def undecided_already() -> Conflict:
        return audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "your organisation has an undecided request for {dataset_code} already",
                    dataset_code=dataset_code,
                )
            ),
            actor=actor,
            action="catalog.access_request.create",
            object_type="dataset",
            object_id=dataset_code,
            jurisdiction_code=jurisdiction_code,
        )

    if open_request(session, dataset_id=dataset.id, organisation_id=actor.organisation_id):
        raise undecided_already()
    request = AccessRequest(
        dataset_id=dataset.id,
        requester_organisation_id=actor.organisation_id,
        requested_by=actor.username,
        purpose=data.purpose.strip(),
        fields=list(data.fields),
        period_start=data.period_start,
        period_end=data.period_end,
        status="pending",
        submitted_at=now,
        due_date=decision_deadline(now, deadline_policy(settings)),
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError as exc:  # a concurrent submission of the same organisation won
        raise undecided_already() from exc
    append_event(
        session,
        actor=actor,
        kind="submitted",
        dataset_id=dataset.id,
        organisation_id=actor.organisation_id,
        request_id=request.id,
        fields=data.fields,
        period_start=data.period_start,
        period_end=data.period_end,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.access_request.create",
        object_type="access_request",
        object_id=request.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "fields": list(data.fields),
            "requester_organisation_id": actor.organisation_id,
            "due_date": request.due_date.isoformat(),
        },
    )
    notices.access_requested(session, actor=actor, request=request)
    return request


def get_access_request(session: Session, *, request_id: int) -> AccessRequest:
    row = session.get(AccessRequest, request_id)
    if row is None:
        raise NotFound(msg("no access request {request_id}", request_id=request_id))
    return row


def visible_access_request(
    session: Session, *, actor: Actor | None, request_id: int
) -> AccessRequest:
    actor = require_actor(actor)
    request = get_access_request(session, request_id=request_id)
    requester = regions.get_organisation(session, organisation_id=request.requester_organisation_id)
    if not policy.may_see_request(
        actor,
        owner_organisation_id=request.dataset.owner_organisation_id,
        dataset_jurisdiction_code=request.dataset.jurisdiction_code,
        requester_organisation_id=request.requester_organisation_id,
        requester_jurisdiction_code=requester.jurisdiction_code,
    ):
        raise NotFound(msg("no access request {request_id} visible to you", request_id=request_id))
    return request


def _box_clause(session: Session, actor: Actor, box: RequestBox) -> ColumnElement[bool]:
    """Requests in one box of ``actor``: ``mine`` (my organisation applied; an administrator's
    province's organisations), ``to_decide`` (awaiting my decision), ``escalated`` and ``all``
    (those I may see, escalated ones only or every one)."""
    province_orgs: list[int] = []
    if actor.role is Role.JURISDICTION_ADMIN and actor.province_code:
        province_orgs = [
            o.id for o in regions.list_organisations(session, jurisdiction_code=actor.province_code)
        ]
    nothing = AccessRequest.id.is_(None)
    requester = AccessRequest.requester_organisation_id
    if box == "mine":
        if actor.is_office_admin:
            return true()
        if actor.role is Role.JURISDICTION_ADMIN:
            return requester.in_(province_orgs)
        return nothing if actor.organisation_id is None else requester == actor.organisation_id
    if box == "to_decide":
        if actor.is_office_admin:
            return AccessRequest.status == "escalated"
        open_ = AccessRequest.status.in_(policy.OPEN_STATUSES)
        if actor.role is Role.JURISDICTION_ADMIN:
            return open_ & (Dataset.province_code == actor.province_code)
        if actor.role is Role.STEWARD:
            return open_ & (Dataset.owner_organisation_id == actor.organisation_id)
        return nothing
    escalated = AccessRequest.escalated_at.is_not(None) if box == "escalated" else true()
    if actor.role is Role.JURISDICTION_ADMIN:
        seen = or_(Dataset.province_code == actor.province_code, requester.in_(province_orgs))
    elif actor.is_office_admin:
        seen = true()
    else:
        seen = or_(
            Dataset.owner_organisation_id == actor.organisation_id,
            requester == actor.organisation_id,
        )
    return escalated & seen


def list_access_requests(
    session: Session,
    *,
    actor: Actor | None,
    box: RequestBox = "all",
    status: str | None = None,
    dataset_code: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[AccessRequest]:
    """Requests by box: ``mine`` (my organisation applied), ``to_decide`` (awaiting my
    decision), ``escalated`` (past deadline, for the office), ``all`` (all I may see)."""
    actor = require_actor(actor)
    stmt: Select[AccessRequest] = (
        select(AccessRequest)
        .join(AccessRequest.dataset)
        .options(contains_eager(AccessRequest.dataset))  # the page's datasets in the same row
        .where(_box_clause(session, actor, box))
    )
    if status:
        stmt = stmt.where(AccessRequest.status == status)
    if dataset_code:
        stmt = stmt.where(Dataset.code == dataset_code)
    return paginate(session, stmt, AccessRequest.id, cursor=cursor, limit=limit)


def request_out(
    session: Session,
    request: AccessRequest,
    *,
    actor: Actor | None,
    now: dt.datetime | None = None,
) -> AccessRequestOut:
    return request_outs(session, [request], actor=actor, now=now)[0]


def request_outs(
    session: Session,
    requests: Sequence[AccessRequest],
    *,
    actor: Actor | None,
    now: dt.datetime | None = None,
) -> list[AccessRequestOut]:
    """The API shape of requests as ``actor`` reads them, the grants of the approved ones read
    in one statement. Who asked is named to the requesting organisation (and the office), who
    decided to those who administer the dataset (``policy.sees_usernames``)."""
    grants = grants_of_requests(
        session, request_ids=[r.id for r in requests if r.status == "approved"]
    )
    on = china_today(now)
    return [_request_out(r, grant_id=grants.get(r.id), on=on, actor=actor) for r in requests]


def _request_out(
    request: AccessRequest, *, grant_id: int | None, on: dt.date, actor: Actor | None
) -> AccessRequestOut:
    dataset = request.dataset
    asker_named = policy.sees_usernames(
        actor, organisation_id=request.requester_organisation_id, jurisdiction_code=None
    )
    decider_named = policy.sees_usernames(
        actor,
        organisation_id=dataset.owner_organisation_id,
        jurisdiction_code=dataset.jurisdiction_code,
    )
    return AccessRequestOut(
        id=request.id,
        dataset_code=request.dataset.code,
        dataset_title_zh=request.dataset.title_zh,
        dataset_title_en=request.dataset.title_en,
        owner_organisation_id=request.dataset.owner_organisation_id,
        requester_organisation_id=request.requester_organisation_id,
        requested_by=request.requested_by if asker_named else None,
        purpose=request.purpose,
        fields=list(request.fields),
        period_start=request.period_start,
        period_end=request.period_end,
        status=request.status,
        submitted_at=request.submitted_at,
        due_date=request.due_date,
        overdue=policy.is_overdue(status=request.status, due_date=request.due_date, today=on),
        escalated_at=request.escalated_at,
        decided_at=request.decided_at,
        decided_by=request.decided_by if decider_named else None,
        decision_reason=request.decision_reason,
        grant_id=grant_id,
    )
