"""Pages of DCSA event subscriptions: ``/ports/subscriptions`` (the organisation's
subscriptions with their delivery health, the office's view of all with the owner, and the
form that creates one) and ``/ports/subscriptions/{id}`` (one subscription, its recent
deliveries and the forms that change its callback URL and filters, reset its secret, pause or
resume it and delete it).

The forms post with htmx. A secret the platform makes is shown once, in the answer to the
create or reset; it is stored sealed and never shown again. A refusal (a callback URL that is
not public, a filter DCSA does not know, another organisation's subscription) is answered by
the application's error handler: the refusal fragment in the form's target, in the reader's
language, with its status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.inputs import Cursor
from jingjinji.labels import N_
from jingjinji.ports import policy, service
from jingjinji.ports.schemas.subscriptions import FILTER_FIELDS
from jingjinji.web import check_csrf, language_of, redirect, render

router = APIRouter(include_in_schema=False)

#: The filters under names a reader knows (DCSA's field name is shown beside in code).
FILTER_LABELS = {
    "eventType": N_("Event types"),
    "shipmentEventTypeCode": N_("Shipment event codes"),
    "carrierBookingReference": N_("Booking reference"),
    "transportDocumentReference": N_("Transport document reference"),
    "transportDocumentTypeCode": N_("Transport document types"),
    "transportEventTypeCode": N_("Transport event codes"),
    "transportCallID": N_("Transport call"),
    "vesselIMONumber": N_("Vessel IMO number"),
    "carrierVoyageNumber": N_("Voyage"),
    "carrierServiceCode": N_("Service"),
    "equipmentEventTypeCode": N_("Equipment event codes"),
    "equipmentReference": N_("Container"),
}
STATE_LABELS = {
    "paused": N_("Paused"),
    "held": N_("Waiting for a new secret"),
    "failing": N_("Failing"),
    "healthy": N_("Healthy"),
    "waiting": N_("Nothing sent yet"),
}
DELIVERY_LABELS = {
    "pending": N_("Waiting"),
    "delivered": N_("Delivered"),
    "dead": N_("Given up"),
}
EVENT_TYPES = ("SHIPMENT", "TRANSPORT", "EQUIPMENT")
DOCUMENT_TYPES = ("BOL", "SWB")


def filter_rows(filters: dict[str, object]) -> list[tuple[str, str, str]]:
    """``(label, DCSA name, value)`` for each filter given, in DCSA's order."""
    rows = []
    for name in FILTER_FIELDS:
        value = filters.get(name)
        if value is None:
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        rows.append((FILTER_LABELS[name], name, text))
    return rows


def _codes(text: str) -> list[str] | None:
    """A list field from a text input: codes separated by commas or spaces."""
    codes = [c.strip().upper() for c in text.replace(",", " ").split()]
    return codes or None


def _context(request: Request) -> dict[str, object]:
    lang = language_of(request)
    return {
        # An organisation's name in the reader's language (its Chinese name when it has no
        # English one).
        "pick": lambda zh, en: zh if lang == "zh_CN" or not en else en,
        "filter_rows": filter_rows,
        "state_labels": STATE_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "event_types": EVENT_TYPES,
        "document_types": DOCUMENT_TYPES,
    }


@router.get("/ports/subscriptions", response_class=HTMLResponse)
def subscriptions_page(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    cursor: Annotated[Cursor | None, Query()] = None,
) -> HTMLResponse:
    page = service.subscription_admin.list_health(session, actor=actor, cursor=cursor, limit=50)
    return render(
        request,
        "ports/subscriptions.html",
        {
            **_context(request),
            "rows": page.items,
            "next_cursor": page.next_cursor,
            "may_subscribe": policy.may_subscribe(actor),
            "office": actor.is_office_admin,
        },
    )


