"""The ports domain's public API: reference data, event intake (``record_events``, the entry
point of the JSON API and of the EDIFACT mapping) and the DCSA event queries.

Modules by topic: ``reference`` (locations, carriers, who operates what), ``intake`` (parsing
and recording DCSA events), ``query`` (visibility and ``GET /v2/events``).
"""

from __future__ import annotations

from jingjinji.ports.service.intake import IntakeResult, parse_events, record_events
from jingjinji.ports.service.query import get_event, list_events
from jingjinji.ports.service.reference import (
    list_locations,
    locations_of,
    register_carrier,
    register_location,
)

__all__ = [
    "IntakeResult",
    "get_event",
    "list_events",
    "list_locations",
    "locations_of",
    "parse_events",
    "record_events",
    "register_carrier",
    "register_location",
]
