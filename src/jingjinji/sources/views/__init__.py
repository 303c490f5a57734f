"""Pages: /sources (map of sources), outlet pages, exceedances, cases and the gateway's live
counters."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
