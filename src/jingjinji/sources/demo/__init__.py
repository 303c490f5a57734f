"""Demo data of the pollution-sources domain: the registry of the real data loggers of the
2016-08-24 Hebei recording on synthetic enterprises, plus synthetic enterprises in Beijing,
Tianjin, near the Beijing border and in a cross-jurisdiction park (:mod:`.registry`,
:mod:`.extras`; ``sources/data/README.md`` says what is real, inferred and synthetic).

``load(session, ctx)`` registers it all through the registry services as the system (office)
actor; it is idempotent (the services save by USCC, outlet code and MN) and hands on what it
made in ``ctx.values["sources_demo"]``. ``refresh`` loads it on a database made before the
sources domain. The replay of the recorded day into the database is wired separately.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from jingjinji.security import SYSTEM_ACTOR
from jingjinji.sources import flows
from jingjinji.sources.demo import extras, registry
from jingjinji.sources.models import Logger

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext


def load(session: Session, ctx: DemoContext) -> None:
    started = time.perf_counter()
    made = registry.Registered()
    serial = registry.register_real_loggers(session, made)
    recorded = len(made.loggers)
    extras.register_extras(session, made, serial=serial)
    # The indicator datasets of each province's environment agency and the progress
    # indicators they feed (`jjj sources publish-indicators` fills them once data is stored).
    datasets = flows.register_datasets(session, actor=SYSTEM_ACTOR)
    flows.ensure_indicators(session, actor=SYSTEM_ACTOR)
    session.flush()
    elapsed = time.perf_counter() - started
    ctx.values["sources_demo"] = {
        "loggers": made.loggers,
        "outlets": made.outlets,
        "enterprises": made.enterprises,
        "recorded_loggers": recorded,
        "extras": made.extras,
        "park": extras.PARK_CODE,
        "datasets": datasets,
        "seconds": round(elapsed, 1),
    }
    if ctx.console is not None:
        ctx.console.print(
            f"demo: sources {recorded} recorded loggers on {len(made.enterprises)} synthetic "
            f"enterprises (with {len(made.extras)} extra ones) in {elapsed:.1f}s"
        )


def refresh(session: Session, ctx: DemoContext) -> None:
    """Register the demo registry where it is missing (a database made before this domain)."""
    first = registry.logger_records()["loggers"][0]["mn"]
    if session.scalar(select(Logger.id).where(Logger.mn == first)) is None:
        load(session, ctx)
