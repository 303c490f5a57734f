"""The timeline of a transport order, assembled from plain event records (no database).

An order plans legs in order (a sea leg into Tianjin, a Bohai feeder to a Hebei port, a rail
leg inland); the terminals, the feeder line and the dry ports write DCSA events of its
containers. The assembly:

* keeps the events inside the order's time window (a container is reused: its events of
  another order's voyage are not this order's) and drops every event another one supersedes
  (a correction replaces what it corrects, whatever order they arrived in);
* orders them by when they happened (``eventDateTime``), not by when they were received;
* matches a container's *actual* events to legs by location and mode: leaving the leg's
  origin (LOAD, GTOT) and arriving at its destination (DISC, GTIN), on a transport of the
  leg's mode (vessel and feeder legs are VESSEL or BARGE calls);
* takes, for a leg not yet arrived, the arrival estimate from the latest (by creation) EST or
  PLN event at its destination: an equipment DISC/GTIN or the ARRI of a transport call the
  container travels on. An estimate is ignored once the actual arrival is known, even if it was
  written later;
* the current position is each container's last actual (ACT) equipment event;
* the estimated arrival at the final destination is the actual one once every container is
  there, else the latest estimate, else the plan; a leg's delay is its (actual, else
  estimated) arrival minus the planned one.

Dwell (``dwells``): the time a container stays at a location between arriving there (DISC,
GTIN) and leaving it (LOAD, GTOT); still open when it has not left yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: DCSA modeOfTransport values a planned leg of each mode travels on.
MODES: dict[str, frozenset[str]] = {
    "vessel": frozenset({"VESSEL", "BARGE"}),
    "feeder": frozenset({"VESSEL", "BARGE"}),
    "rail": frozenset({"RAIL"}),
    "truck": frozenset({"TRUCK"}),
}
ARRIVALS = frozenset({"DISC", "GTIN"})
DEPARTURES = frozenset({"LOAD", "GTOT"})
ACTUAL = "ACT"
FORECASTS = frozenset({"EST", "PLN"})


@dataclass(frozen=True)
class EventRecord:
    """One stored event, as the timeline needs it. ``code``: the equipment or transport event
    type code; ``mode``: its transport call's modeOfTransport; ``equipment_reference``: None for
    a TRANSPORT event; ``transport_call_id``: the call it belongs to."""

    pk: int
    classifier: str
    code: str
    at: dt.datetime
    created_at: dt.datetime
    location: str | None
    mode: str | None = None
    equipment_reference: str | None = None
    transport_call_id: str | None = None
    supersedes: int | None = None

    @property
    def is_equipment(self) -> bool:
        return self.equipment_reference is not None


@dataclass(frozen=True)
class PlannedLeg:
    mode: str  # a key of MODES
    origin: str  # UN/LOCODE
    destination: str
    planned_departure: dt.datetime
    planned_arrival: dt.datetime


@dataclass
class LegProgress:
    """A leg as the events tell it. ``status``: planned, underway or arrived."""

    leg: PlannedLeg
    departed_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    estimated_arrival: dt.datetime | None = None
    events: list[EventRecord] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.arrived_at is not None:
            return "arrived"
        if self.departed_at is not None or self.events:
            return "underway"
        return "planned"

    @property
    def delay(self) -> dt.timedelta | None:
        """Actual (else estimated) arrival minus planned; None when neither is known."""
        known = self.arrived_at or self.estimated_arrival
        return None if known is None else known - self.leg.planned_arrival


@dataclass(frozen=True)
class Position:
    equipment_reference: str
    location: str | None
    code: str
    at: dt.datetime
    leg_index: int | None  # the leg the event belongs to, None when it matches no leg


@dataclass
class Timeline:
    legs: list[LegProgress]
    positions: list[Position]  # one per container that has an actual event
    eta: dt.datetime | None  # at the final destination
    eta_source: str  # actual | estimate | plan | none
    events: list[EventRecord]  # the effective events, in the order they happened


def effective(
    events: Iterable[EventRecord], *, start: dt.datetime | None, end: dt.datetime | None
) -> list[EventRecord]:
    """The events inside [start, end] that no other event supersedes, by when they happened
    (then by when they were written)."""
    pool = list(events)
    superseded = {e.supersedes for e in pool if e.supersedes is not None}
    kept = [
        e
        for e in pool
        if e.pk not in superseded
        and (start is None or e.at >= start)
        and (end is None or e.at <= end)
    ]
    return sorted(kept, key=lambda e: (e.at, e.created_at, e.pk))


def _on_mode(event: EventRecord, leg: PlannedLeg) -> bool:
    return event.mode is None or event.mode in MODES[leg.mode]


def _leg_of(event: EventRecord, legs: Sequence[PlannedLeg]) -> tuple[int, str] | None:
    """(leg index, "departure" | "arrival") an equipment event belongs to, or None."""
    for index, leg in enumerate(legs):
        if not _on_mode(event, leg):
            continue
        if event.code in DEPARTURES and event.location == leg.origin:
            return index, "departure"
        if event.code in ARRIVALS and event.location == leg.destination:
            return index, "arrival"
    return None


def _calls_to(events: Sequence[EventRecord], box: str, destination: str) -> set[str]:
    """The transport calls the container travels on into ``destination``."""
    return {
        e.transport_call_id
        for e in events
        if e.equipment_reference == box and e.location == destination and e.transport_call_id
    }


def _estimate(
    events: Sequence[EventRecord], leg: PlannedLeg, calls: set[str], box: str
) -> EventRecord | None:
    """The latest-written EST/PLN arrival of ``box`` at the leg's destination."""
    found = [
        e
        for e in events
        if e.classifier in FORECASTS
        and e.location == leg.destination
        and _on_mode(e, leg)
        and (
            (e.equipment_reference == box and e.code in ARRIVALS)
            or (not e.is_equipment and e.code == "ARRI" and e.transport_call_id in calls)
        )
    ]
    return max(found, key=lambda e: (e.created_at, e.pk)) if found else None


