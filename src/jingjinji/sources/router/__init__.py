"""API: /api/v1/sources/... (one sub-router per topic)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.sources.router import data, enforcement, registry

router = APIRouter(prefix="/sources", tags=["sources"])
router.include_router(registry.router)
router.include_router(data.router)
router.include_router(enforcement.router)
