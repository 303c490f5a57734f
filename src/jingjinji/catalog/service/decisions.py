"""Deciding access requests: approval (a grant), rejection, and escalation to the
coordination office of requests left undecided past their deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.catalog import policy
from jingjinji.catalog.models import AccessRequest
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.catalog.service import notices
from jingjinji.catalog.service.events import append_event
from jingjinji.catalog.service.requests import get_access_request, period_errors
from jingjinji.catalog.service.validation import raise_if_any
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR, Actor, deny, ensure_can_write, require_actor
from jingjinji.timezone import china_date

ESCALATION_JOB = "catalog.escalate_overdue"
DECIDE = "catalog.access_request.decide"


@dataclass(frozen=True)
class Approval:
    """What an approval grants: a subset of the requested fields, within the requested period."""

    fields: list[str]
    period_start: dt.date
    period_end: dt.date


def _authorise_decision(session: Session, actor: Actor, request: AccessRequest) -> Actor:
    """The owner decides (its steward or its province's administrator); the coordination
    office once the request is escalated. A refusal is audited."""
    dataset = request.dataset
    if policy.office_must_wait(actor, status=request.status):
        raise deny(
            session,
            actor,
            action=DECIDE,
            object_type="access_request",
            object_id=str(request.id),
            jurisdiction_code=dataset.jurisdiction_code,
            reason=msg("the coordination office decides a request only once it is escalated"),
        )
    if actor.is_office_admin:
        return actor
    return ensure_can_write(
        session,
        actor,
        action=DECIDE,
        object_type="access_request",
        object_id=str(request.id),
        jurisdiction_code=dataset.jurisdiction_code,
        organisation_id=dataset.owner_organisation_id,
    )


def _approval(
    request: AccessRequest, data: DecisionIn, *, today: dt.date, max_days: int
) -> Approval:
    """The approval ``data`` asks for, checked against the request (defaults: as requested);
    the dates the approver typed against the period rule (``requests.period_errors``)."""
    fields = list(data.fields) if data.fields is not None else list(request.fields)
    classes = {f.name: f.sharing_class for f in request.dataset.fields}
    errors: list[dict[str, Any]] = []
    for i, name in enumerate(fields):
        if name not in request.fields:
            errors.append(
                field_error(["body", "fields", i], msg("{name} was not requested", name=repr(name)))
            )
        elif classes.get(name) != "conditional":
            errors.append(
                field_error(
                    ["body", "fields", i],
                    msg("{name} is no longer a conditional field", name=repr(name)),
                )
            )
    if len(set(fields)) != len(fields):
        errors.append(field_error(["body", "fields"], msg("a field is listed twice")))
    start = data.period_start or request.period_start
    end = data.period_end or request.period_end
    if start < request.period_start:
        errors.append(field_error(["body", "period_start"], msg("before the requested period")))
    if end > request.period_end:
        errors.append(field_error(["body", "period_end"], msg("after the requested period")))
    if data.period_start is not None or data.period_end is not None:
        errors.extend(
            period_errors(
                start,
                end,
                today=today,
                max_days=max_days,
                check_start=data.period_start is not None,
            )
        )
    elif end < start:
        errors.append(field_error(["body", "period_end"], msg("ends before period_start")))
    raise_if_any(errors, msg("invalid approval"))
    return Approval(fields=fields, period_start=start, period_end=end)


def _close(
    request: AccessRequest, actor: Actor, status: str, reason: str | None, now: dt.datetime
) -> None:
    request.status = status
    request.decided_at = now
    request.decided_by = actor.username
    request.decision_reason = reason


def _reject(
    session: Session, actor: Actor, request: AccessRequest, reason: str | None, now: dt.datetime
) -> None:
    dataset = request.dataset
    if not (reason and reason.strip()):
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("a rejection states its reason"),
                errors=[field_error(["body", "reason"], msg("required to reject"))],
            ),
            actor=actor,
            action=DECIDE,
            object_type="access_request",
            object_id=request.id,
            jurisdiction_code=dataset.jurisdiction_code,
            detail={"dataset": dataset.code, "decision": "reject"},
        )
    _close(request, actor, "rejected", reason.strip(), now)
    session.flush()
    append_event(
        session,
        actor=actor,
        kind="rejected",
        dataset_id=dataset.id,
        organisation_id=request.requester_organisation_id,
        request_id=request.id,
        fields=request.fields,
        reason=request.decision_reason,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.access_request.reject",
        object_type="access_request",
        object_id=request.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "reason": request.decision_reason,
            "escalated": request.escalated_at is not None,
        },
    )
    notices.access_decided(session, actor=actor, request=request)


def _approve(
    session: Session,
    actor: Actor,
    request: AccessRequest,
    data: DecisionIn,
    now: dt.datetime,
    settings: Settings,
) -> None:
    dataset = request.dataset
    try:
        approval = _approval(
            request, data, today=china_date(now), max_days=settings.access_period_max_days
        )
    except InvalidInput as exc:
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action=DECIDE,
            object_type="access_request",
            object_id=request.id,
            jurisdiction_code=dataset.jurisdiction_code,
            detail={
                "dataset": dataset.code,
                "period": [
                    None if typed is None else typed.isoformat()
                    for typed in (data.period_start, data.period_end)
                ],
            },
        ) from exc
    _close(request, actor, "approved", (data.reason or "").strip() or None, now)
    session.flush()
    grant = append_event(
        session,
        actor=actor,
        kind="granted",
        dataset_id=dataset.id,
        organisation_id=request.requester_organisation_id,
        request_id=request.id,
        fields=approval.fields,
        period_start=approval.period_start,
        period_end=approval.period_end,
        reason=request.decision_reason,
        now=now,
    )
    audit.record(
        session,
        actor=actor,
        action="catalog.access_request.approve",
        object_type="access_request",
        object_id=request.id,
        jurisdiction_code=dataset.jurisdiction_code,
        detail={
            "dataset": dataset.code,
            "grant_id": grant.id,
            "fields": approval.fields,
            "period": [approval.period_start.isoformat(), approval.period_end.isoformat()],
            "organisation_id": request.requester_organisation_id,
            "escalated": request.escalated_at is not None,
        },
    )
    notices.access_decided(
        session,
        actor=actor,
        request=request,
        fields=approval.fields,
        period_end=approval.period_end,
    )


def decide_access_request(
    session: Session,
    *,
    actor: Actor | None,
    request_id: int,
    data: DecisionIn,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> AccessRequest:
    """The owner (its steward or jurisdiction admin) approves or rejects; once a request is
    escalated the coordination office may decide too."""
    request = get_access_request(session, request_id=request_id)
    actor = _authorise_decision(session, require_actor(actor), request)
    if request.status not in policy.OPEN_STATUSES:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "access request {request_id} was {request_status} already",
                    request_id=request.id,
                    request_status=request.status,
                )
            ),
            actor=actor,
            action=DECIDE,
            object_type="access_request",
            object_id=str(request.id),
            jurisdiction_code=request.dataset.jurisdiction_code,
            detail={"decision": data.decision},
        )
    now = now or utcnow()
    if data.decision == "reject":
        _reject(session, actor, request, data.reason, now)
    else:
        _approve(session, actor, request, data, now, settings or get_settings())
    return request


def escalate_overdue(session: Session, *, now: dt.datetime | None = None) -> list[int]:
    """Hand every pending request past its deadline to the coordination office.

    Each escalation is a compare-and-set (two workers cannot both escalate one request), an
    ``escalated`` access event and an audit entry. Returns the escalated request ids.
    """
    now = now or utcnow()
    candidates = session.scalars(
        select(AccessRequest.id)
        .where(AccessRequest.status == "pending", AccessRequest.due_date < china_date(now))
        .order_by(AccessRequest.id)
    ).all()
    escalated: list[int] = []
    for request_id in candidates:
        result = cast(
            CursorResult[Any],
            session.execute(
                update(AccessRequest)
                .where(AccessRequest.id == request_id, AccessRequest.status == "pending")
                .values(status="escalated", escalated_at=now)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount != 1:
            continue
        request = session.get(AccessRequest, request_id, populate_existing=True)
        assert request is not None
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind="escalated",
            dataset_id=request.dataset_id,
            organisation_id=request.requester_organisation_id,
            request_id=request.id,
            fields=request.fields,
            reason=f"undecided after {request.due_date.isoformat()}",
            now=now,
        )
        audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="catalog.access_request.escalate",
            object_type="access_request",
            object_id=request.id,
            jurisdiction_code=request.dataset.jurisdiction_code,
            detail={"dataset": request.dataset.code, "due_date": request.due_date.isoformat()},
        )
        notices.access_escalated(session, request=request)
        escalated.append(request.id)
    return escalated


jobs.periodic(ESCALATION_JOB, every=dt.timedelta(minutes=15))


@jobs.handler(ESCALATION_JOB)
def _escalate_job(session: Session, payload: dict[str, Any]) -> None:
    escalate_overdue(session)
