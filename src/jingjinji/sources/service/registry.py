"""The registry: enterprises, outlets, data loggers and the monitored factors with their permit
limits. Writes belong to the enterprise's jurisdiction (its administrator, its environment
agency's stewards) and the office; each is audited, a refusal too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit.kernels.uscc import check_uscc
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.regions.models import Organisation
from jingjinji.security import Actor, deny, province_of, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import Enterprise, Logger, MonitoredFactor, Outlet, Park
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn


def is_environment_agency(session: Session, actor: Actor) -> bool:
    """Whether the actor's organisation is an environment agency (kind ``environment``)."""
    if actor.organisation_id is None:
        return False
    org = session.get(Organisation, actor.organisation_id)
    return org is not None and org.kind == "environment"


def ensure_may_write(
    session: Session, actor: Actor | None, *, action: str, object_id: str, jurisdiction_code: str
) -> Actor:
    """Raise 401/403 (audited) unless the actor writes this jurisdiction's registry."""
    actor = require_actor(actor)
    if policy.may_write_registry(
        actor,
        jurisdiction_code=jurisdiction_code,
        environment_agency=is_environment_agency(session, actor),
    ):
        return actor
    raise deny(
        session,
        actor,
        action=action,
        object_type="source_registry",
        object_id=object_id,
        jurisdiction_code=jurisdiction_code,
        reason=(
            msg(
                "{role} {username} may not {action} for jurisdiction {jurisdiction_code}: the "
                "office, the jurisdiction's administrator and its environment agency's stewards "
                "may",
                role=actor.role.value,
                username=repr(actor.username),
                action=action,
                jurisdiction_code=jurisdiction_code,
            )
        ),
    )


def get_enterprise(session: Session, *, enterprise_id: int) -> Enterprise:
    row = session.get(Enterprise, enterprise_id)
    if row is None:
        raise NotFound(msg("no enterprise {enterprise_id}", enterprise_id=enterprise_id))
    return row


def get_outlet(session: Session, *, outlet_id: int) -> Outlet:
    row = session.get(Outlet, outlet_id)
    if row is None:
        raise NotFound(msg("no outlet {outlet_id}", outlet_id=outlet_id))
    return row


def enterprise_of_outlet(session: Session, outlet: Outlet) -> Enterprise:
    return get_enterprise(session, enterprise_id=outlet.enterprise_id)


def save_enterprise(session: Session, *, actor: Actor | None, data: EnterpriseIn) -> Enterprise:
    """Register an enterprise or update it (idempotent by USCC)."""
    actor = ensure_may_write(
        session,
        actor,
        action="sources.enterprise.save",
        object_id=data.uscc,
        jurisdiction_code=data.jurisdiction_code,
    )
    checked = check_uscc(data.uscc)
    if not checked.valid:
        raise InvalidInput(
            msg(
                "{uscc} is not a unified social credit code: {reason}",
                uscc=repr(data.uscc),
                reason=checked.reason,
            ),
            errors=[field_error(["body", "uscc"], checked.reason or "invalid")],
        )
    codes = {"jurisdiction_code": data.jurisdiction_code, "city_code": data.city_code}
    known = regions.known_jurisdictions(session, codes=[c for c in codes.values() if c])
    bad = [name for name, code in codes.items() if code is not None and code not in known]
    if bad:
        raise InvalidInput(
            msg("unknown jurisdiction"),
            errors=[
                field_error(["body", n], msg("unknown jurisdiction {codes}", codes=repr(codes[n])))
                for n in bad
            ],
        )
    if data.park_code is not None and session.get(Park, data.park_code) is None:
        raise InvalidInput(
            msg("no industrial park {park_code}", park_code=repr(data.park_code)),
            errors=[field_error(["body", "park_code"], msg("unknown park"))],
        )
    row = session.scalar(select(Enterprise).where(Enterprise.uscc == data.uscc))
    created = row is None
    if row is None:
        row = Enterprise(uscc=data.uscc)
        session.add(row)
    else:
        ensure_may_write(
            session,
            actor,
            action="sources.enterprise.save",
            object_id=data.uscc,
            jurisdiction_code=row.jurisdiction_code,
        )
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.enterprise.create" if created else "sources.enterprise.update",
        object_type="source_enterprise",
        object_id=str(row.id),
        jurisdiction_code=row.jurisdiction_code,
    )
    return row


