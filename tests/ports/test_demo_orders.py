"""The demo's transport orders: three orders over the season's containers, legs across sea,
feeder and rail or truck, the timeline matched from the season's events, and a dwell notice."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.demo import DemoContext
from jingjinji.ports import demo, service
from jingjinji.security import SYSTEM_ACTOR
from tests.conftest import People


def test_demo_orders_follow_the_season(
    session_factory: sessionmaker[Session], people: People
) -> None:
    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        demo.load(session, ctx)
        session.commit()
    values = ctx.values["ports_demo"]
    assert values["orders"] == 3
    assert values["dwell_notices"] >= 1
    # the EDIFACT samples went through the intake's job: one truncated file failed whole
    assert values["edifact_submissions"] == {"done": 8, "failed": 1}
    with session_factory() as session:
        page = service.list_orders(session, actor=SYSTEM_ACTOR)
        assert len(page.items) == 3
        modes = {tuple(leg.mode for leg in v.legs) for v in page.items}
        assert modes == {("vessel", "feeder", "rail"), ("vessel", "feeder", "truck")}
        for view in page.items:
            _, timeline = service.order_timeline(
                session, actor=SYSTEM_ACTOR, order_id=view.order.id
            )
            # The season delivered every box to the feeder port: sea and feeder legs arrived.
            assert [leg.status for leg in timeline.legs[:2]] == ["arrived", "arrived"]
            assert len(timeline.positions) == len(view.containers)
            assert timeline.eta is not None
        notices = [
            n for v in page.items for n in service.dwell_notices(session, order_id=v.order.id)
        ]
        assert len(notices) == values["dwell_notices"]
        assert all(n.hours > 72 for n in notices)
