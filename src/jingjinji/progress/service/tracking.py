"""Progress: per indicator and jurisdiction, the latest value, its changes and its status
(``kernels.assess``), and the status counts rolled up by area, jurisdiction and commitment."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from jingjinji.progress import kernels
from jingjinji.progress.models import Indicator, IndicatorValue, Target
from jingjinji.progress.schemas import (
    AREAS,
    COMMITMENT_STATUSES,
    CommitmentOut,
    CommitmentTally,
    ProgressRow,
    Rollups,
    StatusTally,
)
from jingjinji.progress.service.commitments import commitment_out, list_commitments
from jingjinji.progress.service.indicators import get_indicator
from jingjinji.progress.service.inputs import check_area
from jingjinji.regions import service as regions

# The year pages and reports show when none is asked for and no value is stored yet.
FALLBACK_YEAR = 2021


@dataclass
class _Series:
    indicator: Indicator
    jurisdiction: str
    points: list[tuple[kernels.Period, float]] = field(default_factory=list)
    target: Target | None = None


def progress_rows(
    session: Session,
    *,
    year: int | None = None,
    jurisdiction: str | None = None,
    area: str | None = None,
    indicator: str | None = None,
    base_year: int | None = None,
) -> list[ProgressRow]:
    """Per indicator and jurisdiction: latest value up to ``year``, change on the previous
    stored period and on the base, and the status (kernels.assess). ``jurisdiction`` includes
    the jurisdictions below it. Base: ``base_year`` if a value exists in it, else the target's
    base year, else the earliest value."""
    if area is not None:
        check_area(area, ["query", "area"])
    stmt = select(IndicatorValue).options(selectinload(IndicatorValue.indicator))
    tstmt = select(Target).options(selectinload(Target.indicator))
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        codes = regions.descendants(session, code=jurisdiction)
        stmt = stmt.where(IndicatorValue.jurisdiction_code.in_(codes))
        tstmt = tstmt.where(Target.jurisdiction_code.in_(codes))
    if year is not None:
        stmt = stmt.where(IndicatorValue.year <= year)
    if indicator:
        ind = get_indicator(session, code=indicator)
        stmt = stmt.where(IndicatorValue.indicator_id == ind.id)
        tstmt = tstmt.where(Target.indicator_id == ind.id)
    series: dict[tuple[int, str], _Series] = {}
    for v in session.scalars(stmt):
        if area and v.indicator.area != area:
            continue
        s = series.setdefault(
            (v.indicator_id, v.jurisdiction_code), _Series(v.indicator, v.jurisdiction_code)
        )
        s.points.append((kernels.parse_period(v.period, v.indicator.period_type), v.value))
    for t in session.scalars(tstmt):
        if area and t.indicator.area != area:
            continue
        s = series.setdefault(
            (t.indicator_id, t.jurisdiction_code), _Series(t.indicator, t.jurisdiction_code)
        )
        s.target = t
    rows = [_progress_row(s, base_year) for s in series.values()]
    rows.sort(
        key=lambda r: (
            AREAS.index(r.area) if r.area in AREAS else 99,
            r.indicator_code,
            r.jurisdiction_code,
        )
    )
    return rows


Point = tuple[kernels.Period, float]


def _base_point(s: _Series, points: list[Point], base_year: int | None) -> Point | None:
    """The point changes are measured from: in ``base_year``, else in the target's base year,
    else the earliest; never the latest point itself when there are others."""
    wanted = (
        base_year
        if base_year is not None
        else (s.target.base_year if s.target is not None else None)
    )
    base = next(
        (p for p in points if wanted is not None and p[0].year == wanted),
        points[0] if points else None,
    )
    if base is not None and points and base[0] >= points[-1][0] and len(points) > 1:
        base = points[0]
    return base


def _progress_row(s: _Series, base_year: int | None) -> ProgressRow:
    ind = s.indicator
    kind = kernels.PeriodType(ind.period_type)
    points = sorted(s.points)
    latest = points[-1] if points else None
    previous = points[-2] if len(points) >= 2 else None
    base = _base_point(s, points, base_year)
    target = (
        (s.target.target_value, kernels.target_time(kind, s.target.target_year))
        if s.target is not None
        else None
    )
    result = kernels.assess(
        [(p.time, v) for p, v in points],
        ind.direction,
        target=target,
        base_time=base[0].time if base else None,
    )
    ch_prev = kernels.change(previous[1], latest[1]) if previous and latest else None
    ch_base = (
        kernels.change(base[1], latest[1])
        if base is not None and latest is not None and base[0] != latest[0]
        else None
    )
    return ProgressRow(
        indicator_code=ind.code,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        unit=ind.unit,
        direction=ind.direction,
        area=ind.area,
        jurisdiction_code=s.jurisdiction,
        latest_period=str(latest[0]) if latest else None,
        latest_value=latest[1] if latest else None,
        previous_period=str(previous[0]) if previous else None,
        previous_value=previous[1] if previous else None,
        change_previous_abs=ch_prev.absolute if ch_prev else None,
        change_previous_pct=ch_prev.percent if ch_prev else None,
        base_period=str(base[0]) if base and ch_base else None,
        base_value=base[1] if base and ch_base else None,
        change_base_abs=ch_base.absolute if ch_base else None,
        change_base_pct=ch_base.percent if ch_base else None,
        target_value=s.target.target_value if s.target else None,
        target_year=s.target.target_year if s.target else None,
        status=result.status.value,
        method=result.method,
        ratio=_finite(result.ratio),
        achieved_rate=_finite(result.achieved_rate),
        required_rate=_finite(result.required_rate),
        values=len(points),
    )


def _finite(x: float | None) -> float | None:
    """JSON has no infinities or NaN: such a rate or ratio is reported as missing."""
    return x if x is not None and math.isfinite(x) else None


def series_of(session: Session, *, indicator: str, jurisdiction: str) -> list[IndicatorValue]:
    ind = get_indicator(session, code=indicator)
    return list(
        session.scalars(
            select(IndicatorValue)
            .where(
                IndicatorValue.indicator_id == ind.id,
                IndicatorValue.jurisdiction_code == jurisdiction,
            )
            .order_by(IndicatorValue.period_ordinal)
        )
    )


def latest_year(session: Session) -> int:
    """The latest year with a stored value (:data:`FALLBACK_YEAR` when none is stored)."""
    year = session.scalar(select(func.max(IndicatorValue.year)))
    return int(year) if year is not None else FALLBACK_YEAR


# ---------------------------------------------------------------- roll-ups


def _empty_tally() -> StatusTally:
    return StatusTally(
        indicators=dict.fromkeys(kernels.STATUSES_BEST_FIRST, 0),
        commitments=dict.fromkeys(COMMITMENT_STATUSES, 0),
    )


def _commitment_tally(
    descendants: Callable[[str], set[str]],
    c: CommitmentOut,
    rows_by_indicator: dict[str, list[ProgressRow]],
) -> CommitmentTally:
    """The statuses of a commitment's linked indicators in the jurisdictions it involves."""
    involved: set[str] = set()
    for code in [c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes]:
        involved |= descendants(code)
    counts = dict.fromkeys(kernels.STATUSES_BEST_FIRST, 0)
    for code in c.indicator_codes:
        for r in rows_by_indicator.get(code, []):
            if r.jurisdiction_code in involved:
                counts[r.status] += 1
    return CommitmentTally(status=c.status, area=c.area, indicators=counts)


