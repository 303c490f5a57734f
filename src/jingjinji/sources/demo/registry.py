"""The demo registry: the real data loggers of the 2016-08-24 Hebei recording on synthetic
enterprises, and a few synthetic enterprises in Beijing, Tianjin, near the Beijing border and
in a cross-jurisdiction industrial park.

Real (``sources/data/loggers.json``, derived from the recording by :mod:`.corpus`): each
logger's MN, system code, the factors it sends (2017 codes), its real-time interval, its
password and protocol version. Inferred: its city, from the MN's digits.

Synthetic, and labelled so (``synthetic`` true, names ending in "（虚构）" / "(synthetic)"):
the enterprises (up to three loggers of one county per enterprise), their USCCs, the outlets
(one per logger: wastewater for ST 32, flue gas for ST 31), the positions (scattered within
about 20 km of the city centre, deterministic by MN) and the permit limits (typical values:
COD 50 mg/L and ammonia nitrogen 5 mg/L hourly for wastewater, the ultra-low emission values
SO2 35, NOx 50 and dust 10 mg/m3 hourly for flue gas; daily limits at four fifths of them).

The three loggers that sent only system packets (ST 91, the 9015 connection state) are
registered too, so the gateway takes their packets, on an outlet whose kind the recording does
not tell (shown as wastewater, its name says so) with no monitored factor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby
from typing import TYPE_CHECKING, Any

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: USCC serials of the demo enterprises start here (tests and other demos use small ones).
USCC_SERIAL_BASE = 50_000_000
#: Loggers of one county per synthetic enterprise, at most.
LOGGERS_PER_ENTERPRISE = 3
#: Interval given to a logger that sent no real-time data (heartbeats only), in seconds.
NO_REALTIME_INTERVAL = 3600

#: Approximate city centres (longitude, latitude) read off public maps; positions around them
#: are synthetic. Loggers whose MN names no Hebei city are placed around Shijiazhuang.
CITY_CENTRES: dict[str | None, tuple[float, float]] = {
    "130100": (114.51, 38.04),
    None: (114.51, 38.04),
}
CITY_NAMES: dict[str | None, tuple[str, str]] = {
    "130100": ("石家庄", "Shijiazhuang"),
    None: ("河北", "Hebei"),
}

#: Units of the 2017 codes the recording carries (HJ 212-2017 appendix; flue-gas flow in m3/s
#: as the recorded minute totals show: Cou = Avg x 600 s).
UNITS: dict[str, str] = {
    "w00000": "L/s",
    "w01001": "pH",
    "w01018": "mg/L",
    "w21003": "mg/L",
    "w21011": "mg/L",
    "w21001": "mg/L",
    "a00000": "m3/s",
    "a34013": "mg/m3",
    "a21026": "mg/m3",
    "a21002": "mg/m3",
    "a21005": "mg/m3",
    "a19001": "%",
    "a01011": "m/s",
    "a01012": "℃",
    "a01013": "kPa",
    "a01014": "%",
    "a01016": "m2",
    "a01017": "Pa",
}
#: Synthetic hourly permit limits (the daily ones are DAILY_SHARE of them).
HOURLY_LIMITS: dict[str, float] = {
    "w01018": 50.0,  # COD
    "w21003": 5.0,  # ammonia nitrogen
    "w21011": 0.5,  # total phosphorus
    "w21001": 15.0,  # total nitrogen
    "a21026": 35.0,  # SO2, ultra-low emission
    "a21002": 50.0,  # NOx
    "a34013": 10.0,  # dust
}
DAILY_SHARE = 0.8
KINDS = {"31": OutletKind.FLUE_GAS, "32": OutletKind.WASTEWATER}


def logger_records() -> dict[str, Any]:
    """The content of ``sources/data/loggers.json``."""
    text = resources.files("jingjinji.sources").joinpath("data", "loggers.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def scatter(key: str, centre: tuple[float, float], spread: float) -> tuple[float, float]:
    """A position within ``spread`` degrees of ``centre``, always the same for ``key``."""
    digest = hashlib.sha256(key.encode()).digest()
    dx = (int.from_bytes(digest[:4], "big") / 2**32 - 0.5) * 2 * spread
    dy = (int.from_bytes(digest[4:8], "big") / 2**32 - 0.5) * 2 * spread * 0.8
    return round(centre[0] + dx, 4), round(centre[1] + dy, 4)


def factor_inputs(codes: list[str]) -> list[FactorIn]:
    """The registrable factors of a logger: codes with a known unit (the few codes neither
    standard's table names, such as ``023``, are stored as sent but not registered)."""
    found = []
    for code in codes:
        if code not in UNITS:
            continue
        hourly = HOURLY_LIMITS.get(code)
        daily = round(hourly * DAILY_SHARE, 3) if hourly is not None else None
        found.append(FactorIn(code=code, unit=UNITS[code], hourly_limit=hourly, daily_limit=daily))
    return found


@dataclass
class Registered:
    """What the registry demo made: ids by MN, enterprise ids, the extras by role."""

    loggers: dict[str, int] = field(default_factory=dict)
    outlets: dict[str, int] = field(default_factory=dict)  # by MN
    enterprises: list[int] = field(default_factory=list)
    extras: dict[str, int] = field(default_factory=dict)  # role -> enterprise id


@dataclass(frozen=True)
class OutletPlan:
    """One outlet and its logger, as the loader registers them."""

    code: str
    kind: OutletKind
    name_zh: str
    name_en: str
    longitude: float
    latitude: float
    logger: LoggerIn
    factors: list[FactorIn]
    border_distance_km: float | None = None
    neighbour_jurisdiction_code: str | None = None


def _outlet_names(kind: OutletKind, code: str, system_only: bool) -> tuple[str, str]:
    if system_only:
        return (
            f"排放口 {code}（仅系统报文，类型未知）",
            f"Outlet {code} (system packets only, kind unknown)",
        )
    if kind is OutletKind.FLUE_GAS:
        return f"废气排放口 {code}", f"Flue-gas outlet {code}"
    return f"废水排放口 {code}", f"Wastewater outlet {code}"


def _plan_real(records: list[dict[str, Any]], centre: tuple[float, float]) -> list[OutletPlan]:
    plans = []
    counters = {OutletKind.WASTEWATER: 0, OutletKind.FLUE_GAS: 0}
    for record in records:
        kind = KINDS.get(record["st"], OutletKind.WASTEWATER)
        counters[kind] += 1
        code = f"{'DA' if kind is OutletKind.FLUE_GAS else 'DW'}{counters[kind]:03d}"
        name_zh, name_en = _outlet_names(kind, code, record["st"] not in KINDS)
        longitude, latitude = scatter(record["mn"], centre, 0.2)
        plans.append(
            OutletPlan(
                code=code,
                kind=kind,
                name_zh=name_zh,
                name_en=name_en,
                longitude=longitude,
                latitude=latitude,
                logger=LoggerIn(
                    mn=record["mn"],
                    password=record["password"],
                    protocol_version=record["protocol_version"],
                    st=record["st"],
                    realtime_interval_seconds=record["realtime_interval_seconds"]
                    or NO_REALTIME_INTERVAL,
                ),
                factors=factor_inputs(record["factors"]),
            )
        )
    return plans


def register_enterprise(
    session: Session, data: EnterpriseIn, plans: list[OutletPlan], made: Registered
) -> int:
    """Register one enterprise, its outlets, loggers and factors through the services."""
    enterprise = service.save_enterprise(session, actor=SYSTEM_ACTOR, data=data)
    for plan in plans:
        outlet = service.save_outlet(
            session,
            actor=SYSTEM_ACTOR,
            enterprise_id=enterprise.id,
            data=OutletIn(
                code=plan.code,
                name_zh=plan.name_zh,
                name_en=plan.name_en,
                kind=plan.kind,
                longitude=plan.longitude,
                latitude=plan.latitude,
                border_distance_km=plan.border_distance_km,
                neighbour_jurisdiction_code=plan.neighbour_jurisdiction_code,
            ),
        )
        logger = service.save_logger(
            session, actor=SYSTEM_ACTOR, outlet_id=outlet.id, data=plan.logger
        )
        if plan.factors:
            service.save_factors(
                session, actor=SYSTEM_ACTOR, outlet_id=outlet.id, factors=plan.factors
            )
        made.loggers[plan.logger.mn] = logger.id
        made.outlets[plan.logger.mn] = outlet.id
    made.enterprises.append(enterprise.id)
    return enterprise.id


def _group_key(record: dict[str, Any]) -> tuple[str, str]:
    return record["city_code"] or "", record["county_code"] or ""


def register_real_loggers(session: Session, made: Registered) -> int:
    """The recorded loggers on synthetic enterprises; returns the next USCC serial."""
    records = sorted(logger_records()["loggers"], key=lambda r: (*_group_key(r), r["mn"]))
    serial = USCC_SERIAL_BASE
    numbers: dict[str | None, int] = {}
    for (city_key, _county), in_county in groupby(records, key=_group_key):
        city = city_key or None
        members = list(in_county)
        for start in range(0, len(members), LOGGERS_PER_ENTERPRISE):
            group = members[start : start + LOGGERS_PER_ENTERPRISE]
            serial += 1
            number = numbers[city] = numbers.get(city, 0) + 1
            name_zh, name_en = CITY_NAMES[city]
            plans = _plan_real(group, CITY_CENTRES[city])
            data = EnterpriseIn(
                uscc=synthetic_uscc("91", city or "130000", serial),
                name_zh=f"演示企业 {name_zh} {number:03d}（虚构）",
                name_en=f"Demo enterprise {name_en} {number:03d} (synthetic)",
                jurisdiction_code="130000",
                city_code=city,
                longitude=plans[0].longitude,
                latitude=plans[0].latitude,
                synthetic=True,
            )
            register_enterprise(session, data, plans, made)
    return serial
