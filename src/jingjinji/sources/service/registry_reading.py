"""Reading the registry: paged lists of enterprises and parks with validated filters, one
enterprise with its outlets, one outlet with its factors and loggers, and who reads an
enterprise's monitoring data.

The registry of key pollutant dischargers (重点排污单位名录: names, outlets, positions,
permit limits) is published in China, so it is read without logging in. The data loggers
(their MN is the address the gateway accepts packets for) and the monitoring data are read
only by those ``policy.may_read_enterprise`` allows: the office, members of the enterprise's
province, and an organisation holding a current catalog grant covering the enterprise (an
enforcement case grants it to the involved neighbour's environment agency:
``monitoring_grants``). Such a read crosses jurisdictions and is audited; a refusal is audited
too (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, deny, province_of, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import (
    Enterprise,
    Logger,
    MonitoredFactor,
    Outlet,
    Park,
)
from jingjinji.sources.service.monitoring_grants import reads_through_grant
from jingjinji.sources.service.registry import get_enterprise, get_outlet


def may_read_data(session: Session, actor: Actor | None, *, enterprise: Enterprise) -> bool:
    """Whether ``actor`` reads the enterprise's loggers and monitoring data (no audit)."""
    if actor is None:
        return False
    # Most readers are the office or the owner's province: no query for grants then.
    if policy.may_read_enterprise(actor, jurisdiction_code=enterprise.jurisdiction_code):
        return True
    return policy.may_read_enterprise(
        actor,
        jurisdiction_code=enterprise.jurisdiction_code,
        granted=reads_through_grant(session, actor, enterprise=enterprise),
    )


def ensure_may_read_data(
    session: Session, actor: Actor | None, *, enterprise: Enterprise, action: str, object_id: str
) -> Actor:
    """401 without an actor; an audited 403 unless the actor reads this enterprise's data; a
    read from another (involved) jurisdiction is recorded in the audit trail."""
    actor = require_actor(actor)
    jurisdiction = enterprise.jurisdiction_code
    if not may_read_data(session, actor, enterprise=enterprise):
        raise deny(
            session,
            actor,
            action=action,
            object_type="source_enterprise",
            object_id=object_id,
            jurisdiction_code=jurisdiction,
            reason=(
                msg(
                    "{username} may not read the monitoring data of "
                    "enterprise {enterprise_id}: the "
                    "office, members of {province_of} and an organisation holding a catalog grant "
                    "covering it may",
                    username=repr(actor.username),
                    enterprise_id=enterprise.id,
                    province_of=province_of(jurisdiction),
                )
            ),
        )
    if not actor.is_office_admin and actor.province_code != province_of(jurisdiction):
        audit.record(
            session,
            actor=actor,
            action=action,
            object_type="source_enterprise",
            object_id=str(enterprise.id),
            jurisdiction_code=jurisdiction,
            detail={"cross_jurisdiction": True, "reader_province": actor.province_code},
        )
    return actor


def _known_or_invalid(session: Session, code: str, parameter: str) -> str:
    if not regions.known_jurisdictions(session, codes=[code]):
        raise InvalidInput(
            msg("unknown jurisdiction {code}", code=repr(code)),
            errors=[field_error(["query", parameter], msg("not a jurisdiction code"))],
        )
    return code


