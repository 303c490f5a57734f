"""Pages of the ports domain: the overview of the region's ports, transport orders and their
timelines, and a container's events (``orders``)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.ports.views import orders

router = APIRouter(include_in_schema=False)
router.include_router(orders.router)
