"""Transport orders: create, list and read them (the parties only, the office all), and their
timeline assembled from the events of every party (``kernels.timeline``).

The timeline reads the events of the order's containers inside the order's window: from
``WINDOW_BEFORE`` ahead of the first planned departure to ``WINDOW_AFTER`` past the last
planned arrival, so that a container's earlier or later journeys (another order's) stay out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, NotFound
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.ports import policy
from jingjinji.ports.kernels import timeline as kernel
from jingjinji.ports.models import Event, Order, OrderContainer, OrderLeg, OrderParty, TransportCall
from jingjinji.ports.schemas.orders import OrderIn
from jingjinji.ports.service.query import read_scope, visible
from jingjinji.regions import service as regions
from jingjinji.security import Actor, deny, require_actor

WINDOW_BEFORE = dt.timedelta(days=3)
WINDOW_AFTER = dt.timedelta(days=30)


@dataclass
class OrderView:
    """An order with its parties, containers and legs (loaded in one statement each)."""

    order: Order
    parties: list[int]
    containers: list[str]
    legs: list[OrderLeg]

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return (
            self.legs[0].planned_departure - WINDOW_BEFORE,
            self.legs[-1].planned_arrival + WINDOW_AFTER,
        )


def create_order(session: Session, *, actor: Actor | None, data: OrderIn) -> OrderView:
    """Record a transport order (a steward for its own organisation, the office for any)."""
    actor = require_actor(actor)
    owner = data.owner_organisation_id or actor.organisation_id
    if owner is None or not policy.may_create_order(actor, owner_organisation_id=owner):
        raise deny(
            session,
            actor,
            action="ports.order.create",
            object_type="transport_order",
            object_id=data.reference,
            jurisdiction_code=actor.jurisdiction_code,
            reason=msg(
                "{user} may not record transport orders of organisation {owner}",
                user=repr(actor.username),
                owner=owner if owner is not None else "-",
            ),
        )
    for organisation_id in {owner, *data.party_organisation_ids}:
        regions.get_organisation(session, organisation_id=organisation_id)
    if session.scalar(select(Order.id).where(Order.reference == data.reference)) is not None:
        raise audit.audited_refusal(
            session,
            Conflict(msg("transport order {reference} exists already", reference=data.reference)),
            actor=actor,
            action="ports.order.create",
            object_type="transport_order",
            object_id=data.reference,
        )
    order = Order(reference=data.reference, owner_organisation_id=owner, created_by=actor.username)
    session.add(order)
    session.flush()
    parties = sorted({owner, *data.party_organisation_ids})
    session.add_all(OrderParty(order_id=order.id, organisation_id=p) for p in parties)
    session.add_all(
        OrderContainer(order_id=order.id, equipment_reference=c) for c in data.containers
    )
    legs = [
        OrderLeg(
            order_id=order.id,
            sequence=i,
            mode=leg.mode.value,
            origin_code=leg.origin,
            destination_code=leg.destination,
            carrier=leg.carrier,
            planned_departure=leg.planned_departure,
            planned_arrival=leg.planned_arrival,
        )
        for i, leg in enumerate(data.legs, start=1)
    ]
    session.add_all(legs)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ports.order.create",
        object_type="transport_order",
        object_id=order.id,
        detail=data.model_dump(mode="json"),
    )
    return OrderView(order, parties, list(data.containers), legs)


def _visible(actor: Actor | None) -> ColumnElement[bool]:
    """The SQL condition of the orders ``actor`` reads (``policy.may_read_order`` as SQL)."""
    if actor is not None and actor.is_office_admin:
        return true()
    if actor is None or actor.organisation_id is None:
        return false()
    return exists().where(
        OrderParty.order_id == Order.id, OrderParty.organisation_id == actor.organisation_id
    )


def views_of(session: Session, orders: Sequence[Order]) -> list[OrderView]:
    """Parties, containers and legs of these orders: three statements whatever their number."""
    ids = [o.id for o in orders]
    parties: dict[int, list[int]] = {i: [] for i in ids}
    containers: dict[int, list[str]] = {i: [] for i in ids}
    legs: dict[int, list[OrderLeg]] = {i: [] for i in ids}
    if ids:
        for order_id, org in session.execute(
            select(OrderParty.order_id, OrderParty.organisation_id)
            .where(OrderParty.order_id.in_(ids))
            .order_by(OrderParty.organisation_id)
        ):
            parties[order_id].append(org)
        for order_id, box in session.execute(
            select(OrderContainer.order_id, OrderContainer.equipment_reference)
            .where(OrderContainer.order_id.in_(ids))
            .order_by(OrderContainer.id)
        ):
            containers[order_id].append(box)
        for leg in session.scalars(
            select(OrderLeg).where(OrderLeg.order_id.in_(ids)).order_by(OrderLeg.sequence)
        ):
            legs[leg.order_id].append(leg)
    return [OrderView(o, parties[o.id], containers[o.id], legs[o.id]) for o in orders]


def list_orders(
    session: Session,
    *,
    actor: Actor | None,
    container: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[OrderView]:
    """The orders ``actor`` is a party to (the office: all), newest first."""
    stmt = select(Order).where(_visible(actor))
    if container is not None:
        stmt = stmt.where(
            exists().where(
                OrderContainer.order_id == Order.id,
                OrderContainer.equipment_reference == container,
            )
        )
    page = paginate(session, stmt, Order.id, cursor=cursor, limit=limit, descending=True)
    return Paged(views_of(session, page.items), page.next_cursor)


def get_order(session: Session, *, actor: Actor | None, order_id: int) -> OrderView:
    """One order; 404 when unknown, 403 (audited) for someone not a party."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(msg("no transport order {order_id}", order_id=order_id))
    (view,) = views_of(session, [order])
    if not policy.may_read_order(actor, party_organisation_ids=view.parties):
        raise deny(
            session,
            actor,
            action="ports.order.read",
            object_type="transport_order",
            object_id=str(order_id),
            jurisdiction_code=actor.jurisdiction_code if actor else None,
            reason=msg(
                "only the parties of transport order {reference} see it",
                reference=order.reference,
            ),
        )
    return view


