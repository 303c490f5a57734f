"""Pages: /warnings (map, consultations, history, forecast chart), one warning's consultation
view, webhook administration and dead letters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import InvalidInput
from jingjinji.regions import service as regions
from jingjinji.security import Role, ensure_role
from jingjinji.warnings import service, webhooks
from jingjinji.web import check_csrf, redirect, render, t

router = APIRouter(include_in_schema=False)

LEVEL_COLOURS = {"blue": "#1f6fd1", "yellow": "#e6c300", "orange": "#ff7e00", "red": "#d00000"}
STATUS_LABELS = ("proposed", "consultation", "issued", "lifted", "withdrawn")


def _names(session: Any, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for point in service.city_points(session).values():
        out[point.code] = point.name_zh if lang == "zh_CN" else point.name_en
    for j in regions.provinces(session):
        out[j.code] = regions.name(j, lang)
    return out


def _common(request: Request, session: Any) -> dict[str, Any]:
    from jingjinji.web import language_of

    lang = language_of(request)
    return {"names": _names(session, lang), "level_colours": LEVEL_COLOURS}


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    city: str | None = None,
    horizon: int = 1,
) -> HTMLResponse:
    active = service.list_warnings(
        session, status=service.visible_statuses(actor, service.OPEN_STATUSES)
    )
    history = service.list_warnings(session, status=service.visible_statuses(actor), limit=100)
    points = service.city_points(session)
    ctx = _common(request, session)
    level_of_city: dict[str, str] = {}
    for w in active:  # newest first: a city shows its newest open warning
        for c in w.cities:
            level_of_city.setdefault(c, w.level)
    map_points = [
        {
            "name": ctx["names"].get(p.code, p.code),
            "code": p.code,
            "value": [p.lon, p.lat],
            "level": level_of_city.get(p.code, ""),
        }
        for p in points.values()
    ]
    try:
        with_data = service.cities_with_data(session)
    except Exception:  # the air tables may be empty in a fresh database
        with_data = []
    forecast_cities = sorted(set(with_data) | {m.city_code for m in service.list_models(session)})
    chosen = city or (forecast_cities[0] if forecast_cities else None)
    if horizon not in (1, 2, 3):
        raise InvalidInput("horizon must be 1, 2 or 3")
    chart = (
        service.forecast_chart(session, city_code=chosen, horizon=horizon)
        if chosen
        else {"dates": []}
    )
    return render(
        request,
        "warnings/index.html",
        {
            **ctx,
            "active": active,
            "history": history,
            "map_points": json.dumps(map_points, ensure_ascii=False),
            "chart": json.dumps(chart, ensure_ascii=False),
            "chart_has_data": bool(chart["dates"]),
            "forecast_cities": forecast_cities,
            "chosen_city": chosen,
            "horizon": horizon,
            "last_event": service.last_event_id(session),
            "is_office": actor is not None and actor.role is Role.OFFICE_ADMIN,
        },
    )


@router.get("/warnings/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(
    request: Request, session: DbSession, actor: RequiredActor, created: int | None = None
) -> HTMLResponse:
    ensure_role(
        session, actor, Role.OFFICE_ADMIN, action="webhook.list", object_type="webhook_subscription"
    )
    subs = webhooks.list_subscriptions(session)
    fresh = next((s for s in subs if s.id == created), None) if created else None
    return render(
        request,
        "warnings/webhooks.html",
        {
            "subscriptions": subs,
            "dead": webhooks.dead_letters(session, actor=actor),
            "recent": webhooks.list_deliveries(session, limit=30),
            "event_types": webhooks.EVENT_TYPES,
            "fresh": fresh,
        },
    )


@router.post("/warnings/admin/webhooks")
def create_webhook(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    url: Annotated[str, Form()],
    event_types: Annotated[list[str], Form()],
    description: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row = webhooks.create_subscription(
        session, actor=actor, url=url.strip(), event_types=event_types, description=description
    )
    return redirect(f"/warnings/admin/webhooks?created={row.id}")


@router.post("/warnings/admin/webhooks/{subscription_id}/rotate")
def rotate_webhook(
    request: Request,
    subscription_id: int,
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
    subscription_id: int,
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
    delivery_id: int,
    session: DbSession,
    actor: RequiredActor,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    webhooks.retry(session, actor=actor, delivery_id=delivery_id)
    return redirect("/warnings/admin/webhooks")


@router.get("/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(
    request: Request, warning_id: int, session: DbSession, actor: OptionalActor
) -> HTMLResponse:
    warning = service.visible_warning(session, actor=actor, warning_id=warning_id)
    state = service.consultation_state(session, warning)
    criteria = service.get_criteria(
        session, code=warning.criteria_code, version=warning.criteria_version
    )
    my_jurisdiction = service.agency_jurisdiction(session, actor, warning) if actor else None
    can_answer = (
        my_jurisdiction is not None
        and warning.status == "consultation"
        and my_jurisdiction not in state["answers"]
        and not state["deadline_passed"]
    )
    is_office = actor is not None and actor.role is Role.OFFICE_ADMIN
    default_deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "warnings/detail.html",
        {
            **_common(request, session),
            "w": warning,
            "state": state,
            "levels": criteria.level_names,
            "criteria": criteria,
            "events": service.events_of(session, warning_id=warning.id),
            "my_jurisdiction": my_jurisdiction,
            "can_answer": can_answer,
            "is_office": is_office,
            "default_deadline": default_deadline,
            "last_event": service.last_event_id(session),
        },
    )


def _back(warning_id: int) -> Response:
    return redirect(f"/warnings/{warning_id}")


@router.post("/warnings/{warning_id}/open-consultation")
def open_consultation(
    request: Request,
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    deadline: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    when: dt.datetime | None = None
    if deadline.strip():
        try:
            when = dt.datetime.fromisoformat(deadline.strip())
        except ValueError as exc:
            raise InvalidInput(t(request, "The deadline is not a date and time.")) from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
    service.open_consultation(session, actor=actor, warning_id=warning_id, deadline=when)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/answer")
def answer(
    request: Request,
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    answer: Annotated[str, Form()],
    proposed_level: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if answer not in ("agree", "propose"):
        raise InvalidInput("answer must be agree or propose")
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
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    level: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.issue(session, actor=actor, warning_id=warning_id, level=level or None)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/level")
def change_level(
    request: Request,
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    level: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.change_level(session, actor=actor, warning_id=warning_id, level=level, reason=reason)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/lift")
def lift(
    request: Request,
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.lift(session, actor=actor, warning_id=warning_id, reason=reason)
    return _back(warning_id)


@router.post("/warnings/{warning_id}/withdraw")
def withdraw(
    request: Request,
    warning_id: int,
    session: DbSession,
    actor: RequiredActor,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.withdraw(session, actor=actor, warning_id=warning_id, reason=reason)
    return _back(warning_id)
