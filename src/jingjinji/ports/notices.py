"""Who hears of a container dwelling too long: the members (stewards) of every party of the
transport order, once per stay (``service.dwell`` keeps the record that makes it once)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.notifications import service as notifications
from jingjinji.notifications.service import Audience, Kind
from jingjinji.ports.kernels.timeline import Dwell
from jingjinji.ports.models import Location, Order


def dwell_exceeded(
    session: Session,
    *,
    order: Order,
    parties: list[int],
    dwell: Dwell,
    hours: int,
    threshold: int,
    location: Location | None,
) -> None:
    notifications.notify(
        session,
        kind=Kind.DWELL_EXCEEDED,
        audience=Audience(organisation_ids=tuple(parties)),
        params={
            "order": order.reference,
            "container": dwell.equipment_reference,
            "location": dwell.location,
            "location_title_zh": location.name_zh if location else None,
            "location_title_en": location.name_en if location else None,
            "hours": threshold,
            "stayed": hours,
            "threshold": threshold,
            "since": dwell.started_at.isoformat(),
        },
        link=f"/ports/orders/{order.id}",
        dedupe_key=(
            f"dwell:{order.id}:{dwell.equipment_reference}:{dwell.location}:"
            f"{dwell.started_at.isoformat()}"
        ),
    )
