"""The ports domain's public API: reference data, event intake (``record_events``, the entry
point of the JSON API and of the EDIFACT mapping) and the DCSA event queries.

Modules by topic: ``reference`` (locations, carriers, who operates what), ``intake`` (parsing
and recording DCSA events), ``query`` (visibility and ``GET /v2/events``), ``orders``
(transport orders and their timelines), ``dwell`` (dwell notices, a periodic job).
"""

from __future__ import annotations

from jingjinji.ports.service.dwell import check_dwells, dwell_notices
from jingjinji.ports.service.intake import IntakeResult, parse_events, record_events
from jingjinji.ports.service.orders import (
    OrderView,
    container_events,
    create_order,
    get_order,
    list_orders,
    order_timeline,
    orders_of_container,
    timeline_of,
)
from jingjinji.ports.service.query import get_event, list_events
from jingjinji.ports.service.reference import (
    list_locations,
    locations_of,
    register_carrier,
    register_location,
)

__all__ = [
    "IntakeResult",
    "OrderView",
    "check_dwells",
    "container_events",
    "create_order",
    "dwell_notices",
    "get_event",
    "get_order",
    "list_events",
    "list_locations",
    "list_orders",
    "locations_of",
    "order_timeline",
    "orders_of_container",
    "parse_events",
    "record_events",
    "register_carrier",
    "register_location",
    "timeline_of",
]
