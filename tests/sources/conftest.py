"""Fixtures shared by the sources tests: a NATS JetStream stream of the test's own, and a small
registry built through the services.

The registry (test data, not survey data)::

    Hebei (130000), enterprise HE-A (synthetic USCCs, serials 1-3), Shijiazhuang:
        outlet DW001 wastewater, logger MN "HE-A-W-001" (2017, PW 123456): COD w01018
            (hourly limit 50 mg/L, daily 40), NH3-N w21003 (hourly 5, daily 4), flow w00000
        outlet DA001 flue gas near the Beijing border (4 km), logger "HE-A-G-001" (2005 codes,
            PW 123456): SO2 a21026 (hourly 35 mg/m3, daily 30), NOx a21002 (50/40), dust a34013
    Beijing (110000), enterprise BJ-A: outlet DW001, logger "BJ-A-W-001" (2017, PW 654321): COD
    Tianjin (120000), enterprise TJ-A: outlet DA001, logger "TJ-A-G-001" (2017, PW 111111): SO2

Every test that touches NATS gets a stream and a subject prefix nobody else uses, removed after
the test; under CI=true a NATS that does not answer fails the test (tests.conftest)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.security import Actor
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as registry_service
from jingjinji.sources.stream import StreamNames
from tests.aio import run_async
from tests.conftest import People, require_or_skip


def _nats_problem(url: str) -> str | None:
    """None if NATS with JetStream answers at ``url``, else why not."""
    import nats

    async def probe() -> None:
        nc = await nats.connect(
            url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0
        )
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        run_async(lambda: probe())
    except Exception as exc:  # any failure means "not available"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The NATS server the tests use (JJJ_NATS_URL or nats://127.0.0.1:4222), checked once."""
    url = get_settings().nats_url
    problem = _nats_problem(url)
    if problem is not None:
        require_or_skip("NATS with JetStream", problem)
    return url


@pytest.fixture
def stream_names(nats_url: str) -> Iterator[StreamNames]:
    tag = uuid.uuid4().hex[:10]
    names = StreamNames(url=nats_url, stream=f"JJJ_TEST_{tag}", prefix=f"jjjtest.{tag}")
    yield names

    async def drop() -> None:
        import nats

        nc = await nats.connect(nats_url, connect_timeout=2)
        try:
            # The test may never have made it.
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(names.stream)
            # Gateways also write their counters to a key-value bucket beside the stream.
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_key_value(names.stats_bucket)
        finally:
            await nc.close()

    run_async(lambda: drop())


@dataclass(frozen=True)
class Registry:
    """Ids of the fixture's registry, by the names in the module docstring."""

    enterprises: dict[str, int]
    outlets: dict[str, int]  # "HE-A/DW001" -> id
    loggers: dict[str, int]  # MN -> id


def build_registry(session: Session, office: Actor) -> Registry:
    enterprises: dict[str, int] = {}
    outlets: dict[str, int] = {}
    loggers: dict[str, int] = {}

    def enterprise(key: str, uscc: str, jurisdiction: str, city: str | None) -> int:
        row = registry_service.save_enterprise(
            session,
            actor=office,
            data=EnterpriseIn(
                uscc=uscc,
                name_zh=f"测试企业{key}",
                name_en=f"Test enterprise {key}",
                jurisdiction_code=jurisdiction,
                city_code=city,
                synthetic=True,
            ),
        )
        enterprises[key] = row.id
        return row.id

    def outlet(key: str, enterprise_id: int, code: str, kind: OutletKind, **extra: object) -> int:
        row = registry_service.save_outlet(
            session,
            actor=office,
            enterprise_id=enterprise_id,
            data=OutletIn.model_validate(
                {
                    "code": code,
                    "name_zh": f"{code}排放口",
                    "name_en": f"Outlet {code}",
                    "kind": kind,
                    "longitude": 114.5,
                    "latitude": 38.0,
                    **extra,
                }
            ),
        )
        outlets[f"{key}/{code}"] = row.id
        return row.id

    def logger(outlet_id: int, mn: str, password: str, version: int, st: str) -> None:
        row = registry_service.save_logger(
            session,
            actor=office,
            outlet_id=outlet_id,
            data=LoggerIn.model_validate(
                {"mn": mn, "password": password, "protocol_version": version, "st": st}
            ),
        )
        loggers[mn] = row.id

    def factor(
        outlet_id: int, code: str, unit: str, hourly: float | None, daily: float | None
    ) -> None:
        registry_service.save_factor(
            session,
            actor=office,
            outlet_id=outlet_id,
            data=FactorIn(code=code, unit=unit, hourly_limit=hourly, daily_limit=daily),
        )

    he = enterprise("HE-A", synthetic_uscc("91", "130100", 1), "130000", "130100")
    he_w = outlet("HE-A", he, "DW001", OutletKind.WASTEWATER)
    logger(he_w, "HE-A-W-001", "123456", 2017, "32")
    factor(he_w, "w01018", "mg/L", 50.0, 40.0)
    factor(he_w, "w21003", "mg/L", 5.0, 4.0)
    factor(he_w, "w00000", "L/s", None, None)
    he_g = outlet(
        "HE-A",
        he,
        "DA001",
        OutletKind.FLUE_GAS,
        border_distance_km=4.0,
        neighbour_jurisdiction_code="110000",
    )
    logger(he_g, "HE-A-G-001", "123456", 2005, "31")
    factor(he_g, "a21026", "mg/m3", 35.0, 30.0)
    factor(he_g, "a21002", "mg/m3", 50.0, 40.0)
    factor(he_g, "a34013", "mg/m3", 10.0, 8.0)

    bj = enterprise("BJ-A", synthetic_uscc("91", "110000", 2), "110000", None)
    bj_w = outlet("BJ-A", bj, "DW001", OutletKind.WASTEWATER, longitude=116.4, latitude=39.9)
    logger(bj_w, "BJ-A-W-001", "654321", 2017, "32")
    factor(bj_w, "w01018", "mg/L", 30.0, 20.0)

    tj = enterprise("TJ-A", synthetic_uscc("91", "120000", 3), "120000", None)
    tj_g = outlet("TJ-A", tj, "DA001", OutletKind.FLUE_GAS, longitude=117.2, latitude=39.1)
    logger(tj_g, "TJ-A-G-001", "111111", 2017, "31")
    factor(tj_g, "a21026", "mg/m3", 35.0, 30.0)
    session.flush()
    return Registry(enterprises=enterprises, outlets=outlets, loggers=loggers)


@pytest.fixture
def registry(session_factory: sessionmaker[Session], people: People) -> Registry:
    with session_factory() as session:
        built = build_registry(session, people["office"])
        session.commit()
    return built
