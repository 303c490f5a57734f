"""API: ``/api/v1/ports/events`` (intake of DCSA event JSON from terminals and carriers),
``/api/v1/ports/edifact`` (CODECO/COARRI interchanges from terminals) and
``/api/v1/ports/dcsa/v2/...`` (the DCSA Track & Trace 2.2 API: a DCSA client's base URL is
``<host>/api/v1/ports/dcsa``), ``/api/v1/ports/orders`` (transport orders, timelines) and
``/api/v1/ports/demo-receiver`` (a receiver of signed callbacks for the demo and tests,
outside the OpenAPI document)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.ports.router import dcsa, demo_receiver, edifact, intake, orders, subscriptions

router = APIRouter(prefix="/ports", tags=["ports"])
router.include_router(intake.router)
router.include_router(edifact.router)
router.include_router(dcsa.router)
router.include_router(subscriptions.router)
router.include_router(orders.router)
router.include_router(demo_receiver.router)
