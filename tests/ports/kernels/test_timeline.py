"""The order timeline kernel on plain event records: the edge cases the issue names."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from jingjinji.ports.kernels.timeline import EventRecord, PlannedLeg, assemble, dwells, effective

T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
BOX = "BHFU1234567"
OTHER = "TJPU7654321"
_pks = itertools.count(1)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def ev(
    code: str, at: float, where: str, *, mode: str = "VESSEL", cls: str = "ACT",
    box: str | None = BOX, created: float | None = None, supersedes: int | None = None,
    call: str | None = None, pk: int | None = None,
) -> EventRecord:  # fmt: skip
    return EventRecord(
        pk=pk if pk is not None else next(_pks),
        classifier=cls,
        code=code,
        at=h(at),
        created_at=h(created if created is not None else at),
        location=where,
        mode=mode,
        equipment_reference=box,
        transport_call_id=call,
        supersedes=supersedes,
    )


LEGS = [
    PlannedLeg("vessel", "KRPUS", "CNTXG", h(0), h(48)),
    PlannedLeg("feeder", "CNTXG", "CNCFD", h(72), h(84)),
    PlannedLeg("rail", "CNCFD", "CNXAN", h(120), h(140)),
]


def test_no_events_is_the_plan() -> None:
    t = assemble([], legs=LEGS, containers=[BOX])
    assert [leg.status for leg in t.legs] == ["planned"] * 3
    assert t.positions == []
    assert (t.eta, t.eta_source) == (h(140), "plan")
    assert all(leg.delay is None for leg in t.legs)


def test_no_legs_has_no_eta() -> None:
    t = assemble([ev("DISC", 1, "CNTXG")], legs=[], containers=[BOX])
    assert (t.eta, t.eta_source) == (None, "none")
    assert t.positions[0].leg_index is None


def test_full_journey_matches_legs_by_location_and_mode() -> None:
    events = [
        ev("DISC", 50, "CNTXG"),
        ev("LOAD", 73, "CNTXG"),
        ev("DISC", 86, "CNCFD"),
        ev("GTOT", 125, "CNCFD", mode="RAIL"),
        ev("GTIN", 145, "CNXAN", mode="RAIL"),
    ]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert [leg.status for leg in t.legs] == ["arrived"] * 3
    assert [leg.arrived_at for leg in t.legs] == [h(50), h(86), h(145)]
    assert [leg.departed_at for leg in t.legs] == [None, h(73), h(125)]
    assert [leg.delay for leg in t.legs] == [dt.timedelta(hours=h) for h in (2, 2, 5)]
    assert (t.eta, t.eta_source) == (h(145), "actual")
    assert t.positions[0].location == "CNXAN" and t.positions[0].leg_index == 2


def test_wrong_mode_matches_no_leg() -> None:
    # A truck leaving Caofeidian is not the planned rail leg.
    t = assemble([ev("GTOT", 125, "CNCFD", mode="TRUCK")], legs=LEGS, containers=[BOX])
    assert t.legs[2].departed_at is None
    assert t.positions[0].leg_index is None


def test_out_of_order_arrival_orders_by_event_time() -> None:
    # The feeder's discharge was received before the Xingang loading it follows.
    events = [
        ev("DISC", 86, "CNCFD", created=90),
        ev("LOAD", 73, "CNTXG", created=100),
        ev("DISC", 50, "CNTXG", created=101),
    ]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert [e.code for e in t.events] == ["DISC", "LOAD", "DISC"]
    assert t.positions[0].location == "CNCFD" and t.positions[0].at == h(86)
    assert t.legs[1].status == "arrived"


@pytest.mark.parametrize(
    ("order", "expected"),
    [("correction_last", h(88)), ("correction_first", h(88))],
)
def test_correction_supersedes_whatever_the_order(order: str, expected: dt.datetime) -> None:
    wrong = ev("DISC", 86, "CNCFD", pk=1001)
    fixed = ev("DISC", 88, "CNCFD", supersedes=1001, created=95, pk=1002)
    events = [wrong, fixed] if order == "correction_last" else [fixed, wrong]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert t.legs[1].arrived_at == expected
    assert [e.pk for e in t.events] == [1002]


def test_chained_corrections_keep_only_the_last() -> None:
    a = ev("DISC", 86, "CNCFD", pk=2001)
    b = ev("DISC", 87, "CNCFD", pk=2002, supersedes=2001)
    c = ev("DISC", 89, "CNCFD", pk=2003, supersedes=2002)
    assert [e.pk for e in effective([c, a, b], start=None, end=None)] == [2003]


def test_latest_estimate_gives_the_eta() -> None:
    events = [
        ev("GTOT", 125, "CNCFD", mode="RAIL"),
        ev("GTIN", 150, "CNXAN", mode="RAIL", cls="EST", created=126),
        ev("GTIN", 138, "CNXAN", mode="RAIL", cls="PLN", created=127),  # written later: wins
    ]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert (t.eta, t.eta_source) == (h(138), "estimate")
    assert t.legs[2].status == "underway"
    assert t.legs[2].delay == dt.timedelta(hours=-2)


def test_estimate_after_actual_is_ignored() -> None:
    events = [
        ev("GTIN", 145, "CNXAN", mode="RAIL"),
        ev("GTIN", 160, "CNXAN", mode="RAIL", cls="EST", created=150),
    ]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert (t.eta, t.eta_source) == (h(145), "actual")
    assert t.legs[2].estimated_arrival is None


def test_vessel_arrival_estimate_of_the_containers_call() -> None:
    events = [
        ev("LOAD", 73, "CNTXG", call="feeder-in"),
        ev("DISC", 70, "CNCFD", cls="PLN", call="feeder-in", created=60),
        ev("ARRI", 90, "CNCFD", box=None, cls="EST", call="feeder-in", created=80),
        ev("ARRI", 99, "CNCFD", box=None, cls="EST", call="another-call", created=85),
    ]
    t = assemble(events, legs=LEGS, containers=[BOX])
    assert t.legs[1].estimated_arrival == h(90)
    assert t.legs[1].delay == dt.timedelta(hours=6)


def test_container_on_two_orders_is_split_by_the_window() -> None:
    first = [ev("DISC", 50, "CNTXG"), ev("LOAD", 73, "CNTXG")]
    later = [ev("DISC", 24 * 30 + 50, "CNTXG"), ev("LOAD", 24 * 30 + 73, "CNTXG")]
    second_legs = [
        PlannedLeg(leg.mode, leg.origin, leg.destination, leg.planned_departure
                   + dt.timedelta(days=30), leg.planned_arrival + dt.timedelta(days=30))
        for leg in LEGS
    ]  # fmt: skip
    one = assemble(first + later, legs=LEGS, containers=[BOX], start=h(-72), end=h(24 * 20))
    two = assemble(
        first + later, legs=second_legs, containers=[BOX], start=h(24 * 30 - 72), end=None
    )
    assert one.legs[0].arrived_at == h(50) and one.positions[0].at == h(73)
    assert two.legs[0].arrived_at == h(24 * 30 + 50) and two.positions[0].at == h(24 * 30 + 73)


def test_two_containers_leg_arrives_with_the_last() -> None:
    events = [
        ev("DISC", 50, "CNTXG"),
        ev("DISC", 55, "CNTXG", box=OTHER),
        ev("LOAD", 73, "CNTXG", box=OTHER),
    ]
    t = assemble(events, legs=LEGS, containers=[BOX, OTHER])
    assert t.legs[0].arrived_at == h(55)
    assert t.legs[1].departed_at == h(73) and t.legs[1].status == "underway"
    assert {p.equipment_reference: p.code for p in t.positions} == {BOX: "DISC", OTHER: "LOAD"}


def test_leg_waits_for_every_container() -> None:
    t = assemble([ev("DISC", 50, "CNTXG")], legs=LEGS, containers=[BOX, OTHER])
    assert t.legs[0].arrived_at is None and t.legs[0].status == "underway"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], []),
        ([("DISC", 86, "CNCFD"), ("GTOT", 125, "CNCFD")], [(86, 125)]),
        ([("DISC", 86, "CNCFD")], [(86, None)]),
        # A second arrival report while it is there does not restart the stay.
        ([("DISC", 86, "CNCFD"), ("GTIN", 90, "CNCFD"), ("LOAD", 100, "CNCFD")], [(86, 100)]),
        # Leaving a place it never arrived at is no stay.
        ([("GTOT", 125, "CNCFD")], []),
    ],
)
def test_dwells(
    events: list[tuple[str, float, str]], expected: list[tuple[float, float | None]]
) -> None:
    found = dwells(effective([ev(c, at, w) for c, at, w in events], start=None, end=None))
    assert [(d.started_at, d.ended_at) for d in found] == [
        (h(s), h(e) if e is not None else None) for s, e in expected
    ]


def test_dwell_length_of_an_open_stay_runs_to_now() -> None:
    (stay,) = dwells([ev("DISC", 86, "CNCFD")])
    assert stay.length(h(86 + 80)) == dt.timedelta(hours=80)
