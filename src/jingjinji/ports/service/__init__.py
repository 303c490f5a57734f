"""The ports domain's public API: reference data, event intake (``record_events``, the entry
point of the JSON API and of the EDIFACT mapping) and the DCSA event queries.

Modules by topic: ``reference`` (locations, carriers, who operates what), ``intake`` (parsing
and recording DCSA events), ``edifact`` (CODECO/COARRI interchanges recorded as events),
``query`` (visibility and ``GET /v2/events``), ``subscriptions`` (DCSA event subscriptions and
the deliveries events make for them), ``callbacks`` (the job that sends them, signed),
``subscription_admin`` (the management pages' side: delivery health, pause, secrets made here,
the demo receiver), ``orders`` (transport orders and their timelines), ``dwell`` (dwell
notices, a periodic job), ``submissions`` (EDIFACT interchanges taken in by a background job),
``indicators`` (the port indicators, stored and refreshed by a job) and ``indicator_months``
(the months intake marks stale and the months they reach).
"""

from __future__ import annotations

from jingjinji.ports.service import callbacks, subscription_admin
from jingjinji.ports.service.dwell import check_dwells, dwell_notices
from jingjinji.ports.service.edifact import EdifactIntake, record_edifact
from jingjinji.ports.service.indicators import refresh as refresh_indicators
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
from jingjinji.ports.service.query import get_event, list_event_documents, list_events
from jingjinji.ports.service.reference import (
    list_locations,
    locations_of,
    register_carrier,
    register_location,
)
from jingjinji.ports.service.submissions import (
    EDIFACT_JOB,
    get_submission,
    job_statuses,
    list_submissions,
    may_submit,
    run_submission,
    shown_status,
    submission_events,
    submit_edifact,
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
    "EDIFACT_JOB",
    "EdifactIntake",
    "IntakeResult",
    "OrderView",
    "callbacks",
    "check_dwells",
    "container_events",
    "create_order",
    "create_subscription",
    "delete_subscription",
    "dwell_notices",
    "get_event",
    "get_order",
    "get_submission",
    "get_subscription",
    "job_statuses",
    "list_event_documents",
    "list_events",
    "list_locations",
    "list_orders",
    "list_submissions",
    "list_subscriptions",
    "locations_of",
    "may_submit",
    "order_timeline",
    "orders_of_container",
    "parse_events",
    "record_edifact",
    "record_events",
    "refresh_indicators",
    "register_carrier",
    "register_location",
    "reset_secret",
    "run_submission",
    "shown_status",
    "submission_events",
    "submit_edifact",
    "subscription_admin",
    "timeline_of",
    "update_subscription",
]
