"""Forecast models and the forecasts they issue, as stored: training a city's model (once per
version), issuing and reading back forecasts, the chart of forecasts against observations, and
the out-of-sample evaluation.

The learning itself is :mod:`jingjinji.warnings.forecast`; the city series come from the air
domain through :mod:`jingjinji.warnings.flows`."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_role
from jingjinji.warnings import forecast as fc
from jingjinji.warnings import policy
from jingjinji.warnings.flows import city_aqi, city_data, city_data_of
from jingjinji.warnings.forecast import evaluation as fc_evaluation
from jingjinji.warnings.forecast import issue_time, timing
from jingjinji.warnings.forecast_inputs import (
    WEATHER_TRAINING,
    forecast_status,
    given,
    has_weather_forecasts,
    target_weather_at_issue,
    weather_hashes,
    weather_model_for,
)
from jingjinji.warnings.models import Forecast, ForecastModelRow
from jingjinji.warnings.schemas import ForecastChartOut

# Bounds of a forecast query: dates outside them are typing errors, ranges beyond them too long.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_FORECAST_DAYS = 3700
CHART_DAYS = 120
# ------------------------------------------------------------------------------------ models


def train_model(
    session: Session,
    *,
    actor: Actor | None,
    city_code: str,
    until: dt.date,
    weather_input: bool = False,
) -> tuple[ForecastModelRow, bool]:
    """Train on the city's data up to ``until`` and store the artifact.

    ``weather_input`` trains the variant that reads the target day's weather: on its training
    rows the OBSERVED weather of the target day stands in for a weather forecast (legitimate for
    training: the days are past); at issue time it only ever reads weather forecasts issued
    before the issue moment (:func:`store_forecasts`).

    Returns (row, created). A model version (name, cutoff, feature hash) is stored once: asking
    again returns the stored one and changes nothing."""
    ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="warnings.model.train",
        object_type="forecast_model",
        object_id=city_code,
        jurisdiction_code=city_code,
    )
    hour = timing.default_issue_hour()
    version = issue_time.model_version(until, hour, weather_input)
    existing = session.scalar(
        select(ForecastModelRow).where(
            ForecastModelRow.version == version, ForecastModelRow.city_code == city_code
        )
    )
    if existing is not None:
        return existing, False
    data = city_data(session, city_code=city_code, end=until)
    try:
        model = issue_time.train(
            data,
            cutoff=until,
            city_code=city_code,
            issue_hour=hour,
            weather_input=weather_input,
            concentrations=True,
        )
    except fc.ForecastError as exc:
        raise InvalidInput(exc.reason, errors=[field_error(["until"], exc.reason)]) from exc
    artifact = model.to_bytes()
    row = ForecastModelRow(
        version=model.version,
        city_code=city_code,
        name=model.name,
        cutoff=until,
        feature_hash=model.features_hash,
        training_days=model.training_days,
        artifact=artifact,
        sha256=hashlib.sha256(artifact).hexdigest(),
        summary={
            "features": issue_time.feature_names(weather_input),
            "issue_time": timing.issue_time_label(hour),
            "weather_input": WEATHER_TRAINING if weather_input else "none",
            "quantiles": list(fc.QUANTILES),
            "horizons": list(fc.HORIZONS),
            "hyper": issue_time.HYPER,
            "conformal_widening_log": {str(h): w for h, w in model.conformal.items()},
            "calibration_days": {str(h): n for h, n in model.calibration_days.items()},
            "data_start": data.daily.start.isoformat(),
            "artifact_bytes": len(artifact),
        },
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="warnings.model.train",
        object_type="forecast_model",
        object_id=row.version,
        jurisdiction_code=city_code,
        detail={
            "cutoff": until.isoformat(),
            "training_days": model.training_days,
            "weather_input": weather_input,
        },
    )
    return row, True


def ensure_weather_model(
    session: Session, *, actor: Actor | None, row: ForecastModelRow
) -> ForecastModelRow | None:
    """Train (once) the weather-input variant of ``row`` when the city has weather forecasts;
    None when it has none (nothing to use them with) or ``row`` is not an issue-time model."""
    if not row.version.startswith(issue_time.MODEL_NAME + ":"):
        return None
    if not has_weather_forecasts(session, city_code=row.city_code):
        return None
    found = weather_model_for(session, row)
    if found is not None:
        return found
    hour = timing.parse_issue_time(str(row.summary.get("issue_time", "24:00")))
    if hour != timing.default_issue_hour():
        return None  # trained at another configured issue hour: not retrained here
    weather_row, _ = train_model(
        session, actor=actor, city_code=row.city_code, until=row.cutoff, weather_input=True
    )
    return weather_row


def load_model(row: ForecastModelRow) -> fc.ForecastModel | issue_time.IssueTimeModel:
    """The stored model: the issue-time model, or a baseline model stored before it."""
    if hashlib.sha256(row.artifact).hexdigest() != row.sha256:
        raise Conflict(
            msg("model artifact {version} does not match its checksum", version=row.version)
        )
    try:
        model: fc.ForecastModel | issue_time.IssueTimeModel = issue_time.load_artifact(row.artifact)
    except fc.ForecastError as exc:
        raise Conflict(
            msg("model artifact {version}: {exc}", version=row.version, exc=exc.reason)
        ) from exc
    return model


def latest_model(
    session: Session, *, city_code: str, before: dt.date | None = None
) -> ForecastModelRow | None:
    """The city's newest model (the weather-input variants are companions, not listed here)."""
    stmt = select(ForecastModelRow).where(
        ForecastModelRow.city_code == city_code,
        ForecastModelRow.feature_hash.not_in(weather_hashes()),
    )
    if before is not None:
        stmt = stmt.where(ForecastModelRow.cutoff < before)
    return session.scalar(
        stmt.order_by(ForecastModelRow.cutoff.desc(), ForecastModelRow.id.desc()).limit(1)
    )