def rollups(
    session: Session,
    *,
    year: int | None = None,
    jurisdiction: str | None = None,
    per_commitment: bool = True,
) -> Rollups:
    """Status counts per area, per jurisdiction and per commitment.

    Areas and jurisdictions count both indicator statuses and commitment statuses; a
    commitment's row counts the statuses of its linked indicators in the jurisdictions it
    involves (lead, supporting, and those below them). ``per_commitment=False`` leaves the
    per-commitment rows out (the dashboard shows none; it saves the region tree's query)."""
    rows = progress_rows(session, year=year, jurisdiction=jurisdiction)
    commitments = [
        commitment_out(session, c) for c in list_commitments(session, jurisdiction=jurisdiction)
    ]
    by_commitment: dict[str, CommitmentTally] = {}
    if per_commitment:
        tree = regions.hierarchy(session)
        descendants = functools.cache(tree.descendants)
    by_area = {a: _empty_tally() for a in AREAS}
    by_jurisdiction: dict[str, StatusTally] = defaultdict(_empty_tally)
    rows_by_indicator: dict[str, list[ProgressRow]] = defaultdict(list)
    for r in rows:
        by_area[r.area].indicators[r.status] += 1
        by_jurisdiction[r.jurisdiction_code].indicators[r.status] += 1
        rows_by_indicator[r.indicator_code].append(r)
    for c in commitments:
        by_area[c.area].commitments[c.status] += 1
        for code in dict.fromkeys([c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes]):
            by_jurisdiction[code].commitments[c.status] += 1
    if per_commitment:
        by_commitment = {
            c.code: _commitment_tally(descendants, c, rows_by_indicator) for c in commitments
        }
    return Rollups(
        year=year,
        jurisdiction=jurisdiction,
        by_area=by_area,
        by_jurisdiction=dict(sorted(by_jurisdiction.items())),
        by_commitment=by_commitment,
        totals=StatusTally(
            indicators=kernels.status_counts([r.status for r in rows]),
            commitments={
                s: sum(1 for c in commitments if c.status == s) for s in COMMITMENT_STATUSES
            },
        ),
    )
