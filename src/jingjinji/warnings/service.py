"""Heavy-pollution early warning: criteria and measures data, forecasts, the warning lifecycle.

Lifecycle (every step audited, each by the role that owns it)::

    proposed --open_consultation--> consultation --issue--> issued --lift--> lifted
        |  (system job or office)        | (office)     (office)   ^  |
        |                                 |                         |  upgrade / downgrade
        +-------------withdraw------------+--> withdrawn            +--+  (office)

During the consultation each jurisdiction's environment agency (a steward of the province's
organisation of kind ``environment``) answers once, before the deadline: agree, or propose
another level with a reason. The office issues when every jurisdiction has answered or the
deadline has passed (silence counts as no objection); the response measures of the issued
level are copied into the warning (snapshot) at issue time and at each level change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.jobs import service as jobs
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, Role, deny, ensure_role, province_of
from jingjinji.warnings import forecast as fc
from jingjinji.warnings import kernels
from jingjinji.warnings.models import (
    ConsultationAnswer,
    CriteriaAdoption,
    CriteriaSet,
    Forecast,
    ForecastModelRow,
    PollutionWarning,
    ResponseMeasureSet,
    WarningEvent,
)

DATA_PACKAGE = "jingjinji.warnings"
LEVELS: tuple[str, ...] = kernels.LEVEL_ORDER
LEVEL_RANK = {name: i + 1 for i, name in enumerate(LEVELS)}
OPEN_STATUSES = ("proposed", "consultation", "issued")
STATUSES = ("proposed", "consultation", "issued", "lifted", "withdrawn")
ISSUE_FORECASTS_JOB = "warnings.issue_forecasts"
DEFAULT_CONSULTATION_HOURS = 24
RETRAIN_AFTER_DAYS = 365

# transition name -> (allowed from-statuses, to-status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "open_consultation": (("proposed",), "consultation"),
    "issue": (("consultation",), "issued"),
    "upgrade": (("issued",), "issued"),
    "downgrade": (("issued",), "issued"),
    "lift": (("issued",), "lifted"),
    "withdraw": (("proposed", "consultation"), "withdrawn"),
}


def _data_text(*parts: str) -> str:
    node = resources.files(DATA_PACKAGE).joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_text("utf-8")


def _data_files(folder: str) -> list[str]:
    node = resources.files(DATA_PACKAGE).joinpath("data").joinpath(folder)
    return sorted(p.name for p in node.iterdir() if p.name.endswith(".json"))


def _sha(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


# ------------------------------------------------------------------------------------ criteria


def load_criteria(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    """Load every shipped criteria file (new versions only) and its default adoptions.

    A changed file must carry a new version number: the same code and version with other
    content is refused (criteria history is never rewritten). Returns how many were added.
    """
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="warnings.criteria.load",
        object_type="warning_criteria",
    )
    added = 0
    for name in _data_files("criteria"):
        data = json.loads(_data_text("criteria", name))
        criteria = kernels.criteria_from_dict(data)  # validates
        digest = _sha(data)
        row = session.scalar(
            select(CriteriaSet).where(
                CriteriaSet.code == criteria.code, CriteriaSet.version == criteria.version
            )
        )
        if row is not None:
            if row.sha256 != digest:
                raise Conflict(
                    f"criteria {criteria.code} version {criteria.version} is loaded with other "
                    "content: give the changed file a new version"
                )
        else:
            session.add(
                CriteriaSet(
                    code=criteria.code,
                    version=criteria.version,
                    name_en=criteria.name_en,
                    name_zh=criteria.name_zh,
                    definition=data,
                    sha256=digest,
                )
            )
            added += 1
            audit.record(
                session,
                actor=actor,
                action="warnings.criteria.load",
                object_type="warning_criteria",
                object_id=f"{criteria.code}@{criteria.version}",
                detail={"sha256": digest},
            )
        for adoption in data.get("adoptions", []):
            effective = dt.date.fromisoformat(adoption["effective_from"])
            exists = session.scalar(
                select(CriteriaAdoption.id).where(
                    CriteriaAdoption.jurisdiction_code == adoption["jurisdiction_code"],
                    CriteriaAdoption.effective_from == effective,
                )
            )
            if exists is None:
                session.add(
                    CriteriaAdoption(
                        jurisdiction_code=adoption["jurisdiction_code"],
                        criteria_code=criteria.code,
                        effective_from=effective,
                    )
                )
    session.flush()
    return added


def list_criteria(session: Session) -> list[CriteriaSet]:
    return list(
        session.scalars(select(CriteriaSet).order_by(CriteriaSet.code, CriteriaSet.version))
    )


def get_criteria(session: Session, *, code: str, version: int | None = None) -> kernels.Criteria:
    stmt = select(CriteriaSet).where(CriteriaSet.code == code)
    if version is not None:
        stmt = stmt.where(CriteriaSet.version == version)
    row = session.scalar(stmt.order_by(CriteriaSet.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"no criteria set {code!r}" + (f" version {version}" if version else ""))
    return kernels.criteria_from_dict(row.definition)


def adopt_criteria(
    session: Session,
    *,
    actor: Actor | None,
    jurisdiction_code: str,
    criteria_code: str,
    effective_from: dt.date,
) -> CriteriaAdoption:
    """Select the criteria set a jurisdiction applies from a date on (office only)."""
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="warnings.criteria.adopt",
        object_type="warning_criteria_adoption",
        object_id=jurisdiction_code,
        jurisdiction_code=jurisdiction_code,
    )
    regions.jurisdiction_or_invalid(
        session, code=jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    if session.scalar(select(CriteriaSet.id).where(CriteriaSet.code == criteria_code)) is None:
        raise InvalidInput(
            f"unknown criteria set {criteria_code!r}",
            errors=[field_error(["body", "criteria_code"], "unknown criteria set")],
        )
    if (
        session.scalar(
            select(CriteriaAdoption.id).where(
                CriteriaAdoption.jurisdiction_code == jurisdiction_code,
                CriteriaAdoption.effective_from == effective_from,
            )
        )
        is not None
    ):
        raise Conflict(f"{jurisdiction_code} already adopted a criteria set from {effective_from}")
    row = CriteriaAdoption(
        jurisdiction_code=jurisdiction_code,
        criteria_code=criteria_code,
        effective_from=effective_from,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="warnings.criteria.adopt",
        object_type="warning_criteria_adoption",
        object_id=row.id,
        jurisdiction_code=jurisdiction_code,
        detail={"criteria": criteria_code, "effective_from": effective_from.isoformat()},
    )
    return row


def list_adoptions(session: Session) -> list[CriteriaAdoption]:
    return list(
        session.scalars(
            select(CriteriaAdoption).order_by(
                CriteriaAdoption.jurisdiction_code, CriteriaAdoption.effective_from
            )
        )
    )


def criteria_code_for(session: Session, *, jurisdiction_code: str, on: dt.date) -> str:
    """The set a jurisdiction (or, failing that, its province) applies on a date.

    Before its first adoption takes effect a jurisdiction uses its earliest adopted set."""
    for code in dict.fromkeys((jurisdiction_code, province_of(jurisdiction_code))):
        rows = list(
            session.scalars(
                select(CriteriaAdoption)
                .where(CriteriaAdoption.jurisdiction_code == code)
                .order_by(CriteriaAdoption.effective_from)
            )
        )
        if rows:
            current = rows[0]
            for row in rows:
                if row.effective_from <= on:
                    current = row
            return current.criteria_code
    raise NotFound(f"jurisdiction {jurisdiction_code} has adopted no warning criteria")


def criteria_for(session: Session, *, jurisdiction_code: str, on: dt.date) -> kernels.Criteria:
    return get_criteria(
        session, code=criteria_code_for(session, jurisdiction_code=jurisdiction_code, on=on)
    )


# ------------------------------------------------------------------------------------ measures


def load_measures(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="warnings.measures.load",
        object_type="warning_measures",
    )
    added = 0
    for name in _data_files("measures"):
        data = json.loads(_data_text("measures", name))
        scope, version = str(data["scope"]), int(data["version"])
        unknown = set(data["levels"]) - set(LEVELS)
        if unknown:
            raise InvalidInput(f"measures {name}: unknown levels {sorted(unknown)}")
        digest = _sha(data)
        row = session.scalar(
            select(ResponseMeasureSet).where(
                ResponseMeasureSet.scope == scope, ResponseMeasureSet.version == version
            )
        )
        if row is not None:
            if row.sha256 != digest:
                raise Conflict(
                    f"measures {scope} version {version} is loaded with other "
                    "content: give the changed file a new version"
                )
            continue
        session.add(
            ResponseMeasureSet(
                scope=scope,
                version=version,
                levels=data["levels"],
                source=data.get("source", ""),
                sha256=digest,
            )
        )
        added += 1
        audit.record(
            session,
            actor=actor,
            action="warnings.measures.load",
            object_type="warning_measures",
            object_id=f"{scope}@{version}",
            detail={"sha256": digest},
        )
    session.flush()
    return added


def _latest_measures(session: Session, scope: str) -> ResponseMeasureSet | None:
    return session.scalar(
        select(ResponseMeasureSet)
        .where(ResponseMeasureSet.scope == scope)
        .order_by(ResponseMeasureSet.version.desc())
        .limit(1)
    )


def measures_snapshot(
    session: Session, *, jurisdictions: Sequence[str], level: str
) -> dict[str, Any]:
    """The measures of ``level`` as they stand now: regional minimum plus each jurisdiction's
    own, with the versions they came from."""
    region = _latest_measures(session, "region")
    out: dict[str, Any] = {
        "level": level,
        "taken_at": utcnow().isoformat(),
        "region": {
            "version": region.version if region else None,
            "items": list(region.levels.get(level, [])) if region else [],
        },
        "jurisdictions": {},
    }
    for code in jurisdictions:
        local = _latest_measures(session, code)
        out["jurisdictions"][code] = {
            "version": local.version if local else None,
            "items": list(local.levels.get(level, [])) if local else [],
        }
    return out


# ------------------------------------------------------------------------------------ cities


def _air() -> Any:
    from jingjinji.air import service as air

    return air


def cities_with_data(session: Session) -> list[str]:
    result: list[str] = _air().cities_with_data(session)
    return result


def city_daily(
    session: Session, *, city_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    air = _air()
    if start is None or end is None:
        span = air.date_span(
            session, station_codes=air.station_codes_of_city(session, city_code=city_code)
        )
        if span is None:
            raise NotFound(f"no air-quality data for city {city_code}")
        start = start or span[0]
        end = end or span[1]
    frame: pl.DataFrame = air.city_daily_frame(session, city_code=city_code, start=start, end=end)
    return frame


def city_grid(session: Session, *, city_code: str, end: dt.date | None = None) -> fc.DailyGrid:
    frame = city_daily(session, city_code=city_code, end=end)
    if end is not None:
        frame = frame.filter(pl.col("date") <= end)
    try:
        return fc.grid_from_frame(frame)
    except fc.ForecastError as exc:
        raise NotFound(f"city {city_code}: {exc}") from exc


@dataclass(frozen=True)
class CityPoint:
    code: str
    name_en: str
    name_zh: str
    lon: float
    lat: float
    source: str


def city_points(session: Session) -> dict[str, CityPoint]:
    """Map positions: mean station coordinates from the air registry, else the shipped table."""
    shipped = json.loads(_data_text("cities.json"))
    out: dict[str, CityPoint] = {}
    try:
        stations = list(_air().list_stations(session))
    except Exception:  # the air registry may be empty or not migrated in a bare database
        stations = []
    by_city: dict[str, list[tuple[float, float]]] = {}
    for st in stations:
        by_city.setdefault(st.city_code, []).append((st.longitude, st.latitude))
    for city in shipped["cities"]:
        coords = by_city.get(city["code"])
        if coords:
            lon = float(np.mean([c[0] for c in coords]))
            lat = float(np.mean([c[1] for c in coords]))
            source = "air stations"
        else:
            lon, lat, source = city["lon"], city["lat"], "shipped table"
        out[city["code"]] = CityPoint(
            city["code"], city["name_en"], city["name_zh"], round(lon, 4), round(lat, 4), source
        )
    return out


# ------------------------------------------------------------------------------------ models


def train_model(
    session: Session, *, actor: Actor | None, city_code: str, until: dt.date
) -> tuple[ForecastModelRow, bool]:
    """Train on the city's data up to ``until`` and store the artifact.

    Returns (row, created). A model version (name, cutoff, feature hash) is stored once: asking
    again returns the stored one and changes nothing."""
    ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="warnings.model.train",
        object_type="forecast_model",
        object_id=city_code,
        jurisdiction_code=city_code,
    )
    version = fc.model_version(until)
    existing = session.scalar(
        select(ForecastModelRow).where(
            ForecastModelRow.version == version, ForecastModelRow.city_code == city_code
        )
    )
    if existing is not None:
        return existing, False
    grid = city_grid(session, city_code=city_code, end=until)
    try:
        model = fc.train(grid, cutoff=until, city_code=city_code)
    except fc.ForecastError as exc:
        raise InvalidInput(str(exc), errors=[field_error(["until"], str(exc))]) from exc
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
            "features": list(fc.FEATURES),
            "quantiles": list(fc.QUANTILES),
            "horizons": list(fc.HORIZONS),
            "hyper": fc.HYPER,
            "data_start": grid.start.isoformat(),
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
        detail={"cutoff": until.isoformat(), "training_days": model.training_days},
    )
    return row, True


def load_model(row: ForecastModelRow) -> fc.ForecastModel:
    if hashlib.sha256(row.artifact).hexdigest() != row.sha256:
        raise Conflict(f"model artifact {row.version} does not match its checksum")
    return fc.ForecastModel.from_bytes(row.artifact)


def latest_model(
    session: Session, *, city_code: str, before: dt.date | None = None
) -> ForecastModelRow | None:
    stmt = select(ForecastModelRow).where(ForecastModelRow.city_code == city_code)
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


# ------------------------------------------------------------------------------------ forecasts


def store_forecasts(
    session: Session,
    *,
    row: ForecastModelRow,
    grid: fc.DailyGrid,
    issue_dates: Sequence[dt.date],
    model: fc.ForecastModel | None = None,
) -> int:
    """Predict and insert the forecasts of the given issue days; rows that exist already (same
    city, issue date, target date and model version) are left as they are. Returns how many
    rows were added."""
    model = model or load_model(row)
    wanted = [
        d
        for d in issue_dates
        if 0 <= grid.index_of(d) < grid.size
        and d > row.cutoff
        and not np.isnan(grid.columns["aqi"][grid.index_of(d)])
    ]
    if not wanted:
        return 0
    existing = {
        (issue, target)
        for issue, target in session.execute(
            select(Forecast.issue_date, Forecast.target_date).where(
                Forecast.city_code == row.city_code,
                Forecast.model_version == row.version,
                Forecast.issue_date.in_(wanted),
            )
        )
    }
    predictions = model.predict(grid, [grid.index_of(d) for d in wanted])
    now = utcnow()
    added = 0
    for horizon, pred in predictions.items():
        for i, (issue, target) in enumerate(zip(pred.issue_dates, pred.target_dates, strict=True)):
            if (issue, target) in existing:
                continue
            session.add(
                Forecast(
                    city_code=row.city_code,
                    issue_date=issue,
                    target_date=target,
                    horizon_days=horizon,
                    model_version=row.version,
                    issued_at=now,
                    aqi_p10=round(float(pred.aqi[0.1][i]), 1),
                    aqi_p50=round(float(pred.aqi[0.5][i]), 1),
                    aqi_p90=round(float(pred.aqi[0.9][i]), 1),
                    concentrations={
                        k: round(float(v[i]), 3) for k, v in pred.concentrations.items()
                    },
                )
            )
            added += 1
    session.flush()
    return added


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
) -> dict[str, Any]:
    """Observed AQI and the forecast band (p10..p90, p50) by target date, for the chart."""
    span_rows = session.execute(
        select(func.min(Forecast.target_date), func.max(Forecast.target_date)).where(
            Forecast.city_code == city_code
        )
    ).one()
    if span_rows[0] is None:
        return {"dates": [], "observed": [], "p10": [], "p50": [], "p90": []}
    end = end or span_rows[1]
    start = start or max(span_rows[0], end - dt.timedelta(days=120))
    rows = forecasts_for(session, city_code=city_code, start=start, end=end, horizon=horizon)
    try:
        obs = city_daily(session, city_code=city_code, start=start, end=end)
        observed = dict(zip(obs["date"].to_list(), obs["aqi"].to_list(), strict=True))
    except NotFound:
        observed = {}
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    by_date = {r.target_date: r for r in rows}
    return {
        "dates": [d.isoformat() for d in dates],
        "observed": [observed.get(d) for d in dates],
        "p10": [by_date[d].aqi_p10 if d in by_date else None for d in dates],
        "p50": [by_date[d].aqi_p50 if d in by_date else None for d in dates],
        "p90": [by_date[d].aqi_p90 if d in by_date else None for d in dates],
        "model_versions": sorted({r.model_version for r in rows}),
    }


def evaluate_city(
    session: Session, *, city_code: str, train_until: dt.date, until: dt.date
) -> fc.Evaluation:
    grid = city_grid(session, city_code=city_code, end=until)
    try:
        return fc.evaluate(grid, train_until=train_until, until=until, city_code=city_code)
    except fc.ForecastError as exc:
        raise InvalidInput(str(exc), errors=[field_error(["train_until"], str(exc))]) from exc


# ------------------------------------------------------------------------------------ replay


@dataclass
class Replay:
    episodes: list[kernels.Episode]
    criteria: kernels.Criteria
    basis: str
    notes: list[str]


def forecast_series_by_expanding_training(
    grid: fc.DailyGrid,
    *,
    start: dt.date,
    end: dt.date,
    horizon: int,
    city_code: str,
    quantile: float = 0.5,
) -> tuple[list[dt.date], list[float], list[str]]:
    """The ``horizon``-day-ahead forecast (``quantile``, default the median) of each target day
    in start..end, as the model would have issued it: one model per calendar year, trained on
    every day before 1 January of that year (expanding window). Years without enough earlier
    data are skipped."""
    dates: list[dt.date] = []
    values: list[float] = []
    notes: list[str] = []
    for year in range(start.year, end.year + 1):
        cutoff = dt.date(year - 1, 12, 31)
        lo = max(start, dt.date(year, 1, 1))
        hi = min(end, dt.date(year, 12, 31))
        try:
            model = fc.train(grid, cutoff=cutoff, city_code=city_code)
        except fc.ForecastError as exc:
            notes.append(f"{year}: no forecasts ({exc})")
            continue
        targets = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        issues = [t - dt.timedelta(days=horizon) for t in targets]
        idx = [grid.index_of(d) for d in issues if 0 <= grid.index_of(d) < grid.size]
        valid = [d for d in issues if 0 <= grid.index_of(d) < grid.size]
        if not idx:
            continue
        pred = model.predict(grid, idx)[horizon]
        for issue, value in zip(valid, pred.aqi[quantile], strict=True):
            if np.isnan(grid.columns["aqi"][grid.index_of(issue)]):
                continue  # no forecast is issued on a day without data
            dates.append(issue + dt.timedelta(days=horizon))
            values.append(float(value))
        notes.append(f"{year}: model trained on data up to {cutoff}")
    return dates, values, notes


def replay(
    session: Session,
    *,
    city_code: str,
    start: dt.date,
    end: dt.date,
    criteria_code: str,
    use_forecast: bool = False,
    horizon: int = 1,
    quantile: float = 0.5,
) -> Replay:
    criteria = get_criteria(session, code=criteria_code)
    if quantile not in fc.QUANTILES:
        raise InvalidInput(
            f"quantile must be one of {list(fc.QUANTILES)}",
            errors=[field_error(["quantile"], f"one of {list(fc.QUANTILES)}")],
        )
    if end < start:
        raise InvalidInput(
            "the replay ends before it starts", errors=[field_error(["to"], "before --from")]
        )
    if use_forecast:
        grid = city_grid(session, city_code=city_code, end=end)
        dates, values, notes = forecast_series_by_expanding_training(
            grid, start=start, end=end, horizon=horizon, city_code=city_code, quantile=quantile
        )
        basis = f"forecast (+{horizon} day, quantile {quantile:g})"
    else:
        frame = city_daily(session, city_code=city_code, start=start, end=end)
        dates, values = (
            frame["date"].to_list(),
            [float("nan") if v is None else float(v) for v in frame["aqi"].to_list()],
        )
        notes = []
        basis = "observed"
    episodes = kernels.find_episodes(dates, values, criteria) if dates else []
    return Replay(episodes=episodes, criteria=criteria, basis=basis, notes=notes)


# ------------------------------------------------------------------------------------ lifecycle


def _record_event(
    session: Session,
    warning: PollutionWarning,
    *,
    event_type: str,
    from_status: str | None,
    actor: Actor,
    detail: dict[str, Any],
) -> WarningEvent:
    event = WarningEvent(
        warning_id=warning.id,
        event_type=event_type,
        from_status=from_status,
        to_status=warning.status,
        level=warning.level,
        actor_username=actor.username,
        occurred_at=utcnow(),
        detail=detail,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"warning.{event_type}",
        object_type="warning",
        object_id=warning.id,
        jurisdiction_code=None,
        detail={"from": from_status, "to": warning.status, "level": warning.level, **detail},
    )
    from jingjinji.warnings import webhooks

    webhooks.dispatch(
        session,
        event_type=f"warning.{event_type}",
        payload={
            "warning": warning_payload(warning),
            "event": {
                "id": event.id,
                "type": f"warning.{event_type}",
                "from_status": from_status,
                "to_status": warning.status,
                "level": warning.level,
                "actor": actor.username,
                "occurred_at": event.occurred_at.isoformat(),
                "detail": detail,
            },
        },
    )
    return event


def warning_payload(w: PollutionWarning) -> dict[str, Any]:
    return {
        "id": w.id,
        "status": w.status,
        "level": w.level,
        "proposed_level": w.proposed_level,
        "criteria": f"{w.criteria_code}@{w.criteria_version}",
        "cities": list(w.cities),
        "jurisdictions": list(w.jurisdictions),
        "start_date": w.start_date.isoformat(),
        "end_date": w.end_date.isoformat(),
        "max_aqi": w.max_aqi,
        "basis": w.basis,
        "deadline": w.deadline.isoformat() if w.deadline else None,
        "measures": w.measures,
    }


def get_warning(session: Session, *, warning_id: int) -> PollutionWarning:
    row = session.get(PollutionWarning, warning_id) if is_db_id(warning_id) else None
    if row is None:
        raise NotFound(f"no warning {warning_id}")
    return row


def _check_level(criteria: kernels.Criteria, level: str, loc: list[str | int]) -> str:
    if level not in criteria.level_names:
        raise InvalidInput(
            f"level {level!r} is not one of {criteria.code}: {', '.join(criteria.level_names)}",
            errors=[field_error(loc, f"must be one of {criteria.level_names}")],
        )
    return level


def _refuse_transition(
    session: Session, actor: Actor, warning: PollutionWarning, step: str
) -> Conflict:
    allowed_from, _ = TRANSITIONS[step]
    reason = (
        f"warning {warning.id} is {warning.status}: {step.replace('_', ' ')} needs it to be "
        f"{' or '.join(allowed_from)}"
    )
    status = warning.status
    session.rollback()
    audit.record(
        session,
        actor=actor,
        action=f"warning.{step}",
        object_type="warning",
        object_id=warning.id,
        outcome="refused",
        detail={"reason": reason, "status": status},
    )
    session.commit()
    return Conflict(reason)


def _office_step(
    session: Session, actor: Actor | None, warning_id: int, step: str
) -> tuple[Actor, PollutionWarning]:
    actor = ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action=f"warning.{step}",
        object_type="warning",
        object_id=str(warning_id),
    )
    warning = get_warning(session, warning_id=warning_id)
    if warning.status not in TRANSITIONS[step][0]:
        raise _refuse_transition(session, actor, warning, step)
    return actor, warning


def consulted_jurisdictions(session: Session, cities: Sequence[str]) -> list[str]:
    """The regional consultation asks every provincial-level jurisdiction of the region."""
    return [j.code for j in regions.provinces(session)]


def propose(
    session: Session,
    *,
    actor: Actor | None,
    cities: Sequence[str],
    level: str,
    start: dt.date,
    end: dt.date,
    max_aqi: float,
    criteria_code: str | None = None,
    basis: str = "forecast",
    evidence: dict[str, Any] | None = None,
) -> PollutionWarning:
    """Propose a regional warning (the system's daily job or the office)."""
    actor = ensure_role(
        session, actor, Role.OFFICE_ADMIN, action="warning.propose", object_type="warning"
    )
    if not cities:
        raise InvalidInput(
            "a warning names at least one city", errors=[field_error(["body", "cities"], "empty")]
        )
    for city in cities:
        regions.jurisdiction_or_invalid(session, code=city, loc=["body", "cities"])
    code = criteria_code or criteria_code_for(session, jurisdiction_code=cities[0], on=start)
    criteria = get_criteria(session, code=code)
    _check_level(criteria, level, ["body", "level"])
    if end < start:
        raise InvalidInput(
            "the warning ends before it starts",
            errors=[field_error(["body", "end_date"], "before start_date")],
        )
    warning = PollutionWarning(
        status="proposed",
        level=level,
        proposed_level=level,
        criteria_code=criteria.code,
        criteria_version=criteria.version,
        cities=sorted(set(cities)),
        jurisdictions=consulted_jurisdictions(session, cities),
        start_date=start,
        end_date=end,
        max_aqi=float(max_aqi),
        basis=basis,
        evidence=evidence or {},
        proposed_by=actor.username,
        created_at=utcnow(),
    )
    session.add(warning)
    session.flush()
    _record_event(
        session,
        warning,
        event_type="proposed",
        from_status=None,
        actor=actor,
        detail={"basis": basis},
    )
    return warning


def open_consultation(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    deadline: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "open_consultation")
    now = now or utcnow()
    deadline = deadline or now + dt.timedelta(hours=DEFAULT_CONSULTATION_HOURS)
    if deadline.tzinfo is None:
        raise InvalidInput(
            "the deadline needs a time zone",
            errors=[field_error(["body", "deadline"], "naive datetime")],
        )
    try:
        deadline = deadline.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:00-12:00 is no instant in UTC
        raise InvalidInput(
            "the deadline is out of range",
            errors=[field_error(["body", "deadline"], "not a representable time")],
        ) from None
    if deadline <= now:
        raise InvalidInput(
            "the deadline must lie in the future",
            errors=[field_error(["body", "deadline"], "not in the future")],
        )
    warning.status = "consultation"
    warning.deadline = deadline
    _record_event(
        session,
        warning,
        event_type="consultation_opened",
        from_status="proposed",
        actor=actor,
        detail={"deadline": deadline.isoformat()},
    )
    return warning


def agency_jurisdiction(session: Session, actor: Actor, warning: PollutionWarning) -> str | None:
    """The consulted jurisdiction whose environment agency ``actor`` answers for, if any."""
    if actor.role is not Role.STEWARD or actor.organisation_id is None:
        return None
    for code in warning.jurisdictions:
        org = regions.find_organisation(session, jurisdiction_code=code, kind="environment")
        if org is not None and org.id == actor.organisation_id:
            return code
    return None


def answers_of(session: Session, *, warning_id: int) -> list[ConsultationAnswer]:
    return list(
        session.scalars(
            select(ConsultationAnswer)
            .where(ConsultationAnswer.warning_id == warning_id)
            .order_by(ConsultationAnswer.id)
        )
    )


def answer(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    agree: bool,
    proposed_level: str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ConsultationAnswer:
    """A jurisdiction's environment agency answers the consultation (once, before the
    deadline)."""
    from jingjinji.security import require_actor

    actor = require_actor(actor)
    warning = get_warning(session, warning_id=warning_id)
    jurisdiction = agency_jurisdiction(session, actor, warning)
    if jurisdiction is None:
        raise deny(
            session,
            actor,
            action="warning.answer",
            object_type="warning",
            object_id=str(warning_id),
            jurisdiction_code=actor.jurisdiction_code,
            reason=f"{actor.username!r} is not a steward of the environment agency of a "
            f"consulted jurisdiction ({', '.join(warning.jurisdictions)})",
        )
    if warning.status != "consultation":
        raise _refuse_answer(
            session,
            actor,
            warning,
            f"warning {warning.id} is {warning.status}, not in consultation",
        )
    now = now or utcnow()
    if warning.deadline is not None and now > warning.deadline:
        raise _refuse_answer(
            session, actor, warning, f"the consultation closed at {warning.deadline.isoformat()}"
        )
    if (
        session.scalar(
            select(ConsultationAnswer.id).where(
                ConsultationAnswer.warning_id == warning.id,
                ConsultationAnswer.jurisdiction_code == jurisdiction,
            )
        )
        is not None
    ):
        raise _refuse_answer(
            session, actor, warning, f"jurisdiction {jurisdiction} has answered already"
        )
    if agree:
        proposed_level = None
    else:
        criteria = get_criteria(
            session, code=warning.criteria_code, version=warning.criteria_version
        )
        if not proposed_level:
            raise InvalidInput(
                "proposing another level needs the level",
                errors=[field_error(["body", "proposed_level"], "required")],
            )
        _check_level(criteria, proposed_level, ["body", "proposed_level"])
        if proposed_level == warning.level:
            raise InvalidInput(
                "that is the proposed level: answer agree instead",
                errors=[field_error(["body", "proposed_level"], "same as the proposed level")],
            )
        if not reason.strip():
            raise InvalidInput(
                "proposing another level needs a reason",
                errors=[field_error(["body", "reason"], "required")],
            )
    org = regions.find_organisation(session, jurisdiction_code=jurisdiction, kind="environment")
    assert org is not None
    row = ConsultationAnswer(
        warning_id=warning.id,
        jurisdiction_code=jurisdiction,
        organisation_id=org.id,
        answered_by=actor.username,
        answer="agree" if agree else "propose",
        proposed_level=proposed_level,
        reason=reason.strip(),
        answered_at=now,
    )
    session.add(row)
    session.flush()
    _record_event(
        session,
        warning,
        event_type="answered",
        from_status=warning.status,
        actor=actor,
        detail={
            "jurisdiction": jurisdiction,
            "answer": row.answer,
            "proposed_level": proposed_level,
            "reason": row.reason,
        },
    )
    return row


def _refuse_answer(
    session: Session, actor: Actor, warning: PollutionWarning, reason: str
) -> Conflict:
    warning_id = warning.id
    session.rollback()
    audit.record(
        session,
        actor=actor,
        action="warning.answer",
        object_type="warning",
        object_id=warning_id,
        outcome="refused",
        detail={"reason": reason},
    )
    session.commit()
    return Conflict(reason)


def consultation_state(
    session: Session, warning: PollutionWarning, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or utcnow()
    answered = {a.jurisdiction_code: a for a in answers_of(session, warning_id=warning.id)}
    missing = [j for j in warning.jurisdictions if j not in answered]
    deadline_passed = warning.deadline is not None and now > warning.deadline
    return {
        "answers": answered,
        "missing": missing,
        "deadline_passed": deadline_passed,
        "can_issue": warning.status == "consultation" and (not missing or deadline_passed),
    }


def issue(
    session: Session,
    *,
    actor: Actor | None,
    warning_id: int,
    level: str | None = None,
    now: dt.datetime | None = None,
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "issue")
    state = consultation_state(session, warning, now=now)
    if not state["can_issue"]:
        reason = (
            f"waiting for {', '.join(state['missing'])} until "
            f"{warning.deadline.isoformat() if warning.deadline else '-'}"
        )
        wid = warning.id
        session.rollback()
        audit.record(
            session,
            actor=actor,
            action="warning.issue",
            object_type="warning",
            object_id=wid,
            outcome="refused",
            detail={"reason": reason},
        )
        session.commit()
        raise Conflict(f"the consultation is still open: {reason}")
    criteria = get_criteria(session, code=warning.criteria_code, version=warning.criteria_version)
    if level is not None:
        _check_level(criteria, level, ["body", "level"])
        warning.level = level
    warning.status = "issued"
    warning.issued_at = now or utcnow()
    warning.measures = measures_snapshot(
        session, jurisdictions=warning.jurisdictions, level=warning.level
    )
    _record_event(
        session,
        warning,
        event_type="issued",
        from_status="consultation",
        actor=actor,
        detail={"silent": state["missing"], "proposed_level": warning.proposed_level},
    )
    return warning


def change_level(
    session: Session, *, actor: Actor | None, warning_id: int, level: str, reason: str = ""
) -> PollutionWarning:
    """Upgrade or downgrade an issued warning (office); the measures snapshot follows."""
    actor = ensure_role(
        session,
        actor,
        Role.OFFICE_ADMIN,
        action="warning.change_level",
        object_type="warning",
        object_id=str(warning_id),
    )
    warning = get_warning(session, warning_id=warning_id)
    criteria = get_criteria(session, code=warning.criteria_code, version=warning.criteria_version)
    _check_level(criteria, level, ["body", "level"])
    if criteria.rank_of(level) == criteria.rank_of(warning.level):
        raise InvalidInput(
            f"the warning is {level} already", errors=[field_error(["body", "level"], "unchanged")]
        )
    step = "upgrade" if criteria.rank_of(level) > criteria.rank_of(warning.level) else "downgrade"
    if warning.status not in TRANSITIONS[step][0]:
        raise _refuse_transition(session, actor, warning, step)
    previous = warning.level
    warning.level = level
    warning.measures = measures_snapshot(session, jurisdictions=warning.jurisdictions, level=level)
    _record_event(
        session,
        warning,
        event_type=f"{step}d",
        from_status="issued",
        actor=actor,
        detail={"from_level": previous, "reason": reason},
    )
    return warning


def lift(
    session: Session, *, actor: Actor | None, warning_id: int, reason: str = ""
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "lift")
    warning.status = "lifted"
    warning.lifted_at = utcnow()
    _record_event(
        session,
        warning,
        event_type="lifted",
        from_status="issued",
        actor=actor,
        detail={"reason": reason},
    )
    return warning


def withdraw(
    session: Session, *, actor: Actor | None, warning_id: int, reason: str = ""
) -> PollutionWarning:
    actor, warning = _office_step(session, actor, warning_id, "withdraw")
    previous = warning.status
    warning.status = "withdrawn"
    _record_event(
        session,
        warning,
        event_type="withdrawn",
        from_status=previous,
        actor=actor,
        detail={"reason": reason},
    )
    return warning


def list_warnings(
    session: Session,
    *,
    status: Sequence[str] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[PollutionWarning]:
    stmt = select(PollutionWarning)
    if status:
        stmt = stmt.where(PollutionWarning.status.in_(list(status)))
    if after_id is not None:
        stmt = stmt.where(PollutionWarning.id < after_id)
    stmt = stmt.order_by(PollutionWarning.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


#: What the public (no login) sees: issued and lifted warnings and their public steps. Proposals,
#: consultations and the agencies' answers are for logged-in users of the platform.
PUBLIC_STATUSES: tuple[str, ...] = ("issued", "lifted")
PUBLIC_EVENTS: tuple[str, ...] = ("issued", "upgraded", "downgraded", "lifted")


def visible_statuses(actor: Actor | None, wanted: Sequence[str] | None = None) -> list[str] | None:
    """The statuses ``actor`` may list (None = all), narrowed to ``wanted``."""
    if actor is not None:
        return list(wanted) if wanted else None
    return [s for s in (wanted or PUBLIC_STATUSES) if s in PUBLIC_STATUSES] or ["-"]


def visible_warning(session: Session, *, actor: Actor | None, warning_id: int) -> PollutionWarning:
    """The warning, or 404 when it does not exist or is not public and nobody is logged in."""
    warning = get_warning(session, warning_id=warning_id)
    if actor is None and warning.status not in PUBLIC_STATUSES:
        raise NotFound(f"no warning {warning_id}")
    return warning


def events_after(
    session: Session, *, after_id: int, limit: int = 100, public_only: bool = False
) -> list[WarningEvent]:
    if public_only:
        return list(
            session.scalars(
                select(WarningEvent)
                .where(WarningEvent.id > after_id, WarningEvent.event_type.in_(PUBLIC_EVENTS))
                .order_by(WarningEvent.id)
                .limit(limit)
            )
        )
    return list(
        session.scalars(
            select(WarningEvent)
            .where(WarningEvent.id > after_id)
            .order_by(WarningEvent.id)
            .limit(limit)
        )
    )


def events_of(session: Session, *, warning_id: int) -> list[WarningEvent]:
    return list(
        session.scalars(
            select(WarningEvent)
            .where(WarningEvent.warning_id == warning_id)
            .order_by(WarningEvent.id)
        )
    )


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(WarningEvent.id), 0))) or 0)


# ------------------------------------------------------------------------------------ daily job


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
        row = latest_model(session, city_code=city, before=day)
        if row is None or (day - row.cutoff).days > RETRAIN_AFTER_DAYS:
            try:
                row, _ = train_model(
                    session, actor=actor, city_code=city, until=day - dt.timedelta(days=1)
                )
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
