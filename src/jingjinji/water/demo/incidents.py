"""Water demo: a planted pollution event at Dongdian (Ju River, Beijing -> Hebei), synthetic.

The latest automatic reading at Dongdian shows ammonia nitrogen and total phosphorus far above
the section's target, as a discharge upstream would. It is stored as a batch of its own through
the samples service, whose ingestion runs the incident detection on that batch. The reading is
worse than class V against a class IV target and several times the 30-day median, so one
serious incident opens (target exceeded, with the jump in its detail), notifying Hebei
(monitoring), Beijing (upstream: trace the source), Tianjin (downstream, where the Ju reaches
the sea through the Jiyun River) and the coordination office. It is left open for the
walk-through: nobody has acknowledged it yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water.models import Incident, IncidentStatus, SampleKind, SampleOrigin
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service import incidents as incidents_service
from jingjinji.water.service import samples as samples_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SECTION = "JJJ-W-001"
#: The reading (mg/L): both items worse than class V.
EVENT: dict[str, tuple[float, ...]] = {"nh3n": (4.6,), "tp": (0.52,)}
EVENT_SOURCE = "synthetic demo event: a discharge upstream of Dongdian (made up, not measured)"


def event_times(automatic: list[dt.datetime]) -> list[dt.datetime]:
    """The automatic reading times the event takes (the latest ones)."""
    return automatic[-len(EVENT["nh3n"]) :]


def event_keys(automatic: list[dt.datetime]) -> frozenset[tuple[dt.datetime, str]]:
    """The (time, item) pairs the synthetic series leaves to the event."""
    return frozenset((t, item) for t in event_times(automatic) for item in EVENT)


def load(session: Session, automatic: list[dt.datetime]) -> list[Incident]:
    """Store the event's reading (its ingestion runs the detection) and return the incidents
    open at the section. A demo clock in the past puts the reading outside the detection's
    window of recent samples: the detection then runs here on the batch explicitly."""
    rows = [
        SampleIn(
            section_code=SECTION,
            sampled_at=moment,
            kind=SampleKind.AUTOMATIC,
            item=item,
            value=values[i],
            origin=SampleOrigin.SYNTHETIC,
        )
        for item, values in EVENT.items()
        for i, moment in enumerate(event_times(automatic))
    ]
    ingestion = samples_service.record_samples(
        session, actor=SYSTEM_ACTOR, rows=rows, channel="demo", source=EVENT_SOURCE
    )
    incidents_service.detect_after_ingestion(session, ingestion_id=ingestion.id)
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.section_code == SECTION, Incident.status != IncidentStatus.CLOSED)
            .order_by(Incident.id)
        )
    )
