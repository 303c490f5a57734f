"""API: /api/v1/warnings (warnings, consultation, forecasts, criteria, webhooks, live events)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import MAX_DB_INT
from jingjinji.deps import DbSession, OptionalActor, RequiredActor, resolve_actor
from jingjinji.errors import InvalidInput, field_error
from jingjinji.pagination import check_limit, decode_id_cursor, encode_cursor
from jingjinji.regions import service as regions
from jingjinji.warnings import schemas, service, webhooks
from jingjinji.warnings.models import CriteriaSet, PollutionWarning, WarningEvent

router = APIRouter(prefix="/warnings", tags=["warnings"])

SSE_POLL_SECONDS = 1.0
SSE_DEFAULT_LIFETIME = 30.0
SSE_MAX_LIFETIME = 300.0
SSE_KEEPALIVE_SECONDS = 15.0


def event_json(event: WarningEvent) -> dict[str, Any]:
    return schemas.EventOut.model_validate(event).model_dump(mode="json")


def detail_of(session: Session, warning: PollutionWarning) -> schemas.WarningDetail:
    state = service.consultation_state(session, warning)
    base = schemas.WarningOut.model_validate(warning).model_dump()
    return schemas.WarningDetail(
        **base,
        answers=[schemas.AnswerOut.model_validate(a) for a in state["answers"].values()],
        events=[
            schemas.EventOut.model_validate(e)
            for e in service.events_of(session, warning_id=warning.id)
        ],
        missing_answers=state["missing"],
        deadline_passed=state["deadline_passed"],
        can_issue=state["can_issue"],
    )


# ------------------------------------------------------------------------------------ live events


def _fetch_events(
    factory: sessionmaker[Session], after: int | None, public_only: bool
) -> tuple[int, list[Any]]:
    with factory() as session:
        if after is None:
            return service.last_event_id(session), []
        rows = service.events_after(session, after_id=after, public_only=public_only)
        return (rows[-1].id if rows else after), [event_json(r) for r in rows]


def _is_logged_in(request: Request, factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        logged_in = resolve_actor(request, session) is not None
        session.commit()
        return logged_in


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    request: Request,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_DB_INT, description="last event id seen")
    ] = None,
    lifetime: Annotated[float, Query(gt=0, le=SSE_MAX_LIFETIME)] = SSE_DEFAULT_LIFETIME,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: one ``warning`` event per lifecycle step after ``after`` (or after
    ``Last-Event-ID``, or from now). The stream ends after ``lifetime`` seconds; EventSource
    reconnects by itself and resumes from the last id. Without a login only the public steps
    (issued, upgraded, downgraded, lifted) are sent."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    public_only = not await run_in_threadpool(_is_logged_in, request, factory)
    start = after
    if (
        start is None
        and last_event_id
        and last_event_id.isascii()
        and last_event_id.isdigit()
        and int(last_event_id) <= MAX_DB_INT
    ):
        start = int(last_event_id)

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        ends = loop.time() + lifetime
        last, _ = (
            (start, None)
            if start is not None
            else await run_in_threadpool(_fetch_events, factory, None, public_only)
        )
        yield f"retry: 2000\nid: {last}\nevent: ready\ndata: {json.dumps({'after': last})}\n\n"
        quiet_since = loop.time()
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            last, rows = await run_in_threadpool(_fetch_events, factory, last, public_only)
            for row in rows:
                yield f"id: {row['id']}\nevent: warning\ndata: {json.dumps(row)}\n\n"
                quiet_since = loop.time()
            if loop.time() - quiet_since > SSE_KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = loop.time()
            await asyncio.sleep(min(SSE_POLL_SECONDS, max(0.0, ends - loop.time())))

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# ------------------------------------------------------------------------------------ warnings


@router.get("", response_model=dict[str, Any])
def list_warnings(
    session: DbSession,
    actor: OptionalActor,
    status: Annotated[list[str] | None, Query()] = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Warnings, newest first."""
    check_limit(limit)
    unknown = sorted(set(status or []) - set(service.STATUSES))
    if unknown:
        raise InvalidInput(
            f"unknown status {', '.join(unknown)}",
            errors=[
                field_error(["query", "status"], f"must be one of {', '.join(service.STATUSES)}")
            ],
        )
    before = decode_id_cursor(cursor)
    rows = service.list_warnings(
        session, status=service.visible_statuses(actor, status), after_id=before, limit=limit + 1
    )
    items = rows[:limit]
    return {
        "items": [schemas.WarningOut.model_validate(r).model_dump(mode="json") for r in items],
        "next_cursor": encode_cursor(items[-1].id) if len(rows) > limit and items else None,
    }