def _filter_form(
    callback_url: Annotated[str, Form(max_length=2000)] = "",
    event_type: Annotated[list[str] | None, Form(max_length=3)] = None,
    shipment_event_type_code: Annotated[str, Form(max_length=200)] = "",
    transport_event_type_code: Annotated[str, Form(max_length=50)] = "",
    equipment_event_type_code: Annotated[str, Form(max_length=200)] = "",
    transport_document_type_code: Annotated[list[str] | None, Form(max_length=2)] = None,
    carrier_booking_reference: Annotated[str, Form(max_length=35)] = "",
    transport_document_reference: Annotated[str, Form(max_length=20)] = "",
    transport_call_id: Annotated[str, Form(max_length=100)] = "",
    vessel_imo_number: Annotated[str, Form(max_length=7)] = "",
    carrier_voyage_number: Annotated[str, Form(max_length=50)] = "",
    carrier_service_code: Annotated[str, Form(max_length=5)] = "",
    equipment_reference: Annotated[str, Form(max_length=15)] = "",
) -> dict[str, object]:
    """The fields of the create and edit forms (``_subscription_fields.html``) under DCSA's
    names, for ``SubscriptionBody``: an empty field is no filter."""
    return {
        "callbackUrl": callback_url.strip(),
        "eventType": event_type or None,
        "shipmentEventTypeCode": _codes(shipment_event_type_code),
        "transportEventTypeCode": _codes(transport_event_type_code),
        "equipmentEventTypeCode": _codes(equipment_event_type_code),
        "transportDocumentTypeCode": transport_document_type_code or None,
        "carrierBookingReference": carrier_booking_reference.strip() or None,
        "transportDocumentReference": transport_document_reference.strip() or None,
        "transportCallID": transport_call_id.strip() or None,
        "vesselIMONumber": vessel_imo_number.strip() or None,
        "carrierVoyageNumber": carrier_voyage_number.strip() or None,
        "carrierServiceCode": carrier_service_code.strip().upper() or None,
        "equipmentReference": equipment_reference.strip().upper() or None,
    }


FilterForm = Annotated[dict[str, object], Depends(_filter_form)]


@router.post("/ports/subscriptions", response_class=HTMLResponse)
def create_subscription(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    values: FilterForm,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    admin = service.subscription_admin
    body = admin.parse_body(session, actor=actor, values=values, action="ports.subscription.create")
    row, secret = admin.create_with_new_secret(session, actor=actor, body=body)
    return _secret_answer(request, row.subscription_id, secret, created=True)


def _secret_answer(
    request: Request, subscription_id: uuid.UUID, secret: str, *, created: bool
) -> Response:
    """The one answer that shows the secret: a fragment to htmx, else a page of its own."""
    context = {
        "subscription_id": subscription_id,
        "secret": secret,
        "created": created,
        "target": request.headers.get("HX-Target"),
    }
    if request.headers.get("HX-Request"):
        response = render(request, "ports/_subscription_secret.html", context)
    else:
        response = render(request, "ports/subscription_secret.html", context)
    # Never kept by a browser or a proxy: the page is the secret's only showing.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/ports/subscriptions/{subscription_id}", response_class=HTMLResponse)
def subscription_page(
    request: Request, session: DbSession, actor: RequiredActor, subscription_id: uuid.UUID
) -> HTMLResponse:
    admin = service.subscription_admin
    health = admin.health_of(session, actor=actor, subscription_id=subscription_id)
    deliveries = admin.recent_deliveries(session, actor=actor, subscription_id=subscription_id)
    form_values = {"callbackUrl": health.row.callback_url, **health.row.filters}
    return render(
        request,
        "ports/subscription.html",
        {**_context(request), "h": health, "deliveries": deliveries, "form_values": form_values},
    )


@router.post("/ports/subscriptions/{subscription_id}/edit", response_class=HTMLResponse)
def edit(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    subscription_id: uuid.UUID,
    values: FilterForm,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Replace the callback URL and the filters, as the API's PUT does (the same service)."""
    check_csrf(request, csrf_token)
    body = service.subscription_admin.parse_body(
        session, actor=actor, values=values, action="ports.subscription.update"
    )
    service.update_subscription(session, actor=actor, subscription_id=subscription_id, body=body)
    return _back(request, f"/ports/subscriptions/{subscription_id}")


@router.post("/ports/subscriptions/{subscription_id}/secret", response_class=HTMLResponse)
def reset_secret(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    subscription_id: uuid.UUID,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row, secret = service.subscription_admin.reset_to_new_secret(
        session, actor=actor, subscription_id=subscription_id
    )
    return _secret_answer(request, row.subscription_id, secret, created=False)


def _back(request: Request, url: str) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return redirect(url)


@router.post("/ports/subscriptions/{subscription_id}/pause", response_class=HTMLResponse)
def pause(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    subscription_id: uuid.UUID,
    paused: Annotated[bool, Form()] = True,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.subscription_admin.set_paused(
        session, actor=actor, subscription_id=subscription_id, paused=paused
    )
    return _back(request, f"/ports/subscriptions/{subscription_id}")


@router.post("/ports/subscriptions/{subscription_id}/delete", response_class=HTMLResponse)
def delete(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    subscription_id: uuid.UUID,
    confirm: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    service.subscription_admin.delete_confirmed(
        session, actor=actor, subscription_id=subscription_id, confirmed=confirm == "yes"
    )
    return _back(request, "/ports/subscriptions")
