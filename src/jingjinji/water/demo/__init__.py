"""Demo data of the water domain: the real cross-border sections of the three jurisdictions
(approximate positions), synthetic targets and samples labelled ``synthetic``, the figures
published by Langfang for January 2017 (``published``) and a planted incident left open.

``load(session, ctx, since_year=...)`` loads it all; ``since_year`` shortens the synthetic
monthly series (tests use it; the published 2017 figures are always stored). The sections,
the incidents and the loading time are handed on in ``ctx.values["water_demo"]``.

``refresh`` runs on every start of the demo: on a database made before the water domain it
loads the water demo; otherwise it extends the synthetic series to today (the months and
4-hour readings since the last start), so the network map shows current readings.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from jingjinji.db import utcnow
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.water import flows
from jingjinji.water.demo import incidents, samples, sections
from jingjinji.water.service import samples as samples_service
from jingjinji.water.service import sections as sections_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

#: The demo organisations that monitor sections, by the key ``sections.json`` uses.
AGENCIES = {"bj_env": "110000", "tj_env": "120000", "he_env": "130000"}
#: An item only the manual samples carry, and one only the automatic stations carry.
MANUAL_MARKER, AUTOMATIC_MARKER = "cod", "conductivity"

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
    datasets = flows.register_datasets(session, actor=SYSTEM_ACTOR)
    published = [
        flows.publish_indicators(session, actor=SYSTEM_ACTOR, year=y)
        for y in range(since_year, year + 1)
    ]
    elapsed = time.perf_counter() - started
    ctx.values["water_demo"] = {
        "sections": [s.code for s in network],
        "samples": stored,
        "incidents": [i.id for i in opened],
        "datasets": datasets,
        "indicator_values": sum(p.stored for p in published),
        "seconds": round(elapsed, 1),
    }
    if ctx.console is not None:
        ctx.console.print(
            f"demo: water {len(network)} sections, {stored:,} samples (synthetic except the "
            f"published Langfang figures), {len(opened)} incident(s) opened"
        )


def _agencies(session: Session, ctx: DemoContext) -> dict[str, int]:
    """The environment agencies by demo key: handed on by the regions loader on a fresh
    database, looked up on a used one."""
    known: dict[str, int] = ctx.values.get("organisations", {})
    if all(key in known for key in AGENCIES):
        return known
    found: dict[str, int] = {}
    for key, code in AGENCIES.items():
        org = regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        if org is not None:
            found[key] = org.id
    return found


def refresh(
    session: Session,
    ctx: DemoContext,
    *,
    now: dt.datetime | None = None,
    since_year: int = samples.FIRST_YEAR,
) -> int:
    """Load the water demo where it is missing (``since_year`` as in :func:`load`), else add
    the synthetic samples due since the last start. Idempotent; returns the samples stored."""
    now = now or utcnow()
    network = sections_service.sections_by_code(
        session, codes=[r["code"] for r in sections.section_records()]
    )
    if not network:
        agencies = _agencies(session, ctx)
        if len(agencies) < len(AGENCIES):
            return 0  # not the demo's organisations: nothing to attach sections to
        ctx.values["organisations"] = {**ctx.values.get("organisations", {}), **agencies}
        load(session, ctx, now=now, since_year=since_year)
        stored: int = ctx.values["water_demo"]["samples"]
        return stored
    ordered = [network[c] for c in sorted(network)]
    latest = samples_service.latest_samples(session, codes=network)
    since = min(
        (v[MANUAL_MARKER][0] for v in latest.values() if MANUAL_MARKER in v),
        default=now - dt.timedelta(days=366),
    )
    targets = sections_service.targets_for(session, year=now.year)
    rows: list[Any] = []
    for series in samples.synthetic_series(
        ordered, targets=targets, now=now, since_year=since.year
    ):
        marker = MANUAL_MARKER if series.kind.value == "manual" else AUTOMATIC_MARKER
        last = latest.get(series.section_code, {}).get(marker)
        stored_before = frozenset(
            (moment, item)
            for moment in series.times
            if last is not None and moment <= last[0]
            for item in series.values
        )
        rows.extend(series.rows(stored_before))
    return _store(session, rows, samples.SYNTHETIC_SOURCE) if rows else 0