def events_of(
    session: Session, *, containers: Sequence[str], start: dt.datetime, end: dt.datetime
) -> list[kernel.EventRecord]:
    """The events of these containers in [start, end], and the TRANSPORT events of the calls
    they travel on (vessel arrival estimates), as plain records. Two statements."""
    columns = (
        Event.id,
        Event.event_classifier_code,
        Event.equipment_event_type_code,
        Event.transport_event_type_code,
        Event.event_at,
        Event.event_created_at,
        Event.un_location_code,
        TransportCall.mode_of_transport,
        Event.equipment_reference,
        Event.transport_call_id,
        Event.supersedes_id,
    )
    base = select(*columns).outerjoin(TransportCall, TransportCall.id == Event.transport_call_pk)
    in_window = and_(Event.event_at >= start, Event.event_at <= end)
    rows = list(
        session.execute(
            base.where(Event.equipment_reference.in_(list(containers)), in_window).order_by(
                Event.id
            )
        )
    )
    calls = {r.transport_call_id for r in rows if r.transport_call_id}
    if calls:
        rows += session.execute(
            base.where(
                Event.event_type == "TRANSPORT",
                Event.transport_call_id.in_(sorted(calls)),
                in_window,
            ).order_by(Event.id)
        )
    return [
        kernel.EventRecord(
            pk=r.id,
            classifier=r.event_classifier_code,
            code=r.equipment_event_type_code or r.transport_event_type_code or "",
            at=r.event_at,
            created_at=r.event_created_at,
            location=r.un_location_code,
            mode=r.mode_of_transport,
            equipment_reference=r.equipment_reference,
            transport_call_id=r.transport_call_id,
            supersedes=r.supersedes_id,
        )
        for r in rows
    ]


def planned_legs(view: OrderView) -> list[kernel.PlannedLeg]:
    return [
        kernel.PlannedLeg(
            leg.mode, leg.origin_code, leg.destination_code,
            leg.planned_departure, leg.planned_arrival,
        )
        for leg in view.legs
    ]  # fmt: skip


def timeline_of(session: Session, view: OrderView) -> kernel.Timeline:
    start, end = view.window
    events = events_of(session, containers=view.containers, start=start, end=end)
    return kernel.assemble(
        events, legs=planned_legs(view), containers=view.containers, start=start, end=end
    )


def order_timeline(
    session: Session, *, actor: Actor | None, order_id: int
) -> tuple[OrderView, kernel.Timeline]:
    """An order and its timeline (the parties and the office)."""
    view = get_order(session, actor=actor, order_id=order_id)
    return view, timeline_of(session, view)


#: The most events a container's page shows (its newest ones).
CONTAINER_EVENTS_LIMIT = 500


def container_events(session: Session, *, actor: Actor | None, reference: str) -> list[Event]:
    """The events of one container that ``actor`` may read (``query.visible``), in the order
    they happened; the newest ``CONTAINER_EVENTS_LIMIT`` of them."""
    stmt = (
        select(Event)
        .where(Event.equipment_reference == reference, visible(read_scope(session, actor)))
        .order_by(Event.event_at.desc(), Event.id.desc())
        .limit(CONTAINER_EVENTS_LIMIT)
    )
    return list(reversed(session.scalars(stmt).all()))


def orders_of_container(session: Session, *, actor: Actor | None, reference: str) -> list[Order]:
    """The orders carrying this container that ``actor`` is a party to, newest first."""
    stmt = (
        select(Order)
        .where(
            _visible(actor),
            Order.id.in_(
                select(OrderContainer.order_id).where(
                    OrderContainer.equipment_reference == reference
                )
            ),
        )
        .order_by(Order.id.desc())
        .limit(50)
    )
    return list(session.scalars(stmt))
