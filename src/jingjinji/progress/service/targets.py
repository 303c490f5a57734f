"""Targets: the value an indicator should reach in a jurisdiction by a year.

Set by office administrators and the administrator of the target's province."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jingjinji.audit import service as audit
from jingjinji.progress.models import Target
from jingjinji.progress.schemas import TargetIn, TargetOut
from jingjinji.progress.service.indicators import get_indicator, indicator_or_invalid
from jingjinji.progress.service.inputs import invalid
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_can_write


def set_target(session: Session, *, actor: Actor | None, data: TargetIn) -> Target:
    """Create or replace the target of an indicator for a jurisdiction (audited with the old
    value)."""
    indicator = indicator_or_invalid(session, data.indicator_code, ["body", "indicator_code"])
    jurisdiction = regions.jurisdiction_or_invalid(
        session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    object_id = f"{indicator.code}/{jurisdiction.code}"
    ensure_can_write(
        session,
        actor,
        action="progress.target.set",
        object_type="target",
        object_id=object_id,
        jurisdiction_code=jurisdiction.code,
        organisation_id=None,
    )
    if not math.isfinite(data.target_value):
        raise invalid(["body", "target_value"], "the target must be a finite number")
    if data.base_year is not None and data.base_year >= data.target_year:
        raise invalid(["body", "base_year"], "the base year must be before the target year")
    row = session.scalar(
        select(Target).where(
            Target.indicator_id == indicator.id, Target.jurisdiction_code == jurisdiction.code
        )
    )
    old = None
    if row is None:
        row = Target(indicator_id=indicator.id, jurisdiction_code=jurisdiction.code)
        session.add(row)
    else:
        old = {"target_value": row.target_value, "target_year": row.target_year}
    row.target_value = data.target_value
    row.target_year = data.target_year
    row.base_year = data.base_year
    row.source = data.source
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="progress.target.set",
        object_type="target",
        object_id=object_id,
        jurisdiction_code=jurisdiction.code,
        detail={
            "target_value": data.target_value,
            "target_year": data.target_year,
            "base_year": data.base_year,
            "previous": old,
        },
    )
    return row


def list_targets(
    session: Session, *, indicator: str | None = None, jurisdiction: str | None = None
) -> list[Target]:
    stmt = select(Target).options(selectinload(Target.indicator))
    if indicator:
        stmt = stmt.where(Target.indicator_id == get_indicator(session, code=indicator).id)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        stmt = stmt.where(Target.jurisdiction_code == jurisdiction)
    return list(session.scalars(stmt.order_by(Target.id)))


def target_out(row: Target) -> TargetOut:
    return TargetOut(
        id=row.id,
        indicator_code=row.indicator.code,
        jurisdiction_code=row.jurisdiction_code,
        target_value=row.target_value,
        target_year=row.target_year,
        base_year=row.base_year,
        source=row.source,
    )
