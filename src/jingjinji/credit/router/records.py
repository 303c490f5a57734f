"""API of the credit domain: records (mounted by ``credit.router``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
