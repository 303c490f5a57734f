"""Registering recorded loggers for the tests that replay the Hebei recording."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.security import Actor
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as registry_service


def register_recorded_loggers(
    session: Session, office: Actor, stations: Mapping[str, str], *, serial: int, name_zh: str
) -> None:
    """The loggers ``stations`` (MN -> ST) on one synthetic Shijiazhuang enterprise, one outlet
    each (flue gas for ST 31, else wastewater), password 123456 and protocol 2005 as recorded;
    committed."""
    enterprise = registry_service.save_enterprise(
        session,
        actor=office,
        data=EnterpriseIn(
            uscc=synthetic_uscc("91", "130100", serial),
            name_zh=name_zh,
            jurisdiction_code="130000",
            city_code="130100",
            synthetic=True,
        ),
    )
    for index, (mn, st) in enumerate(sorted(stations.items())):
        outlet = registry_service.save_outlet(
            session,
            actor=office,
            enterprise_id=enterprise.id,
            data=OutletIn(
                code=f"D{index:03d}",
                name_zh=f"排放口{index}",
                kind=OutletKind.FLUE_GAS if st == "31" else OutletKind.WASTEWATER,
                longitude=114.5,
                latitude=38.0,
            ),
        )
        registry_service.save_logger(
            session,
            actor=office,
            outlet_id=outlet.id,
            data=LoggerIn(mn=mn, password="123456", protocol_version=2005, st=st),
        )
    session.commit()
