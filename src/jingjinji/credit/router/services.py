"""API of the credit domain: services (mounted by ``credit.router``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
