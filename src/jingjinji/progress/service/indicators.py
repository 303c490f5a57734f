"""Indicator definitions (written by the coordination office)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, NotFound
from jingjinji.i18n import msg
from jingjinji.progress.models import Indicator
from jingjinji.progress.schemas import IndicatorIn
from jingjinji.progress.service.inputs import check_area, invalid
from jingjinji.security import Actor, Role, ensure_role


def create_indicator(session: Session, *, actor: Actor | None, data: IndicatorIn) -> Indicator:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="progress.indicator.create",
        object_type="indicator",
        object_id=data.code,
    )
    if session.scalar(select(Indicator.id).where(Indicator.code == data.code)):
        raise Conflict(msg("an indicator with code {code} exists already", code=repr(data.code)))
    row = Indicator(**data.model_dump())
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.indicator.create",
        object_type="indicator",
        object_id=row.code,
        detail={"unit": row.unit, "direction": row.direction, "period_type": row.period_type},
    )
    return row


def list_indicators(session: Session, *, area: str | None = None) -> list[Indicator]:
    stmt = select(Indicator)
    if area:
        check_area(area, ["query", "area"])
        stmt = stmt.where(Indicator.area == area)
    return list(session.scalars(stmt.order_by(Indicator.area, Indicator.code)))


def get_indicator(session: Session, *, code: str) -> Indicator:
    row = session.scalar(select(Indicator).where(Indicator.code == code))
    if row is None:
        raise NotFound(msg("no indicator {code}", code=repr(code)))
    return row


def indicator_or_invalid(session: Session, code: str, loc: list[str | int]) -> Indicator:
    """The indicator a body names, or a 422 at ``loc`` (a missing one is bad input there)."""
    row = session.scalar(select(Indicator).where(Indicator.code == code))
    if row is None:
        raise invalid(loc, f"unknown indicator code {code!r}")
    return row