def save_outlet(
    session: Session, *, actor: Actor | None, enterprise_id: int, data: OutletIn
) -> Outlet:
    """Add an outlet to an enterprise or update it (idempotent by enterprise and code)."""
    enterprise = get_enterprise(session, enterprise_id=enterprise_id)
    actor = ensure_may_write(
        session,
        actor,
        action="sources.outlet.save",
        object_id=f"{enterprise.id}/{data.code}",
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    if data.neighbour_jurisdiction_code is not None:
        known = regions.known_jurisdictions(session, codes=[data.neighbour_jurisdiction_code])
        if data.neighbour_jurisdiction_code not in known or province_of(
            data.neighbour_jurisdiction_code
        ) == province_of(enterprise.jurisdiction_code):
            raise InvalidInput(
                msg("the neighbour must be another of the three jurisdictions"),
                errors=[
                    field_error(["body", "neighbour_jurisdiction_code"], msg("not a neighbour"))
                ],
            )
    row = session.scalar(
        select(Outlet).where(Outlet.enterprise_id == enterprise.id, Outlet.code == data.code)
    )
    created = row is None
    if row is None:
        row = Outlet(enterprise_id=enterprise.id, code=data.code)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value.value if hasattr(value, "value") else value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.outlet.create" if created else "sources.outlet.update",
        object_type="source_outlet",
        object_id=str(row.id),
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    return row


def save_logger(session: Session, *, actor: Actor | None, outlet_id: int, data: LoggerIn) -> Logger:
    """Register a data logger on an outlet, or update it (idempotent by MN). An MN already on
    another jurisdiction's outlet is refused: the MN names one device."""
    outlet = get_outlet(session, outlet_id=outlet_id)
    enterprise = enterprise_of_outlet(session, outlet)
    actor = ensure_may_write(
        session,
        actor,
        action="sources.logger.save",
        object_id=data.mn,
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    row = session.scalar(select(Logger).where(Logger.mn == data.mn))
    created = row is None
    if row is None:
        row = Logger(mn=data.mn, outlet_id=outlet.id)
        session.add(row)
    elif row.outlet_id != outlet.id:
        current = enterprise_of_outlet(session, get_outlet(session, outlet_id=row.outlet_id))
        ensure_may_write(
            session,
            actor,
            action="sources.logger.save",
            object_id=data.mn,
            jurisdiction_code=current.jurisdiction_code,
        )
        row.outlet_id = outlet.id
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    row.active = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.logger.create" if created else "sources.logger.update",
        object_type="source_logger",
        object_id=row.mn,
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    return row


def save_factor(
    session: Session, *, actor: Actor | None, outlet_id: int, data: FactorIn
) -> MonitoredFactor:
    """Set a monitored factor of an outlet with its unit and permit limits."""
    outlet = get_outlet(session, outlet_id=outlet_id)
    enterprise = enterprise_of_outlet(session, outlet)
    actor = ensure_may_write(
        session,
        actor,
        action="sources.factor.save",
        object_id=f"{outlet.id}/{data.code}",
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    row = session.get(MonitoredFactor, (outlet.id, data.code))
    if row is None:
        row = MonitoredFactor(outlet_id=outlet.id, code=data.code)
        session.add(row)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.factor.save",
        object_type="source_factor",
        object_id=f"{outlet.id}/{data.code}",
        jurisdiction_code=enterprise.jurisdiction_code,
        detail={
            "hourly_limit": data.hourly_limit,
            "daily_limit": data.daily_limit,
            "yearly_total_limit_kg": data.yearly_total_limit_kg,
        },
    )
    return row


def save_factors(
    session: Session, *, actor: Actor | None, outlet_id: int, factors: Sequence[FactorIn]
) -> list[MonitoredFactor]:
    """Set several monitored factors of an outlet at once: one authorisation and one audit
    entry listing every factor's limits (registering a whole outlet, the demo's 1,700
    factors, would otherwise write one entry each)."""
    outlet = get_outlet(session, outlet_id=outlet_id)
    enterprise = enterprise_of_outlet(session, outlet)
    codes = [f.code for f in factors]
    actor = ensure_may_write(
        session,
        actor,
        action="sources.factor.save",
        object_id=f"{outlet.id}/{','.join(codes)}",
        jurisdiction_code=enterprise.jurisdiction_code,
    )
    if len(set(codes)) != len(codes):
        raise InvalidInput(
            msg("a factor is given twice"),
            errors=[field_error(["body", "factors"], msg("each code once"))],
        )
    existing = {
        row.code: row
        for row in session.scalars(
            select(MonitoredFactor).where(MonitoredFactor.outlet_id == outlet.id)
        )
    }
    saved = []
    for data in factors:
        row = existing.get(data.code)
        if row is None:
            row = MonitoredFactor(outlet_id=outlet.id, code=data.code)
            session.add(row)
        for name, value in data.model_dump().items():
            setattr(row, name, value)
        saved.append(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.factor.save",
        object_type="source_factor",
        object_id=f"{outlet.id}/{','.join(codes)}"[:200],
        jurisdiction_code=enterprise.jurisdiction_code,
        detail={
            f.code: {
                "hourly_limit": f.hourly_limit,
                "daily_limit": f.daily_limit,
                "yearly_total_limit_kg": f.yearly_total_limit_kg,
            }
            for f in factors
        },
    )
    return saved


def _check_park_jurisdictions(session: Session, host: str, partners: list[str]) -> None:
    """The host and the partners are known jurisdictions of other provinces than the host's
    (a 422 naming the field otherwise)."""
    known = regions.known_jurisdictions(session, codes=[host, *partners])
    errors = []
    if host not in known:
        errors.append(
            field_error(["body", "host_jurisdiction_code"], msg("unknown {host}", host=repr(host)))
        )
    for index, code in enumerate(partners):
        if code not in known or (host in known and province_of(code) == province_of(host)):
            errors.append(
                field_error(
                    ["body", "partner_jurisdiction_codes", index],
                    msg("{code} is not a jurisdiction of another province", code=repr(code)),
                )
            )
    if errors:
        raise InvalidInput(
            msg("a park joins the host and partners of other provinces"), errors=errors
        )


def save_park(
    session: Session,
    *,
    actor: Actor | None,
    code: str,
    name_zh: str,
    name_en: str,
    host_jurisdiction_code: str,
    partner_jurisdiction_codes: list[str],
) -> Park:
    """Register a cross-jurisdiction industrial transfer park (the office only)."""
    actor = require_actor(actor)
    if not actor.is_office_admin:
        raise deny(
            session,
            actor,
            action="sources.park.save",
            object_type="source_park",
            object_id=code,
            jurisdiction_code=host_jurisdiction_code,
            reason=msg("only the coordination office registers cross-jurisdiction parks"),
        )
    _check_park_jurisdictions(session, host_jurisdiction_code, partner_jurisdiction_codes)
    row = session.get(Park, code)
    if row is None:
        row = Park(code=code)
        session.add(row)
    row.name_zh = name_zh
    row.name_en = name_en
    row.host_jurisdiction_code = host_jurisdiction_code
    row.partner_jurisdiction_codes = list(partner_jurisdiction_codes)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sources.park.save",
        object_type="source_park",
        object_id=code,
        jurisdiction_code=host_jurisdiction_code,
    )
    return row


@dataclass(frozen=True, slots=True)
class LoggerEntry:
    """What the gateway and the loader need to know of a registered logger."""

    logger_id: int
    mn: str
    password: str
    protocol_version: int
    st: str
    province_code: str  # 110000 | 120000 | 130000: the subject's jurisdiction part
    outlet_id: int
    enterprise_id: int


def logger_directory(session: Session) -> dict[str, LoggerEntry]:
    """Every active logger by MN (one query): the gateway's registry check and the loader's
    MN-to-id map. The gateway loads it at start and refreshes it in the background."""
    rows = session.execute(
        select(
            Logger.id,
            Logger.mn,
            Logger.password,
            Logger.protocol_version,
            Logger.st,
            Enterprise.jurisdiction_code,
            Outlet.id,
            Enterprise.id,
        )
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .where(Logger.active.is_(True))
    )
    return {
        mn: LoggerEntry(
            logger_id=lid,
            mn=mn,
            password=pw,
            protocol_version=version,
            st=st,
            province_code=province_of(jurisdiction),
            outlet_id=outlet_id,
            enterprise_id=enterprise_id,
        )
        for lid, mn, pw, version, st, jurisdiction, outlet_id, enterprise_id in rows
    }
