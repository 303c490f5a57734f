"""Water demo: a planted pollution event at Dongdian (Ju River, Beijing -> Hebei), synthetic.

The latest automatic reading at Dongdian shows ammonia nitrogen and total phosphorus far above
the section's target, as a discharge upstream would. It is stored as a batch of its own through
the samples service, and the incident detection runs on that batch. The reading is worse than
class V against a class IV target and several times the 30-day median, so two incidents open
(one per trigger: target exceeded and jump, both serious), each notifying Hebei (monitoring),
Beijing (upstream: trace the source), Tianjin (downstream, where the Ju reaches the sea through
the Jiyun River) and the coordination office. They are left open for the walk-through: nobody
has acknowledged them yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water.models import SampleKind, SampleOrigin
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service import incidents as incidents_service
from jingjinji.water.service import samples as samples_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.water.models import Incident

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
    """Store the event's reading and run the detection on them; return the incidents opened."""
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
    return incidents_service.detect_after_ingestion(session, ingestion_id=ingestion.id)
