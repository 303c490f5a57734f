"""Pages: /water (river network), section pages, status tables, uploads and incidents."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.water.views import incidents, network, sections, status, upload

router = APIRouter(include_in_schema=False)
router.include_router(network.router)
router.include_router(sections.router)
router.include_router(status.router)
router.include_router(upload.router)
router.include_router(incidents.router)