@router.post("", response_model=schemas.WarningOut, status_code=201)
def propose(body: schemas.ProposeIn, session: DbSession, actor: RequiredActor) -> Any:
    """Propose a regional warning (coordination office)."""
    return service.propose(
        session,
        actor=actor,
        cities=body.cities,
        level=body.level,
        start=body.start_date,
        end=body.end_date,
        max_aqi=body.max_aqi,
        criteria_code=body.criteria_code,
        basis="manual",
        evidence={"reason": body.reason} if body.reason else {},
    )


@router.get("/criteria", response_model=list[schemas.CriteriaOut])
def list_criteria(session: DbSession) -> Any:
    rows: list[CriteriaSet] = service.list_criteria(session)
    return [
        schemas.CriteriaOut(
            code=r.code,
            version=r.version,
            name_en=r.name_en,
            name_zh=r.name_zh,
            definition=r.definition,
        )
        for r in rows
    ]


@router.get("/criteria/adoptions", response_model=list[schemas.AdoptionOut])
def list_adoptions(session: DbSession) -> Any:
    return service.list_adoptions(session)


@router.post("/criteria/adoptions", response_model=schemas.AdoptionOut, status_code=201)
def adopt(body: schemas.AdoptionIn, session: DbSession, actor: RequiredActor) -> Any:
    """Select the criteria set a jurisdiction applies from a date on (office)."""
    return service.adopt_criteria(
        session,
        actor=actor,
        jurisdiction_code=body.jurisdiction_code,
        criteria_code=body.criteria_code,
        effective_from=body.effective_from,
    )


@router.get("/forecasts", response_model=list[schemas.ForecastOut])
def forecasts(
    session: DbSession,
    city: str,
    start: dt.date,
    end: dt.date,
    horizon: Annotated[int, Query(ge=1, le=3)] = 1,
    model_version: str | None = None,
) -> Any:
    """Stored forecasts of target days start..end (newest model version per target day)."""
    _check_forecast_query(session, city, start, end)
    return service.forecasts_for(
        session, city_code=city, start=start, end=end, horizon=horizon, model_version=model_version
    )


