"""Pages of the ports domain, one sub-router per topic composed here: the overview of the
region's ports, transport orders and their timelines, a container's events (``orders``), the
container flows between the ports (``flows``), the organisation's DCSA event subscriptions
with their delivery health (``subscriptions``) and the EDIFACT intake's upload page and
submission reports (``edifact``)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.ports.views import edifact, flows, orders, subscriptions

router = APIRouter(include_in_schema=False)
router.include_router(orders.router)
router.include_router(flows.router)
router.include_router(subscriptions.router)
router.include_router(edifact.router)
