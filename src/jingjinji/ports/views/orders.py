"""Pages: ``/ports`` (the region's ports on the region map), ``/ports/orders`` (the orders of
the reader's organisation), ``/ports/orders/{id}`` (an order's legs across sea, feeder and
rail with the current position and ETA) and ``/ports/containers/{reference}`` (a container's
events, those the reader may read)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from jingjinji import labels
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor
from jingjinji.inputs import Cursor
from jingjinji.ports import presentation, service, shaping
from jingjinji.web import language_of, render, t

router = APIRouter(include_in_schema=False)

ContainerRef = Annotated[str, Path(pattern=r"^[A-Z0-9]{4,15}$")]


def _points(session: DbSession, lang: str) -> tuple[list[Any], dict[str, Any]]:
    locations = service.list_locations(session)
    rows = [
        {
            "code": loc.un_location_code,
            "facility": loc.facility_code,
            "name": loc.name_zh if lang == "zh_CN" else loc.name_en,
            "kind": labels.label(lang, "ports.location_kind", loc.kind),
            "assumed": loc.code_assumed,
            "assumed_reason": presentation.assumed_reason(loc, lang),
            "lon": loc.longitude,
            "lat": loc.latitude,
        }
        for loc in locations
    ]
    places = {loc.un_location_code: [loc.longitude, loc.latitude] for loc in locations}
    return rows, places


@router.get("/ports", response_class=HTMLResponse)
def overview(request: Request, session: DbSession) -> HTMLResponse:
    lang = language_of(request)
    rows, _ = _points(session, lang)
    return render(request, "ports/overview.html", {"rows": rows, "map": {"points": rows}})


@router.get("/ports/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    session: DbSession,
    actor: OptionalActor,
    cursor: Annotated[Cursor | None, Query()] = None,
) -> HTMLResponse:
    lang = language_of(request)
    page = service.list_orders(session, actor=actor, cursor=cursor, limit=50)
    names = presentation.place_names(service.list_locations(session), lang)
    rows = [
        {
            "id": v.order.id,
            "reference": v.order.reference,
            "containers": v.containers,
            "route": [v.legs[0].origin_code, *(leg.destination_code for leg in v.legs)]
            if v.legs
            else [],
            "modes": [leg.mode for leg in v.legs],
            "planned_arrival": v.legs[-1].planned_arrival if v.legs else None,
        }
        for v in page.items
    ]
    return render(
        request,
        "ports/orders.html",
        {"rows": rows, "names": names, "next_cursor": page.next_cursor},
    )


@router.get("/ports/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, session: DbSession, actor: OptionalActor, order_id: DbId
) -> HTMLResponse:
    lang = language_of(request)
    view, timeline = service.order_timeline(session, actor=actor, order_id=order_id)
    out = shaping.timeline_out(view, timeline)
    _, places = _points(session, lang)
    names = presentation.place_names(service.list_locations(session), lang)
    route = [
        {"from": places.get(leg.origin_code), "to": places.get(leg.destination_code),
         "mode": leg.mode, "status": leg.status,
         "label": labels.label(lang, "ports.leg_mode", leg.mode)}
        for leg in out.legs
    ]  # fmt: skip
    positions = [
        {"lonlat": places.get(p.un_location_code or ""), "box": p.equipment_reference,
         "place": names.get(p.un_location_code or "", p.un_location_code or "")}
        for p in out.positions
    ]  # fmt: skip
    chart = {
        "route": [r for r in route if r["from"] and r["to"]],
        "positions": [p for p in positions if p["lonlat"]],
        "labels": {"position": t(request, "Current position")},
    }
    return render(
        request,
        "ports/order.html",
        {
            "t": out,
            "names": names,
            "chart": chart,
            "dwells": service.dwell_notices(session, order_id=order_id),
        },
    )


@router.get("/ports/containers/{reference}", response_class=HTMLResponse)
def container_page(
    request: Request, session: DbSession, actor: OptionalActor, reference: ContainerRef
) -> HTMLResponse:
    lang = language_of(request)
    names = presentation.place_names(service.list_locations(session), lang)
    events = service.container_events(session, actor=actor, reference=reference)
    orders = service.orders_of_container(session, actor=actor, reference=reference)
    return render(
        request,
        "ports/container.html",
        {
            "reference": reference,
            "rows": presentation.event_rows(events, names),
            "orders": orders,
        },
    )