def list_enterprises(
    session: Session,
    *,
    jurisdiction: str | None = None,
    city: str | None = None,
    park: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[Enterprise]:
    """Enterprises by id. ``jurisdiction`` (a province or a city code) matches the owner and
    its subdivisions, ``city`` the prefecture, ``park`` the industrial park, ``kind`` an outlet
    kind the enterprise has, ``q`` a part of the Chinese or English name. Unknown codes are a
    422 naming the parameter."""
    stmt = select(Enterprise)
    if jurisdiction:
        code = _known_or_invalid(session, jurisdiction, "jurisdiction")
        within = regions.descendants(session, code=code) | {code}
        stmt = stmt.where(
            Enterprise.jurisdiction_code.in_(sorted(within))
            | Enterprise.city_code.in_(sorted(within))
        )
    if city:
        stmt = stmt.where(Enterprise.city_code == _known_or_invalid(session, city, "city"))
    if park:
        if session.get(Park, park) is None:
            raise InvalidInput(
                msg("no industrial park {park}", park=repr(park)),
                errors=[field_error(["query", "park"], msg("unknown park"))],
            )
        stmt = stmt.where(Enterprise.park_code == park)
    if kind:
        stmt = stmt.where(
            Enterprise.id.in_(select(Outlet.enterprise_id).where(Outlet.kind == kind))
        )
    if q:
        # LIKE's wildcards in the text are dropped: ``q`` matches literally.
        literal = q.replace("\\", "").replace("%", "").replace("_", "")
        pattern = f"%{literal}%"
        stmt = stmt.where(Enterprise.name_zh.like(pattern) | Enterprise.name_en.ilike(pattern))
    return paginate(session, stmt, Enterprise.id, cursor=cursor, limit=check_limit(limit))


def outlets_of(session: Session, *, enterprise_id: int) -> list[Outlet]:
    """The enterprise's outlets by code (a 404 for an unknown enterprise)."""
    get_enterprise(session, enterprise_id=enterprise_id)
    return list(
        session.scalars(
            select(Outlet).where(Outlet.enterprise_id == enterprise_id).order_by(Outlet.code)
        )
    )


@dataclass(frozen=True)
class EnterpriseDetail:
    """An enterprise, its outlets, and whether the reader reads its loggers and data."""

    enterprise: Enterprise
    outlets: list[Outlet]
    data_readable: bool


def enterprise_detail(
    session: Session, *, actor: Actor | None, enterprise_id: int
) -> EnterpriseDetail:
    """One enterprise with its outlets (public; a 404 for an unknown one)."""
    enterprise = get_enterprise(session, enterprise_id=enterprise_id)
    return EnterpriseDetail(
        enterprise=enterprise,
        outlets=outlets_of(session, enterprise_id=enterprise_id),
        data_readable=may_read_data(session, actor, enterprise=enterprise),
    )


@dataclass(frozen=True)
class OutletDetail:
    """An outlet, its enterprise, its monitored factors and, for those who read the
    enterprise's data, its loggers (None for the others)."""

    outlet: Outlet
    enterprise: Enterprise
    factors: list[MonitoredFactor]
    loggers: list[Logger] | None


def outlet_detail(session: Session, *, actor: Actor | None, outlet_id: int) -> OutletDetail:
    """One outlet with its factors and limits (public) and its loggers (readers only)."""
    outlet = get_outlet(session, outlet_id=outlet_id)
    enterprise = get_enterprise(session, enterprise_id=outlet.enterprise_id)
    factors = list(
        session.scalars(
            select(MonitoredFactor)
            .where(MonitoredFactor.outlet_id == outlet.id)
            .order_by(MonitoredFactor.code)
        )
    )
    loggers: list[Logger] | None = None
    if may_read_data(session, actor, enterprise=enterprise):
        loggers = list(
            session.scalars(select(Logger).where(Logger.outlet_id == outlet.id).order_by(Logger.mn))
        )
    return OutletDetail(outlet=outlet, enterprise=enterprise, factors=factors, loggers=loggers)


def find_logger(session: Session, *, mn: str) -> Logger:
    """The logger with this MN (a 404 otherwise); no authorisation: callers check it."""
    row = session.scalar(select(Logger).where(Logger.mn == mn)) if len(mn) <= 40 else None
    if row is None:
        raise NotFound(msg("no data logger {mn}", mn=repr(mn)))
    return row


def get_logger(session: Session, *, actor: Actor | None, mn: str) -> Logger:
    """A registered logger, for those who read its enterprise's data (its password is never
    part of any answer)."""
    row = find_logger(session, mn=mn)
    enterprise = get_enterprise(
        session, enterprise_id=get_outlet(session, outlet_id=row.outlet_id).enterprise_id
    )
    ensure_may_read_data(
        session, actor, enterprise=enterprise, action="sources.logger.read", object_id=mn
    )
    return row


def list_parks(session: Session, *, cursor: str | None = None, limit: int = 100) -> Paged[Park]:
    """The cross-jurisdiction industrial parks by code (public)."""
    return paginate(session, select(Park), Park.code, cursor=cursor, limit=check_limit(limit))
