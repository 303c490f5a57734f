"""Synthetic enterprises beyond the recording, for the cross-jurisdiction parts of the tour:
one in Beijing, one in Tianjin, one in Hebei near the Beijing border (its outlet 6 km from it,
so Beijing is involved in its cases), and one in a cross-jurisdiction industrial transfer park.

The park is real: the Beijing-Cangzhou Bohai New Area Biomedical Industrial Park (北京·沧州渤海
新区生物医药产业园), built from 2015 in Cangzhou's Bohai New Area for pharmaceutical makers
moving out of Beijing, hosted by Hebei with Beijing as partner. Everything else here is made up:
enterprises, MNs (prefix ``DEMO``), positions (approximate places on public maps) and limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.demo.registry import (
    OutletPlan,
    Registered,
    factor_inputs,
    register_enterprise,
)
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, LoggerIn
from jingjinji.sources.service import registry as service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PARK_CODE = "BJ-CZ-BIOMED"
PARK_NAME_ZH = "北京·沧州渤海新区生物医药产业园"
PARK_NAME_EN = "Beijing-Cangzhou Bohai New Area Biomedical Industrial Park"
#: Kilometres from the border-near outlet to the Beijing border (synthetic).
BORDER_DISTANCE_KM = 6.0

WASTEWATER_FACTORS = ["w00000", "w01018", "w21003"]
FLUE_GAS_FACTORS = ["a00000", "a19001", "a21002", "a21026", "a34013"]

#: role: (jurisdiction, city, USCC region, name zh, name en, kind, MN, position, ST)
EXTRAS: dict[str, tuple[str, str | None, str, str, str, OutletKind, str, tuple[float, float]]] = {
    "beijing": (
        "110000",
        None,
        "110115",
        "演示企业 北京大兴 001（虚构）",
        "Demo enterprise Beijing Daxing 001 (synthetic)",
        OutletKind.WASTEWATER,
        "DEMO110115000001",
        (116.34, 39.73),
    ),
    "tianjin": (
        "120000",
        None,
        "120116",
        "演示企业 天津滨海 001（虚构）",
        "Demo enterprise Tianjin Binhai 001 (synthetic)",
        OutletKind.FLUE_GAS,
        "DEMO120116000001",
        (117.70, 39.00),
    ),
    "border": (
        "130000",
        "131000",
        "131082",
        "演示企业 廊坊三河 001（虚构）",
        "Demo enterprise Langfang Sanhe 001 (synthetic)",
        OutletKind.FLUE_GAS,
        "DEMO131082000001",
        (117.05, 39.97),
    ),
    "park": (
        "130000",
        "130900",
        "130900",
        "演示企业 沧州渤海新区生物医药 001（虚构）",
        "Demo enterprise Cangzhou Bohai biomedical 001 (synthetic)",
        OutletKind.WASTEWATER,
        "DEMO130900000001",
        (117.55, 38.33),
    ),
}


def register_extras(session: Session, made: Registered, *, serial: int) -> None:
    """Register the park and the four synthetic enterprises (USCC serials after ``serial``)."""
    service.save_park(
        session,
        actor=SYSTEM_ACTOR,
        code=PARK_CODE,
        name_zh=PARK_NAME_ZH,
        name_en=PARK_NAME_EN,
        host_jurisdiction_code="130000",
        partner_jurisdiction_codes=["110000"],
    )
    for offset, (role, extra) in enumerate(EXTRAS.items(), start=1):
        jurisdiction, city, region, name_zh, name_en, kind, mn, (longitude, latitude) = extra
        flue_gas = kind is OutletKind.FLUE_GAS
        code = "DA001" if flue_gas else "DW001"
        plan = OutletPlan(
            code=code,
            kind=kind,
            name_zh=f"{'废气' if flue_gas else '废水'}排放口 {code}",
            name_en=f"{'Flue-gas' if flue_gas else 'Wastewater'} outlet {code}",
            longitude=longitude,
            latitude=latitude,
            logger=LoggerIn(
                mn=mn,
                password="123456",
                protocol_version=2017,
                st="31" if flue_gas else "32",
                realtime_interval_seconds=30,
            ),
            factors=factor_inputs(FLUE_GAS_FACTORS if flue_gas else WASTEWATER_FACTORS),
            border_distance_km=BORDER_DISTANCE_KM if role == "border" else None,
            neighbour_jurisdiction_code="110000" if role == "border" else None,
        )
        data = EnterpriseIn(
            uscc=synthetic_uscc("91", region, serial + offset),
            name_zh=name_zh,
            name_en=name_en,
            jurisdiction_code=jurisdiction,
            city_code=city,
            park_code=PARK_CODE if role == "park" else None,
            longitude=longitude,
            latitude=latitude,
            synthetic=True,
        )
        made.extras[role] = register_enterprise(session, data, [plan], made)
