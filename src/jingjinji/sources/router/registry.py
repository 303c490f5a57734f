"""API of the registry: enterprises, outlets, loggers, monitored factors and parks.

The registry of key pollutant dischargers is public (names, outlets, positions, permit limits);
loggers are shown to those who read the enterprise's data; writes are the registry service's
to allow (audited 403 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.pagination import Page
from jingjinji.sources.schemas.registry import (
    EnterpriseDetailOut,
    EnterpriseFilter,
    EnterpriseIn,
    EnterpriseOut,
    FactorIn,
    FactorLimitsIn,
    FactorOut,
    LoggerIn,
    LoggerOut,
    OutletDetailOut,
    OutletIn,
    OutletOut,
    PageFilter,
    ParkIn,
    ParkOut,
)
from jingjinji.sources.service import registry as service
from jingjinji.sources.service import registry_reading as reading

router = APIRouter()

FactorPath = Annotated[str, Path(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$")]
MnPath = Annotated[str, Path(min_length=1, max_length=40)]


@router.get("/enterprises", response_model=Page[EnterpriseOut])
def list_enterprises(
    session: DbSession, params: Annotated[EnterpriseFilter, Query()]
) -> Page[EnterpriseOut]:
    """Registered enterprises by id (public). ``jurisdiction`` (province or city code) matches
    the owner and its subdivisions; ``city``, ``park``, ``kind`` (an outlet kind it has) and
    ``q`` (part of a name) narrow it."""
    page = reading.list_enterprises(
        session,
        jurisdiction=params.jurisdiction,
        city=params.city,
        park=params.park,
        kind=params.kind.value if params.kind else None,
        q=params.q,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[EnterpriseOut](
        items=[EnterpriseOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.post("/enterprises", response_model=EnterpriseOut)
def save_enterprise(session: DbSession, actor: RequiredActor, body: EnterpriseIn) -> EnterpriseOut:
    """Register an enterprise or update it (by USCC): the office, or the jurisdiction's
    administrator or environment-agency stewards."""
    return EnterpriseOut.model_validate(service.save_enterprise(session, actor=actor, data=body))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseDetailOut)
def get_enterprise(
    session: DbSession, actor: OptionalActor, enterprise_id: DbId
) -> EnterpriseDetailOut:
    """One enterprise with its outlets; ``data_readable`` says whether the reader sees its
    loggers and monitoring data."""
    detail = reading.enterprise_detail(session, actor=actor, enterprise_id=enterprise_id)
    return EnterpriseDetailOut(
        **EnterpriseOut.model_validate(detail.enterprise).model_dump(),
        outlets=[OutletOut.model_validate(o) for o in detail.outlets],
        data_readable=detail.data_readable,
    )


@router.post("/enterprises/{enterprise_id}/outlets", response_model=OutletOut)
def save_outlet(
    session: DbSession, actor: RequiredActor, enterprise_id: DbId, body: OutletIn
) -> OutletOut:
    """Add an outlet to the enterprise, or update it (by outlet code)."""
    row = service.save_outlet(session, actor=actor, enterprise_id=enterprise_id, data=body)
    return OutletOut.model_validate(row)


@router.get("/outlets/{outlet_id}", response_model=OutletDetailOut)
def get_outlet(session: DbSession, actor: OptionalActor, outlet_id: DbId) -> OutletDetailOut:
    """One outlet with its enterprise and monitored factors (public) and its loggers (``null``
    for readers who do not read the enterprise's data)."""
    detail = reading.outlet_detail(session, actor=actor, outlet_id=outlet_id)
    return OutletDetailOut(
        **OutletOut.model_validate(detail.outlet).model_dump(),
        enterprise=EnterpriseOut.model_validate(detail.enterprise),
        factors=[FactorOut.model_validate(f) for f in detail.factors],
        loggers=None
        if detail.loggers is None
        else [LoggerOut.model_validate(lg) for lg in detail.loggers],
    )


@router.post("/outlets/{outlet_id}/loggers", response_model=LoggerOut)
def save_logger(
    session: DbSession, actor: RequiredActor, outlet_id: DbId, body: LoggerIn
) -> LoggerOut:
    """Register a data logger on the outlet, or update it (by MN). The password is stored for
    the gateway and never sent back."""
    return LoggerOut.model_validate(
        service.save_logger(session, actor=actor, outlet_id=outlet_id, data=body)
    )


@router.put("/outlets/{outlet_id}/factors/{code}", response_model=FactorOut)
def save_factor(
    session: DbSession,
    actor: RequiredActor,
    outlet_id: DbId,
    code: FactorPath,
    body: FactorLimitsIn,
) -> FactorOut:
    """Set a monitored factor of the outlet (an HJ 212-2017 code) with its unit and permit
    limits."""
    data = FactorIn(code=code, **body.model_dump())
    return FactorOut.model_validate(
        service.save_factor(session, actor=actor, outlet_id=outlet_id, data=data)
    )


@router.get("/loggers/{mn}", response_model=LoggerOut)
def get_logger(session: DbSession, actor: RequiredActor, mn: MnPath) -> LoggerOut:
    """A data logger, for those who read its enterprise's data (audited 403 for others)."""
    return LoggerOut.model_validate(reading.get_logger(session, actor=actor, mn=mn))


@router.get("/parks", response_model=Page[ParkOut])
def list_parks(session: DbSession, params: Annotated[PageFilter, Query()]) -> Page[ParkOut]:
    """The cross-jurisdiction industrial transfer parks by code (public)."""
    page = reading.list_parks(session, cursor=params.cursor, limit=params.limit)
    return Page[ParkOut](
        items=[ParkOut.model_validate(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.post("/parks", response_model=ParkOut)
def save_park(session: DbSession, actor: RequiredActor, body: ParkIn) -> ParkOut:
    """Register a park or update it (by code): the office only."""
    row = service.save_park(
        session,
        actor=actor,
        code=body.code,
        name_zh=body.name_zh,
        name_en=body.name_en,
        host_jurisdiction_code=body.host_jurisdiction_code,
        partner_jurisdiction_codes=body.partner_jurisdiction_codes,
    )
    return ParkOut.model_validate(row)
