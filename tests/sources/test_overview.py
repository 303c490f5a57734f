"""Source states (offline, exceedance, normal), the map's filters and counts, an outlet's page
data (windows chosen by the latest data, who reads it) and the gateways' counters, on both
backends, over the fixture registry and data stored as the loader stores it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.errors import InvalidInput, NotAuthenticated, NotFound
from jingjinji.sources.models import DataCommand
from jingjinji.sources.service import overview
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.pages_support import (
    china,
    counters,
    every,
    open_exceedance,
    report_gateway,
    seen,
    store,
)

NOW = china(2026, 3, 2, 12)
HE_W, HE_G, BJ_W, TJ_G = "HE-A/DW001", "HE-A/DA001", "BJ-A/DW001", "TJ-A/DA001"


def _states(session: Session) -> dict[int, str]:
    return {r.outlet_id: r.state.value for r in overview.outlet_states(session, now=NOW)}


def test_states(session_factory: sessionmaker[Session], registry: Registry) -> None:
    out, log = registry.outlets, registry.loggers
    with session_factory() as session:
        # Never seen: every outlet is offline, an open event does not change that.
        open_exceedance(session, logger_id=log["TJ-A-G-001"], factor="a21026", started_at=NOW)
        assert set(_states(session).values()) == {"offline"}
        # Seen within three intervals of 60 s: online; 181 s ago: offline.
        seen(session, log["HE-A-W-001"], NOW - dt.timedelta(seconds=170))
        seen(session, log["HE-A-G-001"], NOW - dt.timedelta(seconds=10))
        seen(session, log["BJ-A-W-001"], NOW)
        seen(session, log["TJ-A-G-001"], NOW - dt.timedelta(seconds=181))
        open_exceedance(session, logger_id=log["HE-A-W-001"], started_at=NOW, status="in_case")
        open_exceedance(
            session,
            logger_id=log["BJ-A-W-001"],
            started_at=NOW - dt.timedelta(days=1),
            status="closed",
        )
        states = _states(session)
    assert states == {
        out[HE_W]: "exceedance",
        out[HE_G]: "normal",
        out[BJ_W]: "normal",
        out[TJ_G]: "offline",
    }


def test_map_filters_and_counts(session_factory: sessionmaker[Session], registry: Registry) -> None:
    log = registry.loggers
    with session_factory() as session:
        seen(session, log["HE-A-W-001"], NOW)
        seen(session, log["BJ-A-W-001"], NOW)
        open_exceedance(session, logger_id=log["BJ-A-W-001"], started_at=NOW)
        everything = overview.source_map(session, now=NOW)
        assert everything.by_state == {"normal": 1, "exceedance": 1, "offline": 2}
        assert everything.by_province == {
            "110000": {"normal": 0, "exceedance": 1, "offline": 0},
            "120000": {"normal": 0, "exceedance": 0, "offline": 1},
            "130000": {"normal": 1, "exceedance": 0, "offline": 1},
        }
        hebei = overview.source_map(session, province="130000", kind="flue_gas", now=NOW)
        assert [r.outlet_code for r in hebei.rows] == ["DA001"]
        assert hebei.by_state == {"normal": 0, "exceedance": 0, "offline": 1}
        offline = overview.source_map(session, state="offline", now=NOW)
        assert {r.province_code for r in offline.rows} == {"120000", "130000"}
        with pytest.raises(InvalidInput) as refused:
            overview.source_map(session, state="burning", kind="pipe")
        assert {tuple(e["loc"]) for e in refused.value.errors} == {
            ("query", "state"),
            ("query", "kind"),
        }


def test_outlet_page_windows_follow_the_latest_data(
    session_factory: sessionmaker[Session], registry: Registry, people: People
) -> None:
    logger = registry.loggers["HE-A-W-001"]
    outlet = registry.outlets[HE_W]
    with session_factory() as session:
        # Real-time values on 28 February and 1 March (China time): only 1 March is charted.
        store(
            session,
            logger_id=logger,
            cn=DataCommand.REALTIME,
            times=every(china(2026, 2, 28, 23, 50), dt.timedelta(minutes=5), 4),
            values={"w01018": [10.0, 11.0, 12.0, 13.0], "w21003": 1.0},
        )
        # Hourly averages on 20 February, and every 6 hours from 25 February to 1 March: the week
        # 23 February - 1 March is charted.
        store(
            session,
            logger_id=logger,
            cn=DataCommand.HOURLY,
            times=[china(2026, 2, 20, 8), *every(china(2026, 2, 25), dt.timedelta(hours=6), 20)],
            values={"w01018": 30.0},
        )
        open_exceedance(session, logger_id=logger, started_at=china(2026, 3, 1, 0))
        session.commit()
        page = overview.outlet_page(session, actor=people["he-env"], outlet_id=outlet, now=NOW)
    assert page.readable and page.realtime and page.hourly
    assert page.realtime.start == china(2026, 3, 1) and page.realtime.end == china(2026, 3, 2)
    cod = next(f for f in page.realtime.factors if f.factor == "w01018")
    assert [v for _, v in cod.points] == [12.0, 13.0]
    assert cod.points[0][0] == "2026-03-01T00:00:00+08:00"
    assert (cod.hourly_limit, cod.daily_limit, cod.unit) == (50.0, 40.0, "mg/L")
    assert page.hourly.start == china(2026, 2, 23) and page.hourly.end == china(2026, 3, 2)
    assert [f.factor for f in page.hourly.factors] == ["w01018"]
    assert len(page.hourly.factors[0].points) == 20
    assert [e.factor for e in page.exceedances] == ["w01018"]


def test_outlet_page_readers(
    session_factory: sessionmaker[Session], registry: Registry, people: People
) -> None:
    outlet = registry.outlets[HE_W]
    with session_factory() as session:
        for reader in ("office", "he-admin", "he-analyst"):
            assert overview.outlet_page(session, actor=people[reader], outlet_id=outlet).readable
        for stranger in (None, people["bj-env"]):
            page = overview.outlet_page(session, actor=stranger, outlet_id=outlet)
            assert not page.readable and page.realtime is None and page.exceedances == []
            assert [f.code for f in page.factors] == ["w00000", "w01018", "w21003"]
        # No data yet: the windows are empty, not a default period.
        empty = overview.outlet_page(session, actor=people["office"], outlet_id=outlet)
        assert empty.realtime is not None and empty.realtime.start is None
        with pytest.raises(NotFound):
            overview.outlet_page(session, actor=None, outlet_id=999999)


def test_gateway_rows(session_factory: sessionmaker[Session], people: People) -> None:
    with session_factory() as session:
        report_gateway(
            session,
            gateway="gw-1",
            at=NOW,
            counters=counters(100, {"crc": 2, "password": 1}, 1.5, 9.25),
        )
        report_gateway(
            session, gateway="gw-2", at=NOW - dt.timedelta(minutes=5), counters={"odd": True}
        )
        rows = overview.gateway_rows(session, actor=people["bj-analyst"], now=NOW)
        with pytest.raises(NotAuthenticated):
            overview.gateway_rows(session, actor=None)
    first, second = rows
    assert (first.gateway, first.silent, first.connections, first.accepted) == (
        "gw-1",
        False,
        3,
        100,
    )
    assert first.rejects == {"crc": 2.0, "password": 1.0}
    assert (first.packets_per_second, first.ack_p50_ms, first.ack_p99_ms) == (12.5, 1.5, 9.25)
    assert second.silent and second.accepted is None and second.rejects == {}


def test_an_involved_jurisdiction_reads_and_is_on_the_record(
    session_factory: sessionmaker[Session], registry: Registry, people: People
) -> None:
    from sqlalchemy import select

    from jingjinji.audit.models import AuditEntry
    from jingjinji.sources.models import Case, CaseJurisdiction, Enterprise
    from jingjinji.sources.service import monitoring_grants

    outlet = registry.outlets[HE_G]
    with session_factory() as session:
        case = Case(
            title="border case",
            enterprise_id=registry.enterprises["HE-A"],
            lead_jurisdiction_code="130000",
            opened_by="office",
        )
        session.add(case)
        session.flush()
        # The involvement's catalog grant is what lets Beijing's environment agency read.
        enterprise = session.get(Enterprise, registry.enterprises["HE-A"])
        assert enterprise is not None
        grant_id = monitoring_grants.grant_to_neighbour(
            session, actor=people["office"], case=case, enterprise=enterprise, province="110000"
        )
        session.add(
            CaseJurisdiction(
                case_id=case.id, jurisdiction_code="110000", reason="border", grant_id=grant_id
            )
        )
        session.commit()
        assert overview.outlet_page(session, actor=people["bj-env"], outlet_id=outlet).readable
        assert not overview.outlet_page(session, actor=people["tj-env"], outlet_id=outlet).readable
        assert overview.outlet_page(session, actor=people["he-env"], outlet_id=outlet).readable
        session.commit()
        reads = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sources.outlet.read")
        ).all()
    assert [(r.actor_username, r.object_id) for r in reads] == [("bj-env", str(outlet))]
