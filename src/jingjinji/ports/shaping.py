"""Orders and timelines as output schemas: shared by the API and the pages (neither imports
the other)."""

from __future__ import annotations

from jingjinji.ports.kernels.timeline import Timeline
from jingjinji.ports.schemas.orders import (
    LegOut,
    LegProgressOut,
    OrderOut,
    PositionOut,
    TimelineOut,
)
from jingjinji.ports.service import OrderView


def order_out(view: OrderView) -> OrderOut:
    return OrderOut(
        id=view.order.id,
        reference=view.order.reference,
        owner_organisation_id=view.order.owner_organisation_id,
        party_organisation_ids=view.parties,
        containers=view.containers,
        legs=[LegOut.model_validate(leg) for leg in view.legs],
        created_by=view.order.created_by,
        created_at=view.order.created_at,
    )


def timeline_out(view: OrderView, timeline: Timeline) -> TimelineOut:
    legs = []
    for leg, progress in zip(view.legs, timeline.legs, strict=True):
        delay = progress.delay
        legs.append(
            LegProgressOut(
                **LegOut.model_validate(leg).model_dump(),
                status=progress.status,
                departed_at=progress.departed_at,
                arrived_at=progress.arrived_at,
                estimated_arrival=progress.estimated_arrival,
                delay_hours=round(delay.total_seconds() / 3600, 1) if delay is not None else None,
            )
        )
    return TimelineOut(
        order=order_out(view),
        legs=legs,
        positions=[
            PositionOut(
                equipment_reference=p.equipment_reference,
                un_location_code=p.location,
                event_type_code=p.code,
                at=p.at,
                leg_sequence=p.leg_index + 1 if p.leg_index is not None else None,
            )
            for p in timeline.positions
        ],
        eta=timeline.eta,
        eta_source=timeline.eta_source,
        events=len(timeline.events),
    )
