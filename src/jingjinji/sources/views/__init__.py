"""Pages: /sources (map of sources), outlet pages, exceedances, cases and the gateway's live
counters."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.sources.views import enforcement, gateway, indicators, map, outlets

router = APIRouter(include_in_schema=False)
router.include_router(map.router)
router.include_router(outlets.router)
router.include_router(gateway.router)
router.include_router(indicators.router)
router.include_router(enforcement.router)
