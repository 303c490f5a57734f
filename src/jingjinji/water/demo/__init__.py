"""Demo data of the water domain: the real cross-border sections of the three jurisdictions
(approximate positions), synthetic targets and samples labelled ``synthetic``, the figures
published by Langfang for January 2017 (``published``) and a planted incident left open.

``load(session, ctx, since_year=...)`` loads it all; ``since_year`` shortens the synthetic
monthly series (tests use it; the published 2017 figures are always stored). The sections,
the incident and the loading time are handed on in ``ctx.values["water_demo"]``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from jingjinji.db import utcnow
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water.demo import incidents, samples, sections
from jingjinji.water.service import samples as samples_service
from jingjinji.water.service import sections as sections_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

#: Rows per ``record_samples`` call (one section's series is a few thousand rows).
BATCH_ROWS = 20_000


def _store(session: Session, rows: list[Any], source: str) -> int:
    stored = 0
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = rows[start : start + BATCH_ROWS]
        ingestion = samples_service.record_samples(
            session, actor=SYSTEM_ACTOR, rows=chunk, channel="demo", source=source
        )
        stored += ingestion.inserted + ingestion.updated
    return stored


def load(
    session: Session,
    ctx: DemoContext,
    *,
    since_year: int = samples.FIRST_YEAR,
    now: dt.datetime | None = None,
) -> None:
    started = time.perf_counter()
    now = now or utcnow()
    network = sections.load(session, ctx.values["organisations"])
    year = now.year
    targets = sections_service.targets_for(session, year=year)
    automatic = samples.automatic_times(now)
    left_out = {incidents.SECTION: incidents.event_keys(automatic)}
    for code, keys in ((c, samples.published_keys(c)) for c in {p[0] for p in samples.PUBLISHED}):
        left_out[code] = left_out.get(code, frozenset()) | keys
    rows: list[Any] = []
    for series in samples.synthetic_series(
        network, targets=targets, now=now, since_year=since_year
    ):
        rows.extend(series.rows(left_out.get(series.section_code, frozenset())))
    stored = _store(session, rows, samples.SYNTHETIC_SOURCE)
    stored += _store(session, samples.published_rows(), samples.PUBLISHED_SOURCE)
    opened = incidents.load(session, automatic)
    elapsed = time.perf_counter() - started
    ctx.values["water_demo"] = {
        "sections": [s.code for s in network],
        "samples": stored,
        "incidents": [i.id for i in opened],
        "seconds": round(elapsed, 1),
    }
    if ctx.console is not None:
        ctx.console.print(
            f"demo: water {len(network)} sections, {stored:,} samples (synthetic except the "
            f"published Langfang figures), {len(opened)} incident(s) opened"
        )