@router.get("/forecasts/chart")
def forecast_chart(
    session: DbSession,
    city: str,
    horizon: Annotated[int, Query(ge=1, le=3)] = 1,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    _check_forecast_query(session, city, start, end)
    return service.forecast_chart(session, city_code=city, start=start, end=end, horizon=horizon)


MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_FORECAST_DAYS = 3700


def _check_forecast_query(
    session: Session, city: str, start: dt.date | None, end: dt.date | None
) -> None:
    """422 naming the parameter: unknown city, a date out of range, a reversed or too long
    range."""
    regions.jurisdiction_or_invalid(session, code=city, loc=["query", "city"])
    for name, day in (("start", start), ("end", end)):
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            raise InvalidInput(
                f"{name} {day} is out of range",
                errors=[
                    field_error(["query", name], f"must lie between {MIN_DATE} and {MAX_DATE}")
                ],
            )
    if start is not None and end is not None:
        if end < start:
            raise InvalidInput(
                f"end {end} is before start {start}",
                errors=[field_error(["query", "end"], "must not be before start")],
            )
        if (end - start).days + 1 > MAX_FORECAST_DAYS:
            raise InvalidInput(
                f"at most {MAX_FORECAST_DAYS} days per request",
                errors=[field_error(["query", "end"], f"longer than {MAX_FORECAST_DAYS} days")],
            )


# ------------------------------------------------------------------------------------ webhooks


@router.get("/webhooks", response_model=list[schemas.SubscriptionOut])
def list_webhooks(session: DbSession, actor: RequiredActor) -> Any:
    from jingjinji.security import Role, ensure_role

    ensure_role(
        session, actor, Role.OFFICE_ADMIN, action="webhook.list", object_type="webhook_subscription"
    )
    return webhooks.list_subscriptions(session)


@router.post("/webhooks", response_model=schemas.SubscriptionCreated, status_code=201)
def create_webhook(body: schemas.SubscriptionIn, session: DbSession, actor: RequiredActor) -> Any:
    row = webhooks.create_subscription(
        session,
        actor=actor,
        url=body.url,
        event_types=body.event_types,
        secret=body.secret,
        description=body.description,
    )
    return schemas.SubscriptionCreated(
        **schemas.SubscriptionOut.model_validate(row).model_dump(), secret=row.secret
    )


@router.post("/webhooks/{subscription_id}/rotate", response_model=schemas.SubscriptionCreated)
def rotate_webhook(
    subscription_id: int, body: schemas.RotateIn, session: DbSession, actor: RequiredActor
) -> Any:
    row = webhooks.rotate_secret(
        session,
        actor=actor,
        subscription_id=subscription_id,
        new_secret=body.new_secret,
        overlap=dt.timedelta(hours=body.overlap_hours),
    )
    return schemas.SubscriptionCreated(
        **schemas.SubscriptionOut.model_validate(row).model_dump(), secret=row.secret
    )


@router.post("/webhooks/{subscription_id}/active", response_model=schemas.SubscriptionOut)
def set_webhook_active(
    subscription_id: int, body: schemas.ActiveIn, session: DbSession, actor: RequiredActor
) -> Any:
    return webhooks.set_active(
        session, actor=actor, subscription_id=subscription_id, active=body.active
    )


@router.get("/webhooks/dead-letters", response_model=list[schemas.DeliveryOut])
def dead_letters(session: DbSession, actor: RequiredActor) -> Any:
    return webhooks.dead_letters(session, actor=actor)


@router.post("/webhooks/deliveries/{delivery_id}/retry", response_model=schemas.DeliveryOut)
def retry_delivery(delivery_id: int, session: DbSession, actor: RequiredActor) -> Any:
    return webhooks.retry(session, actor=actor, delivery_id=delivery_id)


# ------------------------------------------------------------------------------------ one warning


@router.get("/{warning_id}", response_model=schemas.WarningDetail)
def get_warning(warning_id: int, session: DbSession, actor: OptionalActor) -> Any:
    return detail_of(session, service.visible_warning(session, actor=actor, warning_id=warning_id))


@router.post("/{warning_id}/consultation", response_model=schemas.WarningOut)
def open_consultation(
    warning_id: int, body: schemas.ConsultationIn, session: DbSession, actor: RequiredActor
) -> Any:
    return service.open_consultation(
        session, actor=actor, warning_id=warning_id, deadline=body.deadline
    )


@router.post("/{warning_id}/answers", response_model=schemas.AnswerOut, status_code=201)
def answer(
    warning_id: int, body: schemas.AnswerIn, session: DbSession, actor: RequiredActor
) -> Any:
    return service.answer(
        session,
        actor=actor,
        warning_id=warning_id,
        agree=body.answer == "agree",
        proposed_level=body.proposed_level,
        reason=body.reason,
    )


@router.post("/{warning_id}/issue", response_model=schemas.WarningOut)
def issue(warning_id: int, body: schemas.IssueIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.issue(session, actor=actor, warning_id=warning_id, level=body.level)


@router.post("/{warning_id}/level", response_model=schemas.WarningOut)
def change_level(
    warning_id: int, body: schemas.LevelIn, session: DbSession, actor: RequiredActor
) -> Any:
    return service.change_level(
        session, actor=actor, warning_id=warning_id, level=body.level, reason=body.reason
    )


@router.post("/{warning_id}/lift", response_model=schemas.WarningOut)
def lift(warning_id: int, body: schemas.ReasonIn, session: DbSession, actor: RequiredActor) -> Any:
    return service.lift(session, actor=actor, warning_id=warning_id, reason=body.reason)


@router.post("/{warning_id}/withdraw", response_model=schemas.WarningOut)
def withdraw(
    warning_id: int, body: schemas.ReasonIn, session: DbSession, actor: RequiredActor
) -> Any:
    return service.withdraw(session, actor=actor, warning_id=warning_id, reason=body.reason)
