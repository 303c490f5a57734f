"""Port indicators from the demo season's events (through the services): the figures counted
by hand from the season's make-up, the catalog datasets read through the catalog's routes, and
the progress tracker fed with the computed yearly values and their source."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service as catalog
from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.jobs import service as jobs
from jingjinji.ports import demo, flows, service
from jingjinji.ports.demo import green_channel, season
from jingjinji.ports.service import indicators
from jingjinji.progress import service as progress
from jingjinji.security import SYSTEM_ACTOR
from tests.ports.conftest import Ports, equipment_event

# By hand from the season: 8 weekly feeder calls of 6 laden 40 ft boxes (2 TEU) from Tianjin
# Xingang, to Caofeidian in even weeks and Huanghua in odd ones; 8 empty 20 ft returns by truck
# from Caofeidian; 3 green-channel boxes a week (40, 20, 40 ft: 5 TEU), one arrival corrected.
FEEDER_TEU = season.WEEKS // 2 * season.BOXES_PER_CALL * 2
EMPTY_RETURNS = season.WEEKS
GREEN_TEU = season.WEEKS * 5
SIZE_20 = {"ISOEquipmentCode": "22G1"}


def _load(session_factory: sessionmaker[Session], ports: Ports) -> None:
    made = season.make_season()
    with session_factory() as session:
        for writer, payloads in made.events.items():
            events, payloads = service.parse_events(payloads)
            service.record_events(
                session, actor=ports.actors[writer], events=events, payloads=payloads
            )
        demo.load_green_channel(session, ports.actors, made.vessels)
        # pages and datasets read the stored values: refreshed as the intake's job would
        indicators.refresh(session)
        session.commit()


def test_the_season_gives_the_hand_counted_figures(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    with session_factory() as session:
        found = indicators.compute(session)
    pairs: dict[tuple[str, str], list[float]] = {}
    for _, start, end, containers, teu, laden, unsized in found.transits.iter_rows():
        total = pairs.setdefault((start, end), [0, 0.0, 0.0, 0])
        for i, v in enumerate((containers, teu, laden, unsized)):
            total[i] += v
    assert pairs == {
        ("CNTXG", "CNCFD"): [FEEDER_TEU // 2, FEEDER_TEU, FEEDER_TEU, 0],
        ("CNTXG", "CNHHA"): [FEEDER_TEU // 2, FEEDER_TEU, FEEDER_TEU, 0],
        ("CNCFD", "CNTXG"): [EMPTY_RETURNS, EMPTY_RETURNS, 0.0, 0],
    }
    green = found.green_channel
    assert green.get_column("containers").sum() == season.WEEKS * green_channel.BOXES_PER_WEEK
    assert green.get_column("teu").sum() == GREEN_TEU
    assert set(green.get_column("month")) == {"2026-09", "2026-10"}
    dwell = {loc for _, loc, *_ in found.dwell.iter_rows()}
    assert {"CNTXG", "CNCFD", "CNHHA"} <= dwell
    assert all(0 < h < 24 * 10 for h in found.dwell.get_column("max_hours"))


def test_a_month_reads_only_its_figures_and_a_bad_month_is_refused(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    with session_factory() as session:
        whole = indicators.compute(session)
        september = indicators.compute(session, month="2026-09")
        empty = indicators.compute(session, month="2025-01")
        assert indicators.months(session) == ["2026-09", "2026-10"]
        with pytest.raises(InvalidInput) as refused:
            indicators.compute(session, month="2026-13")
    assert refused.value.errors[0]["loc"] == ["query", "month"]
    assert september.transits.equals(whole.transits.filter(month="2026-09"))
    assert september.dwell.equals(whole.dwell.filter(month="2026-09"))
    assert empty.transits.is_empty() and empty.green_channel.is_empty()


def test_stored_values_equal_a_fresh_recomputation_after_the_refresh(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    with session_factory() as session:
        before = indicators.stored(session)
        fresh = indicators.compute(session)
        for kind in ("transits", "green_channel", "dwell"):
            assert getattr(before, kind).equals(getattr(fresh, kind)), kind
        assert (before.events, before.first, before.last) == (fresh.events, fresh.first, fresh.last)
        # New events: the stored values stay as they were until the refresh job runs.
        moved = [
            equipment_event("7f0c8a1e-1d0c-4a35-9d8e-0a1b2c3d4e5f", "BHFU1000013", "CNHHA",
                            code="GTOT", created="2026-12-01T10:00:00+08:00") | SIZE_20,
        ]  # fmt: skip
        arrived = [
            equipment_event("8f0c8a1e-1d0c-4a35-9d8e-0a1b2c3d4e5f", "BHFU1000013", "CNTXG",
                            code="GTIN", created="2026-12-01T18:00:00+08:00") | SIZE_20,
        ]  # fmt: skip
        for writer, payloads in (("he_hha", moved), ("tj_port", arrived)):
            events, payloads = service.parse_events(payloads)
            service.record_events(
                session, actor=ports.actors[writer], events=events, payloads=payloads
            )
        indicators.queue_refresh(session)
        session.commit()
        stale = indicators.stored(session)
        assert stale.transits.equals(before.transits)
        assert not stale.transits.equals(indicators.compute(session).transits)
    assert jobs.run_pending(session_factory) >= 1
    with session_factory() as session:
        after = indicators.stored(session)
        fresh = indicators.compute(session)
        december = indicators.stored(session, month="2026-12")
        assert indicators.stored_months(session)[-1] == "2026-12"
    for kind in ("transits", "green_channel", "dwell"):
        assert getattr(after, kind).equals(getattr(fresh, kind)), kind
    assert after.events == fresh.events == before.events + 2
    assert december.transits.to_dicts() == [
        {"month": "2026-12", "from_port": "CNHHA", "to_port": "CNTXG", "containers": 1,
         "teu": 1.0, "laden_teu": 1.0, "unsized": 0},
    ]  # fmt: skip


def test_the_datasets_download_through_the_catalog(
    session_factory: sessionmaker[Session], ports: Ports, client: TestClient
) -> None:
    _load(session_factory, ports)
    with session_factory() as session:
        codes = flows.register_datasets(session, actor=SYSTEM_ACTOR)
        assert flows.register_datasets(session, actor=SYSTEM_ACTOR) == codes
        session.commit()
        dataset = catalog.get_dataset(session, code="PORTS-IND-TRANSIT-MONTHLY")
        assert dataset.owner_organisation_id == ports.people.organisations["office"]
        assert dataset.open_to_public
        assert all(f.description_zh for f in dataset.fields)
    assert codes == [f"PORTS-IND-{k}" for k in flows.KINDS]
    answer = client.get("/api/v1/datasets/PORTS-IND-TRANSIT-MONTHLY/download.csv")
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sum(float(r["teu"]) for r in rows) == 2 * FEEDER_TEU + EMPTY_RETURNS
    assert {r["to_name_zh"] for r in rows if r["to_port"] == "CNCFD"} == {"唐山港曹妃甸港区"}
    one = client.get(
        "/api/v1/datasets/PORTS-IND-GREEN-CHANNEL-MONTHLY/download.jsonl",
        params={"month": "2026-10"},
    )
    assert one.status_code == 200, one.text
    lines = [json.loads(line) for line in one.text.splitlines()]
    assert [r["month"] for r in lines] == ["2026-10"]
    bad = client.get(
        "/api/v1/datasets/PORTS-IND-DWELL-MONTHLY/download.csv", params={"month": "soon"}
    )
    assert bad.status_code == 200
    assert bad.text.splitlines()[1:] == []  # an equality filter no month matches


def test_records_page_by_key(session_factory: sessionmaker[Session], ports: Ports) -> None:
    _load(session_factory, ports)
    with session_factory() as session:
        flows.register_datasets(session, actor=SYSTEM_ACTOR)
        code = "PORTS-IND-TRANSIT-MONTHLY"
        first = catalog.read_records(session, actor=None, dataset_code=code, limit=2)
        rest = catalog.read_records(
            session, actor=None, dataset_code=code, cursor=first.next_cursor, limit=50
        )
    keys = [(r["month"], r["from_port"], r["to_port"]) for r in [*first.items, *rest.items]]
    assert len(first.items) == 2 and rest.next_cursor is None
    assert keys == sorted(set(keys)) and len(keys) == 6  # 3 pairs in each of 2 months


def test_publishing_feeds_the_review_indicators_once_and_corrects_on_change(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    office = ports.people["office"]
    with session_factory() as session:
        done = flows.publish_indicators(session, actor=office)
        session.commit()
        assert done.created == ["bh_container_transit", "bh_xiongan_green_channel"]
        assert (done.stored, done.revised) == (2, 0)
        again = flows.publish_indicators(session, actor=office)
        assert (again.stored, again.revised, again.unchanged) == (0, 0, 2)
        [transit] = progress.list_values(session, indicator="bh_container_transit")
        [green] = progress.list_values(session, indicator="bh_xiongan_green_channel")
    assert transit.value == pytest.approx((2 * FEEDER_TEU + EMPTY_RETURNS) / 1e6)
    assert (transit.period, transit.jurisdiction_code) == ("2026", "120116")
    assert green.value == GREEN_TEU
    assert transit.source.startswith("computed from") and "DCSA container events" in transit.source
    # One more 20 ft box by truck from Huanghua to Tianjin: a new figure, stored as a correction.
    with session_factory() as session:
        moved = [
            equipment_event("5f0c8a1e-1d0c-4a35-9d8e-0a1b2c3d4e5f", "BHFU1000013", "CNHHA",
                            code="GTOT", created="2026-12-01T10:00:00+08:00") | SIZE_20,
        ]  # fmt: skip
        arrived = [
            equipment_event("6f0c8a1e-1d0c-4a35-9d8e-0a1b2c3d4e5f", "BHFU1000013", "CNTXG",
                            code="GTIN", created="2026-12-01T18:00:00+08:00") | SIZE_20,
        ]  # fmt: skip
        for writer, payloads in (("he_hha", moved), ("tj_port", arrived)):
            events, payloads = service.parse_events(payloads)
            service.record_events(
                session, actor=ports.actors[writer], events=events, payloads=payloads
            )
        third = flows.publish_indicators(session, actor=office, year=2026)
        session.commit()
        [transit] = progress.list_values(session, indicator="bh_container_transit")
    assert (third.stored, third.revised, third.unchanged) == (0, 1, 1)
    assert transit.value == pytest.approx((2 * FEEDER_TEU + EMPTY_RETURNS + 1) / 1e6)


def test_only_the_office_publishes(session_factory: sessionmaker[Session], ports: Ports) -> None:
    with (
        session_factory() as session,
        pytest.raises(PermissionDenied, match="needs role office_admin"),
    ):
        flows.publish_indicators(session, actor=ports.actors["tj_port"])
