"""The daily job: issue forecasts for every city with data, then propose one regional warning
for the cities whose observed-plus-forecast series reaches a level of their criteria.

It runs as the periodic job ``warnings.issue_forecasts`` (registered when the domain's
``jobs_handlers`` are imported) and from the command line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.errors import InvalidInput, NotFound
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR, Actor
from jingjinji.warnings import forecast as fc
from jingjinji.warnings import kernels
from jingjinji.warnings.criteria import criteria_for
from jingjinji.warnings.flows import cities_with_data, city_grid
from jingjinji.warnings.forecast_store import (
    ensure_weather_model,
    latest_model,
    store_forecasts,
    train_model,
)
from jingjinji.warnings.lifecycle import propose
from jingjinji.warnings.models import Forecast, ForecastModelRow, PollutionWarning
from jingjinji.warnings.queries import list_warnings
from jingjinji.warnings.states import OPEN_STATUSES

ISSUE_FORECASTS_JOB = "warnings.issue_forecasts"
RETRAIN_AFTER_DAYS = 365


@dataclass
class DailyRun:
    issued_rows: int
    cities: list[str]
    proposed: list[int]
    skipped: dict[str, str]


def outlook(
    session: Session,
    *,
    city_code: str,
    grid: fc.DailyGrid,
    day: dt.date,
    model_version: str,
    criteria: kernels.Criteria | None = None,
) -> kernels.Episode | None:
    """The highest-level episode reaching beyond ``day`` in the series of the last four
    observed days up to ``day`` followed by the stored median forecasts issued on ``day``."""
    fcs = session.scalars(
        select(Forecast)
        .where(
            Forecast.city_code == city_code,
            Forecast.issue_date == day,
            Forecast.model_version == model_version,
        )
        .order_by(Forecast.target_date)
    ).all()
    if not fcs:
        return None
    back = [day - dt.timedelta(days=k) for k in range(3, -1, -1)]
    aqi = grid.columns["aqi"]
    observed = [
        float(aqi[grid.index_of(d)]) if 0 <= grid.index_of(d) < grid.size else float("nan")
        for d in back
    ]
    dates = back + [f.target_date for f in fcs]
    values = observed + [f.aqi_p50 for f in fcs]
    criteria = criteria or criteria_for(session, jurisdiction_code=city_code, on=day)
    best: kernels.Episode | None = None
    for ep in kernels.find_episodes(dates, values, criteria):
        if ep.end > day and (
            best is None or criteria.rank_of(ep.level) > criteria.rank_of(best.level)
        ):
            best = ep
    return best


def _current_model(
    session: Session, *, actor: Actor, city_code: str, day: dt.date
) -> ForecastModelRow:
    """The city's model for issuing on ``day``: trained when it has none, and retrained when
    the newest is more than a year older than ``day``."""
    row = latest_model(session, city_code=city_code, before=day)
    if row is None or (day - row.cutoff).days > RETRAIN_AFTER_DAYS:
        row, _ = train_model(
            session, actor=actor, city_code=city_code, until=day - dt.timedelta(days=1)
        )
    return row


def run_daily(
    session: Session, *, actor: Actor = SYSTEM_ACTOR, issue_date: dt.date | None = None
) -> DailyRun:
    """Issue forecasts for every city with data (issue day: the city's latest day with data,
    or ``issue_date``), then propose one regional warning covering the cities whose
    observed-plus-forecast series reaches a level of their criteria, unless an open warning
    covers them already. A city's model is trained when it has none, and retrained when the
    newest is more than a year older than the issue day."""
    added = 0
    cities: list[str] = []
    skipped: dict[str, str] = {}
    reached: dict[str, tuple[kernels.Episode, kernels.Criteria]] = {}
    for city in cities_with_data(session):
        try:
            grid = city_grid(session, city_code=city, end=issue_date)
        except NotFound as exc:
            skipped[city] = exc.detail
            continue
        day = grid.end if issue_date is None else min(issue_date, grid.end)
        try:
            row = _current_model(session, actor=actor, city_code=city, day=day)
            ensure_weather_model(session, actor=actor, row=row)
        except (InvalidInput, NotFound) as exc:
            skipped[city] = exc.detail
            continue
        added += store_forecasts(session, row=row, grid=grid, issue_dates=[day])
        cities.append(city)
        criteria = criteria_for(session, jurisdiction_code=city, on=day)
        episode = outlook(
            session,
            city_code=city,
            grid=grid,
            day=day,
            model_version=row.version,
            criteria=criteria,
        )
        if episode is not None:
            reached[city] = (episode, criteria)
    proposed: list[int] = []
    open_cities = {c for w in list_warnings(session, status=OPEN_STATUSES) for c in w.cities}
    new = {c: v for c, v in reached.items() if c not in open_cities}
    if new:
        w = propose_from_episodes(session, actor=actor, episodes=new, basis="forecast")
        proposed.append(w.id)
    return DailyRun(issued_rows=added, cities=cities, proposed=proposed, skipped=skipped)


def propose_from_episodes(
    session: Session,
    *,
    actor: Actor | None,
    episodes: dict[str, tuple[kernels.Episode, kernels.Criteria]],
    basis: str,
) -> PollutionWarning:
    """One regional proposal for several cities' episodes, at the highest level among them."""
    top = max(episodes, key=lambda c: episodes[c][1].rank_of(episodes[c][0].level))
    episode, criteria = episodes[top]
    eps = [e for e, _ in episodes.values()]
    return propose(
        session,
        actor=actor,
        cities=sorted(episodes),
        level=episode.level or "",
        start=min(e.start for e in eps),
        end=max(e.end for e in eps),
        max_aqi=max(e.max_aqi for e in eps),
        criteria_code=criteria.code,
        basis=basis,
        evidence={c: e.as_row() for c, (e, _) in episodes.items()},
    )


@jobs.handler(ISSUE_FORECASTS_JOB)
def _issue_forecasts_job(session: Session, payload: dict[str, Any]) -> None:
    day = payload.get("issue_date")
    run_daily(session, issue_date=dt.date.fromisoformat(day) if day else None)


jobs.periodic(ISSUE_FORECASTS_JOB, every=dt.timedelta(days=1))
