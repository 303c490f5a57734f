"""Building transport orders and their events through the services, for the order tests."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.ports import service
from jingjinji.ports.schemas.orders import OrderIn
from jingjinji.security import Actor

BOX = "BHFU1234567"
SECOND_BOX = "TJPU7654321"
_ids = itertools.count(1)


def sea_feeder_rail(reference: str = "JJJ-ORDER-1", **extra: Any) -> dict[str, Any]:
    """A sea leg into Tianjin Xingang, a feeder to Huanghua, a rail leg to Shijiazhuang."""
    body: dict[str, Any] = {
        "reference": reference,
        "containers": [BOX],
        "legs": [
            {"mode": "vessel", "origin": "KRPUS", "destination": "CNTXG", "carrier": "COS",
             "planned_departure": "2026-09-01T00:00:00+08:00",
             "planned_arrival": "2026-09-03T00:00:00+08:00"},
            {"mode": "feeder", "origin": "CNTXG", "destination": "CNHHA", "carrier": "BHF",
             "planned_departure": "2026-09-04T00:00:00+08:00",
             "planned_arrival": "2026-09-04T12:00:00+08:00"},
            {"mode": "rail", "origin": "CNHHA", "destination": "CNSJW", "carrier": "CR",
             "planned_departure": "2026-09-06T00:00:00+08:00",
             "planned_arrival": "2026-09-06T20:00:00+08:00"},
        ],
    }  # fmt: skip
    body.update(extra)
    return body


def make_order(session_factory: sessionmaker[Session], actor: Actor, body: dict[str, Any]) -> int:
    with session_factory() as session:
        view = service.create_order(session, actor=actor, data=OrderIn.model_validate(body))
        session.commit()
        return view.order.id


def box_event(
    code: str, at: str, locode: str, *, mode: str = "VESSEL", box: str = BOX,
    classifier: str = "ACT", call: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An EQUIPMENT event of ``box`` at ``locode`` on a transport of ``mode``."""
    transport: dict[str, Any] = {
        "transportCallID": call or f"call-{locode}-{mode}",
        "UNLocationCode": locode,
        "modeOfTransport": mode,
    }
    if mode == "VESSEL":
        transport["vessel"] = {"vesselIMONumber": "9321483", "vesselName": "King of the Seas"}
    return {
        "eventID": str(uuid.UUID(int=next(_ids) + (1 << 100), version=4)),
        "eventType": "EQUIPMENT",
        "eventClassifierCode": classifier,
        "eventCreatedDateTime": at,
        "eventDateTime": at,
        "equipmentEventTypeCode": code,
        "equipmentReference": box,
        "emptyIndicatorCode": "LADEN",
        "eventLocation": {"UNLocationCode": locode},
        "transportCall": transport,
    }


def record(session_factory: sessionmaker[Session], actor: Actor, *payloads: dict[str, Any]) -> None:
    with session_factory() as session:
        events, raw = service.parse_events(list(payloads))
        service.record_events(session, actor=actor, events=events, payloads=raw)
        session.commit()
