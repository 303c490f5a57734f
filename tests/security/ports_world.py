"""The ports domain's objects under attack and its writes: a DCSA event subscription of the
Beijing ecology bureau (only its own organisation reads, changes or deletes it), one of the
office (the target of the management pages' forged forms) and the intake
of an event or an EDIFACT file at a port no persona operates (only the office may record it),
and a transport order of the Beijing ecology bureau (its steward or the office)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.ports import service
from jingjinji.ports.schemas.subscriptions import SubscriptionBody
from tests.conftest import People
from tests.ports.orders_support import sea_feeder_rail

if TYPE_CHECKING:
    from tests.security.operations import Write
    from tests.security.support import World

SECRET = base64.b64encode(b"s" * 32).decode()
SUBSCRIPTION = "/ports/dcsa/v2/event-subscriptions/{ports_subscription}"
# A Tianjin Xingang gate-in file (synthetic sample shipped with the ports domain).
GATE_IN = Path(__file__).parents[2] / "src/jingjinji/ports/data/edifact/codeco_gatein_cntxg.edi"


def ports_objects(factory: sessionmaker[Session], people: People) -> dict[str, Any]:
    with factory() as session:
        row = service.create_subscription(
            session,
            actor=people["bj-env"],
            body=SubscriptionBody(callbackUrl="https://receiver.example/dcsa"),
            secret=SECRET,
        )
        # The office's own, for its management forms (tests/security/test_csrf_forgery.py).
        office_row = service.create_subscription(
            session,
            actor=people["office"],
            body=SubscriptionBody(callbackUrl="https://receiver.example/office"),
            secret=SECRET,
        )
        session.commit()
        return {
            "ports_subscription": str(row.subscription_id),
            "ports_office_subscription": str(office_row.subscription_id),
        }


def _event() -> dict[str, Any]:
    moment = "2026-09-01T10:00:00+08:00"
    return {
        "eventID": str(uuid.uuid4()),
        "eventType": "EQUIPMENT",
        "eventClassifierCode": "ACT",
        "eventCreatedDateTime": moment,
        "eventDateTime": moment,
        "equipmentEventTypeCode": "GTIN",
        "equipmentReference": "CSQU3054383",
        "emptyIndicatorCode": "LADEN",
        "eventLocation": {"UNLocationCode": "CNTXG"},
        "transportCall": {
            "transportCallID": "call-security",
            "UNLocationCode": "CNTXG",
            "modeOfTransport": "VESSEL",
        },
    }


def ports_writes(world: World) -> list[Write]:
    from tests.security.operations import Write

    body = {"callbackUrl": "https://receiver.example/other", "eventType": ["EQUIPMENT"]}
    return [
        Write("POST", "/ports/events", _event()),
        Write("POST", "/ports/edifact", content=(GATE_IN.read_bytes(), "application/edifact")),
        # An order of the Beijing ecology bureau: its own steward or the office records it.
        Write(
            "POST",
            "/ports/orders",
            sea_feeder_rail(
                "SEC-ORDER-1", owner_organisation_id=world.people.organisations["bj_env"]
            ),
        ),
        Write(
            "POST",
            "/ports/dcsa/v2/event-subscriptions",
            {"callbackUrl": "https://receiver.example/new", "secret": SECRET},
        ),
        Write("PUT", SUBSCRIPTION, body),
        Write("PUT", SUBSCRIPTION + "/secret", {"secret": SECRET}),
        Write("DELETE", SUBSCRIPTION),  # last: it removes the subscription
    ]


def ports_reads() -> list[str]:
    return ["/ports/dcsa/v2/event-subscriptions/{ports_subscription}"]
