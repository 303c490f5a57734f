"""The sources domain's objects under attack and its writes: a Beijing enterprise (registered
by the Beijing ecology and environment bureau) whose wastewater outlet is 3 km from the Hebei
border, with a data logger, a permit limit and hourly values over it; four exceedance events,
two of them in enforcement cases led by Beijing that involve Hebei (the border neighbour) and
not Tianjin. Case A has an open task for the Beijing bureau (completed, then the case closed, by
the proofs); case B takes a task and, last, Tianjin's involvement; two events are still open for
the proof of opening a case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.sources.models import OutletKind, TaskKind
from jingjinji.sources.schemas.enforcement import CaseOpenIn, TaskIn
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn
from jingjinji.sources.service import cases, exceedances
from jingjinji.sources.service import registry as registry_service
from tests.conftest import People
from tests.sources.enforcement_support import hourly, store

if TYPE_CHECKING:
    from tests.security.operations import Write
    from tests.security.support import World

SOURCES_MN = "BJ-SEC-W-001"
SOURCES_USCC = synthetic_uscc("91", "110115", 71001)
# The events' hours: the values stored are China-time 08:00 onwards on 2026-06-10.
SOURCES_PERIOD = "start=2026-06-10T08:00&end=2026-06-11T08:00"


def sources_objects(factory: sessionmaker[Session], people: People) -> dict[str, Any]:
    """Made through the services as the Beijing bureau's steward (the registry) and the office
    (nothing else than a Beijing persona could do); returns the ids the writes and reads use."""
    steward = people["bj-env"]
    with factory() as session:
        enterprise = registry_service.save_enterprise(
            session,
            actor=steward,
            data=EnterpriseIn(
                uscc=SOURCES_USCC,
                name_zh="京攻击测试排污单位（虚构）",
                name_en="Attack-test discharger (synthetic)",
                jurisdiction_code="110000",
                city_code="110115",
                synthetic=True,
            ),
        )
        outlet = registry_service.save_outlet(
            session,
            actor=steward,
            enterprise_id=enterprise.id,
            data=OutletIn(
                code="DW001",
                name_zh="废水总排口",
                name_en="Main wastewater outlet",
                kind=OutletKind.WASTEWATER,
                longitude=116.6,
                latitude=39.6,
                border_distance_km=3.0,
                neighbour_jurisdiction_code="130000",
            ),
        )
        logger = registry_service.save_logger(
            session,
            actor=steward,
            outlet_id=outlet.id,
            data=LoggerIn(mn=SOURCES_MN, password="123456", protocol_version=2017, st="32"),
        )
        registry_service.save_factor(
            session,
            actor=steward,
            outlet_id=outlet.id,
            data=FactorIn(code="w01018", unit="mg/L", hourly_limit=30.0, daily_limit=20.0),
        )
        session.commit()
        logger_id = logger.id
        ids: dict[str, Any] = {
            "sources_enterprise": enterprise.id,
            "sources_outlet": outlet.id,
            "sources_mn": SOURCES_MN,
        }
    # COD over its hourly limit four times, each run ended by a value under it: four events.
    batch = store(factory, logger_id, hourly("w01018", [40, 20, 50, 20, 60, 20, 70]))
    with factory() as session:
        events = sorted(e.id for e in exceedances.detect_for_batch(session, batch_id=batch))
        assert len(events) == 4, events
        case_a = cases.open_case(
            session, actor=steward, data=CaseOpenIn(exceedance_ids=[events[0]], title="COD A")
        )
        case_b = cases.open_case(
            session, actor=steward, data=CaseOpenIn(exceedance_ids=[events[1]], title="COD B")
        )
        task = cases.add_task(
            session,
            actor=steward,
            case_id=case_a.id,
            data=TaskIn.model_validate(
                {
                    "kind": TaskKind.INSPECTION,
                    "organisation_id": people.organisations["bj_env"],
                    "due_at": "2099-01-01T09:00",
                    "description": "Inspect the outfall",
                }
            ),
        )
        session.commit()
        ids.update(
            sources_case=case_a.id,
            sources_case_b=case_b.id,
            sources_task=task.id,
            sources_open_event=events[2],
        )
    return ids


def sources_writes(world: World) -> list[Write]:
    """The sources writes, aimed at the Beijing objects above; involving Tianjin comes last
    (from then on Tianjin reads case B)."""
    from tests.security.operations import Write

    organisations = world.people.organisations
    case_a = "/sources/cases/{sources_case}"
    case_b = "/sources/cases/{sources_case_b}"
    return [
        Write(
            "POST",
            "/sources/enterprises",
            {
                "uscc": synthetic_uscc("91", "110115", 71002),
                "name_zh": "京攻击测试新单位（虚构）",
                "jurisdiction_code": "110000",
                "synthetic": True,
            },
        ),
        Write(
            "POST",
            "/sources/enterprises/{sources_enterprise}/outlets",
            {
                "code": "DA009",
                "name_zh": "废气排口",
                "kind": "flue_gas",
                "longitude": 116.6,
                "latitude": 39.6,
            },
        ),
        Write(
            "POST",
            "/sources/outlets/{sources_outlet}/loggers",
            {"mn": "BJ-SEC-W-009", "password": "123456", "protocol_version": 2017, "st": "32"},
        ),
        Write(
            "PUT",
            "/sources/outlets/{sources_outlet}/factors/w21003",
            {"unit": "mg/L", "hourly_limit": 5.0, "daily_limit": 4.0},
        ),
        Write(
            "POST",
            "/sources/parks",
            {
                "code": "P-ATTACK",
                "name_zh": "攻击测试园区",
                "name_en": "Attack-test park",
                "host_jurisdiction_code": "130000",
                "partner_jurisdiction_codes": ["110000"],
            },
        ),
        Write(
            "POST",
            "/sources/cases",
            {"exceedance_ids": [world.ids["sources_open_event"]], "title": "COD again"},
        ),
        Write(
            "POST",
            f"{case_b}/tasks",
            {
                "kind": "sampling",
                "organisation_id": organisations["he_env"],
                "due_at": "2099-01-01T09:00",
                "description": "Sample downstream",
            },
        ),
        Write("POST", f"{case_a}/tasks/{{sources_task}}/complete", {"result": "Outfall inspected"}),
        Write("POST", f"{case_a}/close", {"conclusion": "Fined; the plant repaired"}),
        Write("POST", f"{case_b}/jurisdictions", {"jurisdiction_code": "120000"}),
    ]


def sources_reads() -> list[str]:
    """The restricted sources reads: the logger, values, export and series of the Beijing
    enterprise (readers of its data), a case and the lists (each reader's own view)."""
    return [
        "/sources/loggers/{sources_mn}",
        "/sources/values?enterprise={sources_enterprise}",
        f"/sources/values/export?enterprise={{sources_enterprise}}&cn=2061&{SOURCES_PERIOD}",
        "/sources/outlets/{sources_outlet}/series?cn=2061",
        "/sources/cases/{sources_case}",
        "/sources/cases",
        "/sources/exceedances",
    ]
