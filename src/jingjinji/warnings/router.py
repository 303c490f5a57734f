"""API: /api/v1/warnings (warnings, consultation, forecasts, criteria, webhooks, live events)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from jingjinji.admission import run_in_slot
from jingjinji.db import MAX_DB_INT, DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import Busy
from jingjinji.pagination import Page
from jingjinji.warnings import schemas, service, webhooks
from jingjinji.warnings.models import WebhookSubscription

router = APIRouter(prefix="/warnings", tags=["warnings"])

SSE_POLL_SECONDS = 1.0
SSE_DEFAULT_LIFETIME = 30.0
SSE_MAX_LIFETIME = 300.0
SSE_KEEPALIVE_SECONDS = 15.0


def _event_id_header(value: str | None) -> int | None:
    """The id of a ``Last-Event-ID`` header, if it is one (anything else is ignored)."""
    if value and value.isascii() and value.isdigit() and int(value) <= MAX_DB_INT:
        return int(value)
    return None


# ------------------------------------------------------------------------------------ live events


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def events(
    request: Request,
    actor: OptionalActor,
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
    factory = request.app.state.session_factory
    start = after if after is not None else _event_id_header(last_event_id)

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        ends = loop.time() + lifetime
        last = start
        if last is None:
            try:
                last, _ = await run_in_slot(
                    request, service.poll_events, factory, actor=actor, after=None
                )
            except Busy:
                return  # at capacity: an empty stream; EventSource comes back in a moment
        yield f"retry: 2000\nid: {last}\nevent: ready\ndata: {json.dumps({'after': last})}\n\n"
        quiet_since = loop.time()
        while loop.time() < ends:
            if await request.is_disconnected():
                return
            try:
                last, rows = await run_in_slot(
                    request, service.poll_events, factory, actor=actor, after=last
                )
            except Busy:
                # At capacity: end the stream; EventSource reconnects and resumes after `last`.
                return
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


@router.get("", response_model=Page[schemas.WarningOut])
def list_warnings(
    session: DbSession,
    actor: OptionalActor,
    params: Annotated[schemas.WarningFilter, Query()],
) -> Page[schemas.WarningOut]:
    """Warnings, newest first."""
    page = service.list_warnings_page(
        session, actor=actor, status=params.status, cursor=params.cursor, limit=params.limit
    )
    return Page[schemas.WarningOut](
        items=[service.warning_out(w, actor=actor) for w in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", response_model=schemas.WarningOut, status_code=201)
def propose(
    body: schemas.ProposeIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    """Propose a regional warning (coordination office)."""
    warning = service.propose(
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
    return service.warning_out(warning, actor=actor)


@router.get("/criteria", response_model=list[schemas.CriteriaOut])
def list_criteria(session: DbSession) -> list[schemas.CriteriaOut]:
    return [
        schemas.CriteriaOut(
            code=r.code,
            version=r.version,
            name_en=r.name_en,
            name_zh=r.name_zh,
            definition=r.definition,
        )
        for r in service.list_criteria(session)
    ]


@router.get("/criteria/adoptions", response_model=list[schemas.AdoptionOut])
def list_adoptions(session: DbSession) -> list[schemas.AdoptionOut]:
    return [schemas.AdoptionOut.model_validate(r) for r in service.list_adoptions(session)]


@router.post("/criteria/adoptions", response_model=schemas.AdoptionOut, status_code=201)
def adopt(
    body: schemas.AdoptionIn, session: DbSession, actor: RequiredActor
) -> schemas.AdoptionOut:
    """Select the criteria set a jurisdiction applies from a date on (office)."""
    row = service.adopt_criteria(
        session,
        actor=actor,
        jurisdiction_code=body.jurisdiction_code,
        criteria_code=body.criteria_code,
        effective_from=body.effective_from,
    )
    return schemas.AdoptionOut.model_validate(row)


@router.get("/forecasts", response_model=list[schemas.ForecastOut])
def forecasts(
    session: DbSession, params: Annotated[schemas.ForecastQuery, Query()]
) -> list[schemas.ForecastOut]:
    """Stored forecasts of target days start..end (newest model version per target day)."""
    service.check_forecast_query(session, city=params.city, start=params.start, end=params.end)
    rows = service.forecasts_for(
        session,
        city_code=params.city,
        start=params.start,
        end=params.end,
        horizon=params.horizon,
        model_version=params.model_version,
    )
    return [schemas.ForecastOut.model_validate(r) for r in rows]


@router.get(
    "/forecasts/chart", response_model=schemas.ForecastChartOut, response_model_exclude_unset=True
)
def forecast_chart(
    session: DbSession, params: Annotated[schemas.ChartQuery, Query()]
) -> schemas.ForecastChartOut:
    """Observed daily AQI and the forecast band by target date (default: the last 120 days
    with forecasts)."""
    service.check_forecast_query(session, city=params.city, start=params.start, end=params.end)
    return service.forecast_chart(
        session, city_code=params.city, start=params.start, end=params.end, horizon=params.horizon
    )


# ------------------------------------------------------------------------------ weather forecasts


@router.post("/weather-forecasts", response_model=schemas.WeatherStoredOut)
def post_weather_forecasts(
    session: DbSession, actor: RequiredActor, body: schemas.WeatherBatchIn
) -> schemas.WeatherStoredOut:
    """Store daily or hourly weather forecasts (units: °C, %, hPa, m/s, degrees, mm, m). The
    batch is checked whole (422 listing every bad row, nothing stored); the same row again
    changes nothing; the same key with other values is a 409 naming it. Writers: the
    coordination office, stewards of environment or meteorology organisations (their own
    province's cities); others get an audited 403."""
    result = service.store_weather_batch(
        session, actor=actor, items=[row.model_dump() for row in body.rows]
    )
    return schemas.WeatherStoredOut(**result._asdict())


@router.post("/weather-forecasts/csv", response_model=schemas.WeatherStoredOut)
def post_weather_forecasts_csv(
    session: DbSession,
    actor: RequiredActor,
    file: Annotated[UploadFile, File(description="CSV with a header; see docs/warnings.md")],
) -> schemas.WeatherStoredOut:
    """Upload a CSV file of weather forecasts: every problem is listed (row = file line,
    column, reason) and the file is refused whole; otherwise as the JSON batch."""
    content = file.file.read(service.WEATHER_CSV_MAX_BYTES + 1)
    result = service.load_weather_csv(session, actor=actor, content=content)
    return schemas.WeatherStoredOut(**result._asdict())


@router.get("/weather-forecasts", response_model=Page[schemas.WeatherForecastOut])
def list_weather_forecasts(
    session: DbSession, actor: RequiredActor, params: Annotated[schemas.WeatherFilter, Query()]
) -> Page[schemas.WeatherForecastOut]:
    """Stored weather forecasts by id (logged-in users), filtered by city and target days."""
    page = service.weather_forecasts_page(
        session,
        actor=actor,
        city_code=params.city,
        target_from=params.target_from,
        target_to=params.target_to,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[schemas.WeatherForecastOut](
        items=[schemas.WeatherForecastOut.model_validate(w) for w in page.items],
        next_cursor=page.next_cursor,
    )


# ------------------------------------------------------------------------------------ webhooks


def _created(row: WebhookSubscription) -> schemas.SubscriptionCreated:
    """A subscription with its secret: only in the answer that creates or rotates it."""
    return schemas.SubscriptionCreated(
        **schemas.SubscriptionOut.model_validate(row).model_dump(), secret=row.secret
    )


@router.get("/webhooks", response_model=list[schemas.SubscriptionOut])
def list_webhooks(session: DbSession, actor: OptionalActor) -> list[schemas.SubscriptionOut]:
    """The webhook subscriptions (office administrators), without their secrets."""
    rows = webhooks.list_subscriptions(session, actor=actor)
    return [schemas.SubscriptionOut.model_validate(r) for r in rows]


@router.post("/webhooks", response_model=schemas.SubscriptionCreated, status_code=201)
def create_webhook(
    request: Request, body: schemas.SubscriptionIn, session: DbSession, actor: RequiredActor
) -> schemas.SubscriptionCreated:
    row = webhooks.create_subscription(
        session,
        actor=actor,
        url=body.url,
        event_types=body.event_types,
        secret=body.secret,
        description=body.description,
        allow=webhooks.allow_list_of(request.app.state.settings),
    )
    return _created(row)


@router.post("/webhooks/{subscription_id}/rotate", response_model=schemas.SubscriptionCreated)
def rotate_webhook(
    subscription_id: DbId, body: schemas.RotateIn, session: DbSession, actor: RequiredActor
) -> schemas.SubscriptionCreated:
    row = webhooks.rotate_secret(
        session,
        actor=actor,
        subscription_id=subscription_id,
        new_secret=body.new_secret,
        overlap=dt.timedelta(hours=body.overlap_hours),
    )
    return _created(row)


@router.post("/webhooks/{subscription_id}/active", response_model=schemas.SubscriptionOut)
def set_webhook_active(
    subscription_id: DbId, body: schemas.ActiveIn, session: DbSession, actor: RequiredActor
) -> schemas.SubscriptionOut:
    row = webhooks.set_active(
        session, actor=actor, subscription_id=subscription_id, active=body.active
    )
    return schemas.SubscriptionOut.model_validate(row)


@router.get("/webhooks/dead-letters", response_model=list[schemas.DeliveryOut])
def dead_letters(session: DbSession, actor: RequiredActor) -> list[schemas.DeliveryOut]:
    return [
        schemas.DeliveryOut.model_validate(d) for d in webhooks.dead_letters(session, actor=actor)
    ]


@router.post("/webhooks/deliveries/{delivery_id}/retry", response_model=schemas.DeliveryOut)
def retry_delivery(
    delivery_id: DbId, session: DbSession, actor: RequiredActor
) -> schemas.DeliveryOut:
    return schemas.DeliveryOut.model_validate(
        webhooks.retry(session, actor=actor, delivery_id=delivery_id)
    )


# ------------------------------------------------------------------------------------ one warning


@router.get("/{warning_id}", response_model=schemas.WarningDetail)
def get_warning(
    warning_id: DbId, session: DbSession, actor: OptionalActor
) -> schemas.WarningDetail:
    return service.warning_detail(session, actor=actor, warning_id=warning_id)


@router.post("/{warning_id}/consultation", response_model=schemas.WarningOut)
def open_consultation(
    warning_id: DbId, body: schemas.ConsultationIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    warning = service.open_consultation(
        session, actor=actor, warning_id=warning_id, deadline=body.deadline
    )
    return service.warning_out(warning, actor=actor)


@router.post("/{warning_id}/answers", response_model=schemas.AnswerOut, status_code=201)
def answer(
    warning_id: DbId, body: schemas.AnswerIn, session: DbSession, actor: RequiredActor
) -> schemas.AnswerOut:
    row = service.answer(
        session,
        actor=actor,
        warning_id=warning_id,
        agree=body.answer == "agree",
        proposed_level=body.proposed_level,
        reason=body.reason,
    )
    return service.answer_out(row, actor=actor)


@router.post("/{warning_id}/issue", response_model=schemas.WarningOut)
def issue(
    warning_id: DbId, body: schemas.IssueIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    warning = service.issue(session, actor=actor, warning_id=warning_id, level=body.level)
    return service.warning_out(warning, actor=actor)


@router.post("/{warning_id}/level", response_model=schemas.WarningOut)
def change_level(
    warning_id: DbId, body: schemas.LevelIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    warning = service.change_level(
        session, actor=actor, warning_id=warning_id, level=body.level, reason=body.reason
    )
    return service.warning_out(warning, actor=actor)


@router.post("/{warning_id}/lift", response_model=schemas.WarningOut)
def lift(
    warning_id: DbId, body: schemas.ReasonIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    warning = service.lift(session, actor=actor, warning_id=warning_id, reason=body.reason)
    return service.warning_out(warning, actor=actor)


@router.post("/{warning_id}/withdraw", response_model=schemas.WarningOut)
def withdraw(
    warning_id: DbId, body: schemas.ReasonIn, session: DbSession, actor: RequiredActor
) -> schemas.WarningOut:
    warning = service.withdraw(session, actor=actor, warning_id=warning_id, reason=body.reason)
    return service.warning_out(warning, actor=actor)
