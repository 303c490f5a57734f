"""Demo organisations: the agencies of the three jurisdictions and the coordination office.

Names are the agencies' public names; their Unified Social Credit Codes here are synthetic demo
codes (valid check characters, made-up organisation codes), not the agencies' real codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingjinji.regions import uscc
from jingjinji.regions.schemas import OrganisationIn
from jingjinji.regions.service import create_organisation
from jingjinji.security import SYSTEM_ACTOR

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

# (key, jurisdiction, kind, name_zh, name_en)
DEMO_ORGANISATIONS = [
    (
        "office",
        "110000",
        "coordination_office",
        "京津冀协同发展领导小组办公室",
        "Jing-Jin-Ji Coordinated Development Office",
    ),
    (
        "bj_env",
        "110000",
        "environment",
        "北京市生态环境局",
        "Beijing Municipal Ecology and Environment Bureau",
    ),
    (
        "bj_drc",
        "110000",
        "development_reform",
        "北京市发展和改革委员会",
        "Beijing Municipal Commission of Development and Reform",
    ),
    ("bj_stats", "110000", "statistics", "北京市统计局", "Beijing Municipal Bureau of Statistics"),
    (
        "tj_env",
        "120000",
        "environment",
        "天津市生态环境局",
        "Tianjin Municipal Ecology and Environment Bureau",
    ),
    (
        "tj_drc",
        "120000",
        "development_reform",
        "天津市发展和改革委员会",
        "Tianjin Municipal Development and Reform Commission",
    ),
    ("tj_stats", "120000", "statistics", "天津市统计局", "Tianjin Municipal Bureau of Statistics"),
    (
        "tj_binhai",
        "120116",
        "development_reform",
        "天津市滨海新区发展和改革委员会",
        "Binhai New Area Development and Reform Commission",
    ),
    (
        "he_env",
        "130000",
        "environment",
        "河北省生态环境厅",
        "Department of Ecology and Environment of Hebei Province",
    ),
    (
        "he_drc",
        "130000",
        "development_reform",
        "河北省发展和改革委员会",
        "Development and Reform Commission of Hebei Province",
    ),
    ("he_stats", "130000", "statistics", "河北省统计局", "Hebei Provincial Bureau of Statistics"),
    (
        "he_transport",
        "130000",
        "transport",
        "河北省交通运输厅",
        "Department of Transport of Hebei Province",
    ),
    (
        "bj_samr",
        "110000",
        "market_regulation",
        "北京市市场监督管理局",
        "Beijing Municipal Administration for Market Regulation",
    ),
    (
        "tj_samr",
        "120000",
        "market_regulation",
        "天津市市场监督管理委员会",
        "Tianjin Municipal Commission for Market Regulation",
    ),
    (
        "he_samr",
        "130000",
        "market_regulation",
        "河北省市场监督管理局",
        "Hebei Provincial Administration for Market Regulation",
    ),
]


def demo_uscc(jurisdiction_code: str, serial: int) -> str:
    """A synthetic, check-valid USCC: authority 1 (organ), type 1, region, organisation code."""
    body = f"11{jurisdiction_code}{'DEMO':0<4}{serial:05d}".replace("O", "0")
    body = body[:17]
    return body + uscc.check_character(body)


def load(session: Session, ctx: DemoContext) -> None:
    orgs: dict[str, int] = {}
    for serial, (key, code, kind, name_zh, name_en) in enumerate(DEMO_ORGANISATIONS, start=1):
        org = create_organisation(
            session,
            actor=SYSTEM_ACTOR,
            data=OrganisationIn(
                uscc=demo_uscc(code, serial),
                name_zh=name_zh,
                name_en=name_en,
                jurisdiction_code=code,
                kind=kind,
            ),
        )
        orgs[key] = org.id
    ctx.values["organisations"] = orgs
