"""The ports domain's public API: reference data, event intake (``record_events``, the entry
point of the JSON API and of the EDIFACT mapping) and the DCSA event queries.

Modules by topic: ``reference`` (locations, carriers, who operates what), ``intake`` (parsing
and recording DCSA events), ``query`` (visibility and ``GET /v2/events``), ``subscriptions``
(DCSA event subscriptions and the deliveries events make for them) and ``callbacks`` (the job
that sends them, signed).
"""

from __future__ import annotations

from jingjinji.ports.service import callbacks
from jingjinji.ports.service.intake import IntakeResult, parse_events, record_events
from jingjinji.ports.service.query import get_event, list_events
from jingjinji.ports.service.reference import (
    list_locations,
    locations_of,
    register_carrier,
    register_location,
)
from jingjinji.ports.service.subscriptions import (
    create_subscription,
    delete_subscription,
    get_subscription,
    list_subscriptions,
    reset_secret,
    update_subscription,
)

__all__ = [
    "IntakeResult",
    "callbacks",
    "create_subscription",
    "delete_subscription",
    "get_event",
    "get_subscription",
    "list_events",
    "list_locations",
    "list_subscriptions",
    "locations_of",
    "parse_events",
    "record_events",
    "register_carrier",
    "register_location",
    "reset_secret",
    "update_subscription",
]
