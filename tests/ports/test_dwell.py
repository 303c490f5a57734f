"""Dwell beyond the threshold: one notice to the order's parties per stay, however often the
hourly check runs; a short stay or a container of no order raises none."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.notifications import kinds
from jingjinji.notifications import service as notifications
from jingjinji.ports import service
from jingjinji.security import Actor
from tests.ports.conftest import Ports
from tests.ports.orders_support import (
    BOX,
    SECOND_BOX,
    box_event,
    make_order,
    record,
    sea_feeder_rail,
)

NOW = dt.datetime(2026, 9, 10, tzinfo=dt.UTC)


def _inbox(session_factory: sessionmaker[Session], actor: Actor) -> list[tuple[str, str]]:
    with session_factory() as session:
        page = notifications.list_inbox(session, actor=actor)
        return [(n.kind, n.params["container"]) for n in page.items]


def test_long_stay_tells_every_party_once(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    tj, hha = ports.actors["tj_port"], ports.actors["he_hha"]
    make_order(
        session_factory, tj,
        sea_feeder_rail(containers=[BOX, SECOND_BOX],
                        party_organisation_ids=[ports.organisations["he_hha"]]),
    )  # fmt: skip
    record(
        session_factory, hha,
        # BOX arrives at Huanghua and is still there a week later: over 72 h.
        box_event("DISC", "2026-09-04T15:00:00+08:00", "CNHHA"),
        # SECOND_BOX leaves after 40 h: no notice.
        box_event("DISC", "2026-09-04T16:00:00+08:00", "CNHHA", box=SECOND_BOX),
        box_event("GTOT", "2026-09-06T08:00:00+08:00", "CNHHA", box=SECOND_BOX, mode="RAIL"),
    )  # fmt: skip
    with session_factory() as session:
        made = service.check_dwells(session, now=NOW, threshold_hours=72)
        session.commit()
    assert [(n.equipment_reference, n.un_location_code) for n in made] == [(BOX, "CNHHA")]
    assert made[0].hours == 137  # 2026-09-04 07:00 UTC to 09-10 00:00
    with session_factory() as session:
        assert service.check_dwells(session, now=NOW + dt.timedelta(hours=5)) == []
        session.commit()
    for actor in (tj, hha):
        assert _inbox(session_factory, actor) == [("dwell_exceeded", BOX)]
    assert _inbox(session_factory, ports.actors["he_cfd"]) == []


def test_threshold_and_stays_that_ended_late(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    tj, hha = ports.actors["tj_port"], ports.actors["he_hha"]
    make_order(session_factory, tj, sea_feeder_rail())
    record(
        session_factory, hha,
        box_event("DISC", "2026-09-04T15:00:00+08:00", "CNHHA"),
        box_event("GTOT", "2026-09-08T15:00:00+08:00", "CNHHA", mode="RAIL"),  # 96 h
    )  # fmt: skip
    with session_factory() as session:
        assert service.check_dwells(session, now=NOW, threshold_hours=100) == []
        late = service.check_dwells(session, now=NOW, threshold_hours=90)
        session.commit()
    assert [(n.hours, n.started_at) for n in late] == [
        (96, dt.datetime(2026, 9, 4, 7, tzinfo=dt.UTC))
    ]


def test_containers_of_no_open_order_are_not_watched(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    record(
        session_factory, ports.actors["he_hha"],
        box_event("DISC", "2026-09-04T15:00:00+08:00", "CNHHA"),
    )  # fmt: skip
    with session_factory() as session:
        assert service.check_dwells(session, now=NOW) == []
    make_order(session_factory, ports.actors["tj_port"], sea_feeder_rail())
    with session_factory() as session:
        # Long after the order's window closed, nothing is checked any more.
        assert service.check_dwells(session, now=NOW + dt.timedelta(days=90)) == []
        assert len(service.check_dwells(session, now=NOW)) == 1


def test_the_notice_reads_in_the_readers_language() -> None:
    params = {
        "order": "BHF-DEMO-0101", "container": BOX, "location": "CNHHA",
        "location_title_zh": "黄骅港", "location_title_en": "Huanghua", "hours": 72,
        "stayed": 100, "threshold": 72, "since": "2026-09-04T07:00:00+00:00",
    }  # fmt: skip
    zh = kinds.render("dwell_exceeded", params, "zh_CN")
    assert zh.title == f"集装箱 {BOX} 在 黄骅港 (CNHHA) 停留已超过 72 小时"
    assert zh.body == "运输订单 BHF-DEMO-0101：自 2026-09-04 15:00 起停留；阈值为 72 小时。"
    en = kinds.render("dwell_exceeded", params, "en")
    assert en.title == f"Container {BOX} has stayed over 72 hours at Huanghua (CNHHA)"
