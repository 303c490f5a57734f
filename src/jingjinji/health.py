"""Whether the platform can serve: the probe behind ``GET /healthz``."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session


class Health(BaseModel):
    """``{"status": "ok"}``: the database answered. A failing probe is an error response."""

    status: str


def check(session: Session) -> Health:
    """Round-trip one trivial query; a database that cannot answer raises."""
    session.execute(text("SELECT 1"))
    return Health(status="ok")
