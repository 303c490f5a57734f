"""API: /api/v1/credit/... (one sub-router per topic)."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.credit.router import records, reports, services

router = APIRouter(prefix="/credit", tags=["credit"])
router.include_router(records.router)
router.include_router(services.router)
router.include_router(reports.router)
