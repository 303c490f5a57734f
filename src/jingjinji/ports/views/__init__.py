"""Pages of the ports domain, one sub-router per topic composed here."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.ports.views import flows

router = APIRouter(include_in_schema=False)
router.include_router(flows.router)
