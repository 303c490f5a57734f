"""Pages: /warnings (map, consultations, history, forecast chart), one warning's consultation
view, webhook administration and dead letters, and the public air page /air/public (the air
domain's hourly ranking with this domain's outlook)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji import times
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import InvalidInput
from jingjinji.i18n import msg
from jingjinji.inputs import IsoDateTime
from jingjinji.timezone import CHINA_TZ
from jingjinji.warnings import service, webhooks
from jingjinji.web import check_csrf, language_of, redirect, render, t

router = APIRouter(include_in_schema=False)

LEVEL_COLOURS = {"blue": "#1f6fd1", "yellow": "#e6c300", "orange": "#ff7e00", "red": "#d00000"}
RECENT_DELIVERIES = 30
#: Beijing's stations carry the UCI data, whose licence asks for the attribution.
BEIJING = "110000"


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    city: str | None = None,
    horizon: int = 1,
) -> HTMLResponse:
    page = service.overview(
        session, actor=actor, lang=language_of(request), city=city, horizon=horizon
    )
    chart = page.chart.model_dump(mode="json", exclude_unset=True)
    return render(
        request,
        "warnings/index.html",
        {
            "names": page.names,
            "level_colours": LEVEL_COLOURS,
            "active": page.active,
            "history": page.history,
            # Plain values: the template writes them with Jinja's escaping tojson.
            "map_points": page.map_points,
            "chart": chart,
            "chart_has_data": bool(page.chart.dates),
            "weather_used": sum(1 for w in page.chart.weather_input if w == "forecast"),
            "forecast_total": sum(1 for w in page.chart.weather_input if w is not None),
            "forecast_cities": page.forecast_cities,
            "chosen_city": page.chosen_city,
            "horizon": page.horizon,
            "last_event": page.last_event,
            "is_office": page.is_office,
        },
    )


@router.get("/air/public", response_class=HTMLResponse)
def public_air_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    hour: IsoDateTime | None = None,
    standard: str | None = None,
) -> HTMLResponse:
    """The public air page: the latest hour's city ranking, HJ 633's advice, the outlook."""
    page = service.public_air_page(session, lang=language_of(request), hour=hour, standard=standard)
    shown = [*page.best, *page.worst]
    return render(
        request,
        "warnings/public_air.html",
        {"page": page, "show_attribution": any(r.city_code == BEIJING for r in shown)},
    )


@router.get("/warnings/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(
    request: Request, session: DbSession, actor: RequiredActor, created: int | None = None
) -> HTMLResponse:
    subs = webhooks.list_subscriptions(session, actor=actor)
    fresh = next((s for s in subs if s.id == created), None) if created else None
    return render(
        request,
        "warnings/webhooks.html",
        {
            "subscriptions": subs,
            "dead": webhooks.dead_letters(session, actor=actor),
            "recent": webhooks.list_deliveries(session, limit=RECENT_DELIVERIES),
            "event_types": webhooks.known_event_types(),
            "fresh": fresh,
        },
    )


@router.post("/warnings/admin/webhooks")
def create_webhook(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    url: Annotated[str, Form(max_length=500)],
    event_types: Annotated[list[str], Form(max_length=20)],
    description: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row = webhooks.create_subscription(
        session,
        actor=actor,
        url=url.strip(),
        event_types=event_types,
        description=description,
        allow=webhooks.allow_list_of(request.app.state.settings),
    )
    return redirect(f"/warnings/admin/webhooks?created={row.id}")


@router.post("/warnings/admin/webhooks/{subscription_id}/rotate")
def rotate_webhook(
    request: Request,
    subscription_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    webhooks.rotate_secret(session, actor=actor, subscription_id=subscription_id)
    return redirect(f"/warnings/admin/webhooks?created={subscription_id}")


@router.post("/warnings/admin/webhooks/{subscription_id}/active")
def toggle_webhook(
    request: Request,
    subscription_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    active: Annotated[str, Form()] = "0",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    webhooks.set_active(session, actor=actor, subscription_id=subscription_id, active=active == "1")
    return redirect("/warnings/admin/webhooks")


@router.post("/warnings/admin/deliveries/{delivery_id}/retry")
def retry_delivery(
    request: Request,
    delivery_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    webhooks.retry(session, actor=actor, delivery_id=delivery_id)
    return redirect("/warnings/admin/webhooks")


@router.get("/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(
    request: Request, warning_id: DbId, session: DbSession, actor: OptionalActor
) -> HTMLResponse:
    page = service.warning_page(
        session, actor=actor, warning_id=warning_id, lang=language_of(request)
    )
    return render(
        request,
        "warnings/detail.html",
        {
            "names": page.names,
            "level_colours": LEVEL_COLOURS,
            "w": page.warning,
            "state": page.state,
            "levels": page.criteria.level_names,
            "criteria": page.criteria,
            "events": page.events,
            "my_jurisdiction": page.my_jurisdiction,
            "may_answer": page.may_answer,
            "answer_closed": page.answer_closed,
            "may_open_consultation": page.may_open_consultation,
            "may_issue": page.may_issue,
            "may_change_level": page.may_change_level,
            "may_lift": page.may_lift,
            "may_withdraw": page.may_withdraw,
            "default_deadline": times.cst_input(page.default_deadline),
            "last_event": page.last_event,
            "names_people": page.names_people,
            "answered_by": page.answered_by,
        },
    )


def _back(warning_id: int) -> Response:
    return redirect(f"/warnings/{warning_id}")


def _deadline(request: Request, value: str) -> dt.datetime | None:
    """The consultation form's deadline (China Standard Time when it names no zone, as the
    page shows times; an offset typed with it is kept); blank: the default."""
    if not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(t(request, "The deadline is not a date and time.")) from exc
    return when if when.tzinfo is not None else when.replace(tzinfo=CHINA_TZ)


@router.post("/warnings/{warning_id}/open-consultation")
def open_consultation(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    deadline: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.open_consultation(
        session, actor=actor, warning_id=warning_id, deadline=_deadline(request, deadline)
    )
    return _back(warning_id)


@router.post("/warnings/{warning_id}/answer")
def answer(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    answer: Annotated[str, Form(max_length=16)],
    proposed_level: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if answer not in ("agree", "propose"):
        raise InvalidInput(msg("answer must be agree or propose"))
    service.answer(
        session,
        actor=actor,
        warning_id=warning_id,
        agree=answer == "agree",
        proposed_level=proposed_level or None,
        reason=reason,
    )
    return _back(warning_id)


@router.post("/warnings/{warning_id}/issue")
def issue(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    level: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.issue(session, actor=actor, warning_id=warning_id, level=level or None)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/level")
def change_level(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    level: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.change_level(session, actor=actor, warning_id=warning_id, level=level, reason=reason)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/lift")
def lift(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.lift(session, actor=actor, warning_id=warning_id, reason=reason)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/withdraw")
def withdraw(
    request: Request,
    warning_id: DbId,
    session: DbSession,
    actor: RequiredActor,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.withdraw(session, actor=actor, warning_id=warning_id, reason=reason)
    return _back(warning_id)