def list_models(session: Session, *, city_code: str | None = None) -> list[ForecastModelRow]:
    stmt = select(ForecastModelRow)
    if city_code:
        stmt = stmt.where(ForecastModelRow.city_code == city_code)
    return list(session.scalars(stmt.order_by(ForecastModelRow.id)))


def evaluate_city(
    session: Session,
    *,
    city_code: str,
    train_until: dt.date,
    until: dt.date,
    issue_hour: int | None = None,
    oracle_weather: bool = False,
) -> fc_evaluation.IssueTimeEvaluation:
    """Hold-out evaluation of the issue-time model and the baseline at one issue hour (default
    the configured one, ``JJJ_FORECAST_ISSUE_TIME``, 15:00); ``oracle_weather`` uses the observed
    weather of the target days (an upper bound, labelled as such)."""
    hour = issue_hour if issue_hour is not None else timing.default_issue_hour()
    data = city_data(session, city_code=city_code, end=until)
    try:
        return fc_evaluation.evaluate(
            data,
            train_until=train_until,
            until=until,
            city_code=city_code,
            issue_hour=hour,
            oracle_weather=oracle_weather,
        )
    except fc.ForecastError as exc:
        raise InvalidInput(exc.reason, errors=[field_error(["train_until"], exc.reason)]) from exc


# ------------------------------------------------------------------------------------ forecasts


