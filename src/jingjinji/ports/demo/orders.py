"""Demo transport orders over the season's containers (SYNTHETIC, as the season is): a sea leg
into Tianjin Xingang, a Bohai feeder to Huanghua or Caofeidian, and a rail leg to the
Shijiazhuang dry port or a truck leg to Xiong'an. The plans are the season's schedule as a
forwarder would have booked it; the events then run early or late against them. After the
orders, the dwell check runs as of the season's end, so that a container that stayed over the
threshold at a Hebei port shows its notice."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from jingjinji.ports import service
from jingjinji.ports.demo import season
from jingjinji.ports.schemas.orders import OrderIn
from jingjinji.security import SYSTEM_ACTOR

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# (reference, season week, container numbers of that week, feeder port, last leg)
ORDERS: tuple[tuple[str, int, tuple[int, ...], str, tuple[str, str]], ...] = (
    ("BHF-DEMO-0101", 1, (0, 2), "CNHHA", ("rail", "CNSJW")),
    ("BHF-DEMO-0102", 2, (1,), "CNCFD", ("truck", "CNXAN")),
    ("BHF-DEMO-0103", 5, (0, 2, 4), "CNHHA", ("rail", "CNSJW")),
)


def _leg(mode: str, origin: str, to: str, carrier: str, start: dt.datetime, hours: float,
         length: float) -> dict[str, Any]:  # fmt: skip
    departure = start + dt.timedelta(hours=hours)
    return {
        "mode": mode,
        "origin": origin,
        "destination": to,
        "carrier": carrier,
        "planned_departure": departure.isoformat(),
        "planned_arrival": (departure + dt.timedelta(hours=length)).isoformat(),
    }


def order_bodies(made: season.Season, orgs: dict[str, int]) -> list[dict[str, Any]]:
    bodies = []
    for reference, week, numbers, port, (mode, inland) in ORDERS:
        start = season.FIRST_DAY + dt.timedelta(days=7 * week)
        boxes = [made.containers[week * season.BOXES_PER_CALL + n] for n in numbers]
        writer = "he_hha" if port == "CNHHA" else "he_cfd"
        parties = [orgs["tj_port"], orgs[writer]] + ([orgs["he_sjz"]] if inland == "CNSJW" else [])
        bodies.append(
            {
                "reference": reference,
                "owner_organisation_id": orgs["carrier"],
                "party_organisation_ids": parties,
                "containers": boxes,
                "legs": [
                    _leg("vessel", "KRPUS", "CNTXG", "COS", start, -60, 72),
                    _leg("feeder", "CNTXG", port, "BHF", start, 48, 10),
                    _leg(mode, port, inland, "CR" if mode == "rail" else "", start, 96, 16),
                ],
            }
        )
    return bodies


def load(session: Session, made: season.Season, orgs: dict[str, int]) -> dict[str, int]:
    """Record the demo orders, then check dwells as of the season's end; returns counts."""
    for body in order_bodies(made, orgs):
        service.create_order(session, actor=SYSTEM_ACTOR, data=OrderIn.model_validate(body))
    end = season.FIRST_DAY + dt.timedelta(days=7 * season.WEEKS)
    notices = service.check_dwells(session, now=end.astimezone(dt.UTC))
    return {"orders": len(ORDERS), "dwell_notices": len(notices)}
