"""Listing exceedance events: the office reads every one; a member of a province reads its
enterprises' events and those of enterprises in a case its province is involved in."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, province_of, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import (
    Case,
    CaseJurisdiction,
    Enterprise,
    Exceedance,
    ExceedanceStatus,
)
from jingjinji.sources.schemas.enforcement import ExceedanceOut, ExceedanceRow
from jingjinji.sources.service.registry import is_environment_agency


def in_province(
    column: ColumnElement[str] | QueryableAttribute[str], province: str
) -> ColumnElement[bool]:
    """A jurisdiction column within ``province`` (GB/T 2260: the same first two digits)."""
    return column.like(f"{province[:2]}%")


def visible_exceedances(actor: Actor) -> ColumnElement[bool] | None:
    """The events ``actor`` may read (None: all of them)."""
    if actor.is_office_admin:
        return None
    province = actor.province_code
    if province is None:
        return Exceedance.id.is_(None)  # an actor of no province reads none
    involved = (
        select(Case.enterprise_id)
        .join(CaseJurisdiction, CaseJurisdiction.case_id == Case.id)
        .where(CaseJurisdiction.jurisdiction_code == province)
    )
    return or_(
        in_province(Exceedance.jurisdiction_code, province),
        Exceedance.enterprise_id.in_(involved),
    )


def list_exceedances(
    session: Session,
    *,
    actor: Actor | None,
    status: str | None = None,
    kind: str | None = None,
    jurisdiction: str | None = None,
    enterprise_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Paged[Exceedance]:
    """Events newest first, filtered (every filter given must match; ``jurisdiction`` takes a
    province and its cities). An unknown jurisdiction or enterprise is a 422 naming it."""
    actor = require_actor(actor)
    stmt = select(Exceedance)
    visible = visible_exceedances(actor)
    if visible is not None:
        stmt = stmt.where(visible)
    if status:
        stmt = stmt.where(Exceedance.status == status)
    if kind:
        stmt = stmt.where(Exceedance.kind == kind)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        if province_of(jurisdiction) == jurisdiction:
            stmt = stmt.where(in_province(Exceedance.jurisdiction_code, jurisdiction))
        else:
            stmt = stmt.where(Exceedance.jurisdiction_code == jurisdiction)
    if enterprise_id is not None:
        if session.get(Enterprise, enterprise_id) is None:
            raise InvalidInput(
                msg("no enterprise {enterprise_id}", enterprise_id=enterprise_id),
                errors=[field_error(["query", "enterprise_id"], msg("unknown enterprise"))],
            )
        stmt = stmt.where(Exceedance.enterprise_id == enterprise_id)
    return paginate(
        session, stmt, Exceedance.id, cursor=cursor, limit=check_limit(limit), descending=True
    )


def exceedance_rows(
    session: Session, *, actor: Actor | None, events: list[Exceedance]
) -> list[ExceedanceRow]:
    """The events as the pages list them: enterprise names (one query) and whether the reader
    may open a case from each (an open event of an enterprise the reader acts for)."""
    actor = require_actor(actor)
    enterprises = {
        e.id: e
        for e in session.scalars(
            select(Enterprise).where(Enterprise.id.in_({x.enterprise_id for x in events}))
        )
    }
    environment = is_environment_agency(session, actor)
    return [
        ExceedanceRow(
            **ExceedanceOut.model_validate(x).model_dump(),
            enterprise_name_zh=enterprises[x.enterprise_id].name_zh,
            enterprise_name_en=enterprises[x.enterprise_id].name_en,
            may_open_case=x.status == ExceedanceStatus.OPEN.value
            and policy.may_open_case(
                actor, jurisdiction_code=x.jurisdiction_code, environment_agency=environment
            ),
        )
        for x in events
    ]
