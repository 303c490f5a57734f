"""Pollution-source indicators in the progress tracker: :func:`publish_indicators` creates
them once and submits a month's values per province and for the region, computed from the
stored data (the value's source says so). Run again, it stores only what changed, as a
correction with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.progress import service as progress
from jingjinji.progress.schemas import IndicatorIn, ValueIn
from jingjinji.security import Actor
from jingjinji.sources.service import indicators

#: code -> (name zh, name en, unit, direction, what is counted)
INDICATORS: dict[str, tuple[str, str, str, str, str]] = {
    "sources.online_rate": (
        "重点污染源自动监控联网率",
        "online rate of the key pollution sources' data loggers",
        "%",
        "higher_is_better",
        "online_rate",
    ),
    "sources.transmission_effectiveness": (
        "重点污染源自动监控数据传输有效率",
        "transmission effectiveness of the key pollution sources' real-time data",
        "%",
        "higher_is_better",
        "effectiveness",
    ),
    "sources.exceedance_events": (
        "重点污染源超标及异常事件数",
        "exceedance events of the key pollution sources",
        "events",
        "lower_is_better",
        "exceedances",
    ),
}


def source_text(month: str) -> str:
    """The source of every computed value: the stored monitoring data, and how."""
    return (
        f"computed from the stored HJ 212 online-monitoring data of the key pollution sources, "
        f"{month} (jingjinji sources domain, docs/sources.md)"
    )


@dataclass(frozen=True)
class PublishedIndicators:
    """What :func:`publish_indicators` did."""

    created: list[str]
    stored: int
    revised: int
    unchanged: int


def ensure_indicators(session: Session, *, actor: Actor | None) -> list[str]:
    """Create the sources indicators that do not exist yet (office administrators)."""
    existing = {i.code for i in progress.list_indicators(session, area="ecology")}
    created = []
    for code, (name_zh, name_en, unit, direction, counted) in INDICATORS.items():
        if code in existing:
            continue
        data = IndicatorIn.model_validate(
            {
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "unit": unit,
                "direction": direction,
                "period_type": "month",
                "area": "ecology",
                "description": f"Computed each month from the online-monitoring data ({counted}); "
                "see docs/sources.md.",
            }
        )
        progress.create_indicator(session, actor=actor, data=data)
        created.append(code)
    return created


def figure(row: indicators.IndicatorRow, counted: str) -> float | None:
    """The indicator value of a computed row: percentages to one decimal, counts as they are."""
    if counted == "exceedances":
        return float(row.exceedance_total)
    share = row.online_rate if counted == "online_rate" else row.effectiveness
    return None if share is None else round(share * 100, 1)


def publish_indicators(session: Session, *, actor: Actor | None, month: str) -> PublishedIndicators:
    """Submit ``month``'s (``YYYY-MM``, China time) values per province and for the region
    (creating the indicators first if need be). A value stored already with the same figure is
    left alone; a different one replaces it as a correction whose note says it was recomputed.
    A jurisdiction without a registered logger gets no value."""
    period = indicators.parse_period("month", month, loc="month")
    created = ensure_indicators(session, actor=actor)
    stored = {
        (v.indicator.code, v.jurisdiction_code): v.value
        for code in INDICATORS
        for v in progress.list_values(session, indicator=code, period_from=month, period_to=month)
    }
    values: list[ValueIn] = []
    unchanged = 0
    for row in indicators.compute(session, period=period):
        if row.level == "city" or row.loggers == 0:
            continue
        for code, (*_, counted) in INDICATORS.items():
            value = figure(row, counted)
            if value is None:
                continue
            previous = stored.get((code, row.code))
            if previous == value:
                unchanged += 1
                continue
            values.append(
                ValueIn(
                    indicator_code=code,
                    jurisdiction_code=row.code,
                    period=month,
                    value=value,
                    source=source_text(month),
                    note=None if previous is None else "recomputed from the stored data",
                )
            )
    if not values:
        return PublishedIndicators(created, 0, 0, unchanged)
    result = progress.submit_values(session, actor=actor, values=values, channel="sources")
    return PublishedIndicators(created, result.stored, result.revised, unchanged)
