"""API: /api/v1/water/... (one sub-router per topic)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.water.router import assessment, incidents, samples, sections

router = APIRouter(prefix="/water", tags=["water"])
router.include_router(sections.router)
router.include_router(samples.router)
router.include_router(assessment.router)
router.include_router(incidents.router)
