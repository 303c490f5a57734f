"""Which step an incident takes in which status, in one place.

``open -> consultation -> response -> closed``: the office opens the consultation and concludes
it (the response follows); acknowledging, joint sampling and measures go on in any status
before closure; closure is possible from any open status (a false alarm closes at once, with a
report saying so).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.water.models import Incident, IncidentStatus

OPEN = IncidentStatus.OPEN.value
CONSULTATION = IncidentStatus.CONSULTATION.value
RESPONSE = IncidentStatus.RESPONSE.value
CLOSED = IncidentStatus.CLOSED.value
NOT_CLOSED = frozenset({OPEN, CONSULTATION, RESPONSE})

#: action -> (the statuses it is allowed in, the status it leads to; None: unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (NOT_CLOSED, None),
    "open_consultation": (frozenset({OPEN}), CONSULTATION),
    "answer": (frozenset({CONSULTATION}), None),
    "conclude_consultation": (frozenset({CONSULTATION}), RESPONSE),
    "sampling": (NOT_CLOSED, None),
    "measure": (NOT_CLOSED, None),
    "close": (NOT_CLOSED, CLOSED),
}


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]


def move(session: Session, *, actor: Actor, incident: Incident, action: str) -> None:
    """Check ``action`` is allowed in the incident's status (an audited 409 if not) and set
    the status it leads to."""
    statuses, target = TRANSITIONS[action]
    if incident.status not in statuses:
        incident_id, status = incident.id, incident.status
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "incident {incident_id} is {status}; {action} is possible only when it is "
                    "{statuses}",
                    incident_id=incident_id,
                    status=status,
                    action=action.replace("_", " "),
                    statuses=" or ".join(sorted(statuses)),
                )
            ),
            actor=actor,
            action=f"water.incident.{action}",
            object_type="water_incident",
            object_id=incident_id,
        )
    if target is not None:
        incident.status = target
