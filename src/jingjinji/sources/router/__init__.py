"""API: /api/v1/sources/... (one sub-router per topic)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/sources", tags=["sources"])