def store_forecasts(
    session: Session,
    *,
    row: ForecastModelRow,
    grid: fc.DailyGrid | timing.CityData,
    issue_dates: Sequence[dt.date],
    model: fc.ForecastModel | issue_time.IssueTimeModel | None = None,
) -> int:
    """Predict and insert the forecasts of the given issue days; rows that exist already (same
    city, issue date, target date and model version) are left as they are. Returns how many
    rows were added.

    An issue-time model issues day d at its issue hour from the hours before it (a day without
    any of them gets no forecast); a baseline model needs day d's daily AQI. When the city has
    a weather-input variant of the model (:func:`ensure_weather_model`) and a weather forecast
    issued at or before the issue moment covers a target day, that target day's forecast comes
    from the variant with the weather forecast as input (``weather_input = "forecast"``, model
    version: the variant's); otherwise from ``row``'s model (``weather_input = "none"``)."""
    model = model or load_model(row)
    if isinstance(model, issue_time.IssueTimeModel) and model.weather_input:
        raise InvalidInput(
            msg(
                "{version} is a weather-input variant: issue with the city's model, the variant "
                "is used where weather forecasts exist",
                version=row.version,
            ),
            errors=[field_error(["model"], msg("a weather-input variant"))],
        )
    daily = grid.daily if isinstance(grid, timing.CityData) else grid
    candidates = [d for d in issue_dates if 0 <= daily.index_of(d) < daily.size and d > row.cutoff]
    weather_row: ForecastModelRow | None = None
    if isinstance(model, issue_time.IssueTimeModel):
        data = (
            grid
            if isinstance(grid, timing.CityData)
            else city_data_of(session, row.city_code, grid)
        )
        idx = np.array([daily.index_of(d) for d in candidates], dtype=np.int64)
        known = ~np.isnan(timing.persistence_at_issue(data, idx, model.issue_hour))
        wanted = [d for d, ok in zip(candidates, known, strict=True) if ok]
        weather_row = weather_model_for(session, row)
    else:
        wanted = [d for d in candidates if not np.isnan(daily.columns["aqi"][daily.index_of(d)])]
    if not wanted:
        return 0
    versions = [row.version] + ([weather_row.version] if weather_row is not None else [])
    existing = {
        (issue, target)
        for issue, target in session.execute(
            select(Forecast.issue_date, Forecast.target_date).where(
                Forecast.city_code == row.city_code,
                Forecast.model_version.in_(versions),
                Forecast.issue_date.in_(wanted),
            )
        )
    }
    index = np.array([daily.index_of(d) for d in wanted], dtype=np.int64)
    predictions: dict[int, fc.Prediction] | dict[int, issue_time.IssuePrediction]
    # (issue, target) -> (prediction, position, model version, weather input)
    chosen: dict[tuple[dt.date, dt.date], tuple[Any, int, str, str]] = {}
    if isinstance(model, issue_time.IssueTimeModel):
        predictions = model.predict(data, index)
    else:
        predictions = model.predict(daily, index)
    for pred in predictions.values():
        for i, key in enumerate(zip(pred.issue_dates, pred.target_dates, strict=True)):
            chosen[key] = (pred, i, row.version, "none")
    if weather_row is not None and isinstance(model, issue_time.IssueTimeModel):
        weather_model = load_model(weather_row)
        assert isinstance(weather_model, issue_time.IssueTimeModel)
        for issue in wanted:
            weather = target_weather_at_issue(
                session, data=data, city_code=row.city_code, issue=issue, hour=model.issue_hour
            )
            i = daily.index_of(issue)
            if not any(given(weather, i + h) for h in fc.HORIZONS):
                continue
            one = weather_model.predict(data, np.array([i], dtype=np.int64), target_weather=weather)
            for horizon, pred in one.items():
                if given(weather, i + horizon):
                    key = (issue, pred.target_dates[0])
                    chosen[key] = (pred, 0, weather_row.version, "forecast")
    now = utcnow()
    added = 0
    for (issue, target), (pred, i, version, weather_input) in chosen.items():
        if (issue, target) in existing:
            continue
        session.add(
            Forecast(
                city_code=row.city_code,
                issue_date=issue,
                target_date=target,
                horizon_days=pred.horizon,
                model_version=version,
                issued_at=now,
                aqi_p10=round(float(pred.aqi[0.1][i]), 1),
                aqi_p50=round(float(pred.aqi[0.5][i]), 1),
                aqi_p90=round(float(pred.aqi[0.9][i]), 1),
                concentrations={k: round(float(v[i]), 3) for k, v in pred.concentrations.items()},
                weather_input=weather_input,
            )
        )
        added += 1
    session.flush()
    return added


def check_forecast_query(
    session: Session, *, city: str, start: dt.date | None, end: dt.date | None
) -> None:
    """422 naming the query parameter: unknown city, a date out of range, a reversed or too
    long range."""
    regions.jurisdiction_or_invalid(session, code=city, loc=["query", "city"])
    for name, day in (("start", start), ("end", end)):
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            raise InvalidInput(
                msg("{name} {day} is out of range", name=name, day=day),
                errors=[
                    field_error(
                        ["query", name],
                        msg(
                            "must lie between {min_date} and {max_date}",
                            min_date=MIN_DATE,
                            max_date=MAX_DATE,
                        ),
                    )
                ],
            )
    if start is not None and end is not None:
        if end < start:
            raise InvalidInput(
                msg("end {end} is before start {start}", end=end, start=start),
                errors=[field_error(["query", "end"], msg("must not be before start"))],
            )
        if (end - start).days + 1 > MAX_FORECAST_DAYS:
            raise InvalidInput(
                msg(
                    "at most {max_forecast_days} days per request",
                    max_forecast_days=MAX_FORECAST_DAYS,
                ),
                errors=[
                    field_error(
                        ["query", "end"],
                        msg(
                            "longer than {max_forecast_days} days",
                            max_forecast_days=MAX_FORECAST_DAYS,
                        ),
                    )
                ],
            )


