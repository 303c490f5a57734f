"""Pages of the credit domain: public (mounted by ``credit.views``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
