"""``/api/v1/ports/orders``: transport orders (create, list, get) and an order's timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.pagination import Page
from jingjinji.ports import service, shaping
from jingjinji.ports.schemas.orders import OrderFilter, OrderIn, OrderOut, TimelineOut

router = APIRouter(prefix="/orders")


@router.post("", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def create_order(session: DbSession, actor: RequiredActor, body: OrderIn) -> OrderOut:
    return shaping.order_out(service.create_order(session, actor=actor, data=body))


@router.get("", response_model=Page[OrderOut])
def list_orders(
    session: DbSession, actor: OptionalActor, params: Annotated[OrderFilter, Query()]
) -> Page[OrderOut]:
    page = service.list_orders(
        session, actor=actor, container=params.container, cursor=params.cursor,
        limit=params.limit,
    )  # fmt: skip
    return Page[OrderOut](
        items=[shaping.order_out(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.get("/{order_id}", response_model=OrderOut)
def get_order(session: DbSession, actor: OptionalActor, order_id: DbId) -> OrderOut:
    return shaping.order_out(service.get_order(session, actor=actor, order_id=order_id))


@router.get("/{order_id}/timeline", response_model=TimelineOut)
def get_timeline(session: DbSession, actor: OptionalActor, order_id: DbId) -> TimelineOut:
    view, timeline = service.order_timeline(session, actor=actor, order_id=order_id)
    return shaping.timeline_out(view, timeline)
