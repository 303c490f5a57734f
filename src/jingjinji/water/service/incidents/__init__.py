"""The water-pollution emergency linkage (issue 12): incidents opened by detection after each
sample ingestion or reported by an agency, notices along the river network with deadlines,
signed webhooks, the consultation, joint sampling, measures, closure and escalation.

Modules: ``detection`` (target exceeded, jumps), ``opening`` (notices, deadlines, the
escalation job), ``workflow`` (report, acknowledge, consultation), ``response`` (samplings,
measures, closure), ``escalation``, ``reading`` (lists, detail, waiting notices), ``states``
(the allowed transitions), ``events`` (webhook event types and timeline steps), ``access``
(who sees an incident: others get a 404).
"""

from __future__ import annotations

from jingjinji.water.service.incidents.detection import detect_after_ingestion
from jingjinji.water.service.incidents.escalation import escalate_overdue
from jingjinji.water.service.incidents.events import EVENT_TYPES
from jingjinji.water.service.incidents.opening import ESCALATE_JOB, notice_hours, recipients
from jingjinji.water.service.incidents.reading import (
    WaitingNotice,
    incident_detail,
    list_incidents,
    my_notices,
    open_notice_count,
)
from jingjinji.water.service.incidents.response import (
    close_incident,
    record_measure,
    record_sampling,
)
from jingjinji.water.service.incidents.states import TRANSITIONS
from jingjinji.water.service.incidents.workflow import (
    acknowledge,
    answer,
    conclude_consultation,
    open_consultation,
    report_incident,
)

__all__ = [
    "ESCALATE_JOB",
    "EVENT_TYPES",
    "TRANSITIONS",
    "WaitingNotice",
    "acknowledge",
    "answer",
    "close_incident",
    "conclude_consultation",
    "detect_after_ingestion",
    "escalate_overdue",
    "incident_detail",
    "list_incidents",
    "my_notices",
    "notice_hours",
    "open_consultation",
    "open_notice_count",
    "recipients",
    "record_measure",
    "record_sampling",
    "report_incident",
]