def forecasts_for(
    session: Session,
    *,
    city_code: str,
    start: dt.date,
    end: dt.date,
    horizon: int = 1,
    model_version: str | None = None,
) -> list[Forecast]:
    """Forecasts of target days start..end at a horizon, the newest model version per target."""
    stmt = select(Forecast).where(
        Forecast.city_code == city_code,
        Forecast.target_date >= start,
        Forecast.target_date <= end,
        Forecast.horizon_days == horizon,
    )
    if model_version:
        stmt = stmt.where(Forecast.model_version == model_version)
    rows = list(
        session.scalars(stmt.order_by(Forecast.target_date, Forecast.issued_at, Forecast.id))
    )
    latest: dict[dt.date, Forecast] = {}
    for row in rows:
        latest[row.target_date] = row
    return [latest[d] for d in sorted(latest)]


def forecast_chart(
    session: Session,
    *,
    city_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    horizon: int = 1,
) -> ForecastChartOut:
    """Observed AQI and the forecast band (p10..p90, p50) by target date, for the chart (by
    default the last 120 days with forecasts)."""
    first, last = session.execute(
        select(func.min(Forecast.target_date), func.max(Forecast.target_date)).where(
            Forecast.city_code == city_code
        )
    ).one()
    status = forecast_status(session, city_code=city_code)
    message = status.message
    if first is None and status.status == "ready":
        message = f"no forecasts stored for city {city_code} yet"
    said = ForecastChartOut(
        status=status.status,
        message=message,
        days_with_aqi=status.days_with_aqi,
        needed_days=status.needed,
    )
    if first is None:
        return said.model_copy(
            update={
                "dates": [],
                "observed": [],
                "p10": [],
                "p50": [],
                "p90": [],
                "weather_input": [],
            }
        )
    end = end or last
    start = start or max(first, end - dt.timedelta(days=CHART_DAYS))
    rows = forecasts_for(session, city_code=city_code, start=start, end=end, horizon=horizon)
    try:
        obs = city_aqi(session, city_code=city_code, start=start, end=end)
        observed = dict(zip(obs["date"].to_list(), obs["aqi"].to_list(), strict=True))
    except NotFound:
        observed = {}
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    by_date = {r.target_date: r for r in rows}
    return ForecastChartOut(
        dates=[d.isoformat() for d in dates],
        observed=[observed.get(d) for d in dates],
        p10=[by_date[d].aqi_p10 if d in by_date else None for d in dates],
        p50=[by_date[d].aqi_p50 if d in by_date else None for d in dates],
        p90=[by_date[d].aqi_p90 if d in by_date else None for d in dates],
        model_versions=sorted({r.model_version for r in rows}),
        weather_input=[by_date[d].weather_input if d in by_date else None for d in dates],
        status=said.status,
        message=said.message,
        days_with_aqi=said.days_with_aqi,
        needed_days=said.needed_days,
    )


def public_forecasts(session: Session, *, city_codes: Sequence[str]) -> dict[str, list[Forecast]]:
    """Each city's public outlook: the forecasts of its latest issue date, one per target day
    (the newest model version issued for it), by target date; cities without any forecast
    are absent. One statement for all cities."""
    codes = list(city_codes)
    if not codes:
        return {}
    newest = (
        select(Forecast.city_code, func.max(Forecast.issue_date).label("issue_date"))
        .where(Forecast.city_code.in_(codes))
        .group_by(Forecast.city_code)
        .subquery()
    )
    rows = session.scalars(
        select(Forecast)
        .join(
            newest,
            (Forecast.city_code == newest.c.city_code)
            & (Forecast.issue_date == newest.c.issue_date),
        )
        .order_by(Forecast.city_code, Forecast.target_date, Forecast.issued_at, Forecast.id)
    )
    chosen: dict[str, dict[dt.date, Forecast]] = {}
    for row in rows:
        chosen.setdefault(row.city_code, {})[row.target_date] = row
    return {city: [by_day[d] for d in sorted(by_day)] for city, by_day in chosen.items()}
