"""Pages: /credit (public window), agency desks and dashboards."""

from __future__ import annotations

from fastapi import APIRouter

from jingjinji.credit import labels  # noqa: F401  (registers the credit labels)
from jingjinji.credit.views import agency, agency_record, desks, public

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(agency.router)
router.include_router(agency_record.router)
router.include_router(desks.router)
