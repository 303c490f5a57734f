"""Fixtures of the progress tests: indicators and the demo data, built through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.progress import service
from jingjinji.progress.schemas import AgreementIn, CommitmentIn, IndicatorIn
from jingjinji.security import SYSTEM_ACTOR
from tests.conftest import People


def make_indicator(session: Session, code: str, **overrides: Any) -> None:
    data: dict[str, Any] = {
        "code": code,
        "name_zh": f"指标{code}",
        "name_en": f"Indicator {code}",
        "unit": "%",
        "direction": "higher_is_better",
        "period_type": "year",
        "area": "ecology",
    }
    data.update(overrides)
    service.create_indicator(session, actor=SYSTEM_ACTOR, data=IndicatorIn(**data))


@pytest.fixture
def indicators(session_factory: sessionmaker[Session], people: People) -> People:
    """A few indicators (share, count, PM2.5, quarterly, monthly) and the personas."""
    with session_factory() as session:
        make_indicator(session, "green_share", unit="%")
        make_indicator(session, "parks", unit="count", area="ecology")
        make_indicator(session, "pm25", unit="μg/m³", direction="lower_is_better")
        make_indicator(
            session, "freight_q", unit="million t", period_type="quarter", area="transport"
        )
        make_indicator(session, "rail_km", unit="km", period_type="month", area="transport")
        session.commit()
    return people


@pytest.fixture
def commitments(session_factory: sessionmaker[Session], indicators: People) -> People:
    """One agreement with three commitments in different areas, jurisdictions and agencies."""
    orgs = indicators.organisations
    with session_factory() as session:
        service.create_agreement(
            session,
            actor=SYSTEM_ACTOR,
            data=AgreementIn(
                code="test-agreement",
                title_zh="测试协议",
                title_en="Test agreement",
                parties=["110000", "120000", "130000"],
            ),
        )
        rows = [
            ("c-eco", "ecology", "110000", ["120000"], ["bj_env", "tj_env"], ["pm25"]),
            ("c-port", "ports", "120000", ["110000"], ["tj_drc"], []),
            (
                "c-road",
                "transport",
                "130000",
                ["110000", "120000"],
                ["he_transport"],
                ["freight_q"],
            ),
        ]
        for code, area, lead, supporting, agencies, inds in rows:
            service.create_commitment(
                session,
                actor=SYSTEM_ACTOR,
                data=CommitmentIn(
                    agreement_code="test-agreement",
                    code=code,
                    text_zh=f"承诺{code}",
                    text_en=f"Commitment {code}",
                    area=area,
                    lead_jurisdiction_code=lead,
                    supporting_jurisdiction_codes=supporting,
                    agency_ids=[orgs[a] for a in agencies],
                    indicator_codes=inds,
                    status_since=dt.date(2014, 8, 6),
                ),
            )
        session.commit()
    return indicators


@pytest.fixture
def demo(session_factory: sessionmaker[Session], people: People) -> People:
    """The progress demo data (the reference documents) loaded through its loader."""
    from jingjinji.demo import DemoContext
    from jingjinji.progress import demo as progress_demo

    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        progress_demo.load(session, ctx)
        session.commit()
    return people