@dataclass
class _Box:
    """One container's progress over the legs."""

    departed: list[dt.datetime | None]
    arrived: list[dt.datetime | None]
    estimated: list[dt.datetime | None]
    events: list[list[EventRecord]]


def _progress_of(events: Sequence[EventRecord], legs: Sequence[PlannedLeg], box: str) -> _Box:
    n = len(legs)
    out = _Box([None] * n, [None] * n, [None] * n, [[] for _ in range(n)])
    for event in events:
        if event.equipment_reference != box or event.classifier != ACTUAL:
            continue
        matched = _leg_of(event, legs)
        if matched is None:
            continue
        index, which = matched
        out.events[index].append(event)
        if which == "departure" and out.departed[index] is None:
            out.departed[index] = event.at  # the first time it left
        if which == "arrival":
            out.arrived[index] = event.at  # the last report of arriving (events are in order)
    for index, leg in enumerate(legs):
        if out.arrived[index] is None:
            estimate = _estimate(events, leg, _calls_to(events, box, leg.destination), box)
            out.estimated[index] = estimate.at if estimate is not None else None
    return out


def _position(
    events: Sequence[EventRecord], legs: Sequence[PlannedLeg], box: str
) -> Position | None:
    actual = [e for e in events if e.equipment_reference == box and e.classifier == ACTUAL]
    if not actual:
        return None
    last = actual[-1]
    matched = _leg_of(last, legs)
    return Position(box, last.location, last.code, last.at, matched[0] if matched else None)


def _merge(leg: PlannedLeg, index: int, boxes: list[_Box]) -> LegProgress:
    """A leg over all containers: departed when the first left, arrived when the last did,
    estimated by the latest estimate of those not there yet."""
    progress = LegProgress(leg)
    departed = [d for b in boxes if (d := b.departed[index]) is not None]
    progress.departed_at = min(departed) if departed else None
    arrived = [b.arrived[index] for b in boxes]
    if boxes and all(a is not None for a in arrived):
        progress.arrived_at = max(a for a in arrived if a is not None)
    else:
        estimates = [d for b in boxes if (d := b.estimated[index]) is not None]
        progress.estimated_arrival = max(estimates) if estimates else None
    progress.events = sorted(
        (e for b in boxes for e in b.events[index]), key=lambda e: (e.at, e.created_at, e.pk)
    )
    return progress


def assemble(
    events: Iterable[EventRecord],
    *,
    legs: Sequence[PlannedLeg],
    containers: Sequence[str],
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Timeline:
    """The timeline of an order with these ``legs`` and ``containers`` from the events of its
    containers and their transport calls, inside the window [start, end]."""
    kept = effective(events, start=start, end=end)
    boxes = [_progress_of(kept, legs, box) for box in containers]
    progress = [_merge(leg, i, boxes) for i, leg in enumerate(legs)]
    positions = [p for box in containers if (p := _position(kept, legs, box)) is not None]
    eta, source = None, "none"
    if progress:
        final = progress[-1]
        if final.arrived_at is not None:
            eta, source = final.arrived_at, "actual"
        elif final.estimated_arrival is not None:
            eta, source = final.estimated_arrival, "estimate"
        else:
            eta, source = final.leg.planned_arrival, "plan"
    return Timeline(legs=progress, positions=positions, eta=eta, eta_source=source, events=kept)


@dataclass(frozen=True)
class Dwell:
    equipment_reference: str
    location: str
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: still there

    def length(self, now: dt.datetime) -> dt.timedelta:
        return (self.ended_at or now) - self.started_at


def dwells(events: Iterable[EventRecord]) -> list[Dwell]:
    """Each container's stays: from an actual arrival (DISC, GTIN) at a location to the next
    actual departure (LOAD, GTOT) from it. Pass ``effective`` events (in order)."""
    open_at: dict[tuple[str, str], dt.datetime] = {}
    out: list[Dwell] = []
    for e in events:
        if e.classifier != ACTUAL or e.equipment_reference is None or e.location is None:
            continue
        key = (e.equipment_reference, e.location)
        if e.code in ARRIVALS and key not in open_at:
            open_at[key] = e.at
        elif e.code in DEPARTURES and key in open_at:
            out.append(Dwell(key[0], key[1], open_at.pop(key), e.at))
    out.extend(Dwell(box, where, since, None) for (box, where), since in open_at.items())
    return sorted(out, key=lambda d: (d.started_at, d.equipment_reference, d.location))
