"""Weather forecasts per city from the meteorological service: intake (API, CSV, CLI), storage
and the accessor the AQI forecast reads (:func:`weather_forecast_frame`).

Units: temperatures and dew point °C, relative humidity %, pressure hPa, wind speed and the
wind components m/s, wind direction degrees, precipitation mm, boundary-layer height m.

Wind direction is the meteorological one: the direction the wind blows FROM, clockwise from
north (0 or 360 = from the north, 90 = from the east). The components follow the usual
convention: ``u`` positive towards the east, ``v`` positive towards the north, so
``u = -speed * sin(direction)`` and ``v = -speed * cos(direction)`` (a north wind has v < 0).

A row is a day (``target_hour`` null) or an hour of a day (0-23, China time) as issued at
``issued_at`` by ``source``. Rows are insert-only: sending the same row again is accepted and
changes nothing; the same key with other values is refused (409 naming the key).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, deny, province_of, require_actor
from jingjinji.warnings.models import WeatherForecast
from jingjinji.warnings.weather_fields import BOUNDS as BOUNDS
from jingjinji.warnings.weather_fields import UNITS as UNITS
from jingjinji.warnings.weather_fields import VALUE_FIELDS as VALUE_FIELDS

#: The columns of :func:`weather_forecast_frame`'s values (wind direction is turned into u/v).
FRAME_VALUES: tuple[str, ...] = tuple(f for f in VALUE_FIELDS if f != "wind_dir_deg")

#: Organisation kinds whose stewards send weather forecasts (besides the coordination office).
WRITER_KINDS: frozenset[str] = frozenset({"environment", "meteorology"})

MAX_BATCH_ROWS = 20_000


@dataclass(frozen=True)
class WeatherRow:
    """One checked row, ready to store."""

    city_code: str
    target_date: dt.date
    target_hour: int | None
    issued_at: dt.datetime
    source: str
    temp_mean: float | None = None
    temp_min: float | None = None
    temp_max: float | None = None
    dewp_mean: float | None = None
    rh_mean: float | None = None
    pres_mean: float | None = None
    wspm_mean: float | None = None
    wind_dir_deg: float | None = None
    wind_u: float | None = None
    wind_v: float | None = None
    rain_sum: float | None = None
    blh_mean: float | None = None

    def key(self) -> tuple[str, dt.date, int | None, dt.datetime, str]:
        return (self.city_code, self.target_date, self.target_hour, self.issued_at, self.source)

    def values(self) -> dict[str, float | None]:
        return {f: getattr(self, f) for f in VALUE_FIELDS}


class StoreResult(NamedTuple):
    received: int
    stored: int
    unchanged: int


# ------------------------------------------------------------------------------------ checking


def wind_components(speed: float, direction_deg: float) -> tuple[float, float]:
    """(u, v) in m/s of a wind of ``speed`` blowing FROM ``direction_deg`` (meteorological)."""
    rad = math.radians(direction_deg)
    return (-speed * math.sin(rad), -speed * math.cos(rad))


def check_values(values: Mapping[str, float | None]) -> list[tuple[str, str]]:
    """(field, reason) for each value outside its bounds or inconsistent with another."""
    problems: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        if not math.isfinite(value):
            problems.append((name, "not a finite number"))
            continue
        low, high = BOUNDS[name]
        if not low <= value <= high:
            problems.append((name, f"{value:g} {UNITS[name]} is outside {low:g}..{high:g}"))
    t_min, t_mean, t_max = values.get("temp_min"), values.get("temp_mean"), values.get("temp_max")
    if t_min is not None and t_max is not None and t_min > t_max:
        problems.append(("temp_min", f"temp_min {t_min:g} is above temp_max {t_max:g}"))
    for bound, cmp in (("temp_min", 1), ("temp_max", -1)):
        b = values.get(bound)
        if t_mean is not None and b is not None and (t_mean - b) * cmp < 0:
            problems.append(("temp_mean", f"temp_mean {t_mean:g} is outside {bound} {b:g}"))
    dewp = values.get("dewp_mean")
    if (values.get("wind_u") is None) != (values.get("wind_v") is None):
        problems.append(("wind_v" if values.get("wind_v") is None else "wind_u", "give both"))
    if dewp is not None and t_max is not None and dewp > t_max + 0.5:
        problems.append(("dewp_mean", f"dew point {dewp:g} is above temp_max {t_max:g}"))
    return problems


def check_key(
    *, target_hour: int | None, issued_at: dt.datetime, source: str
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if target_hour is not None and not 0 <= target_hour <= 23:
        problems.append(("target_hour", "an hour 0-23 (China time), or empty for a day"))
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        problems.append(("issued_at", "give a time zone offset (e.g. +08:00 or Z)"))
    if not source.strip():
        problems.append(("source", "required (e.g. the meteorological service)"))
    return problems


# ------------------------------------------------------------------------------------ who writes


def may_send_weather(
    actor: Actor | None,
    *,
    organisation_kind: str | None,
    organisation_jurisdiction: str | None,
    city_codes: Iterable[str],
) -> bool:
    """The coordination office sends any city's weather forecasts; a steward of an environment
    or meteorology organisation those of the cities of its own province."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    if actor.role is not Role.STEWARD or organisation_kind not in WRITER_KINDS:
        return False
    if organisation_jurisdiction is None:
        return False
    province = province_of(organisation_jurisdiction)
    return all(province_of(c) == province for c in city_codes)


def _ensure_writer(session: Session, actor: Actor | None, city_codes: set[str]) -> Actor:
    actor = require_actor(actor)
    org = (
        regions.get_organisation_or_none(session, organisation_id=actor.organisation_id)
        if actor.organisation_id is not None
        else None
    )
    if may_send_weather(
        actor,
        organisation_kind=org.kind if org else None,
        organisation_jurisdiction=org.jurisdiction_code if org else None,
        city_codes=city_codes,
    ):
        return actor
    raise deny(
        session,
        actor,
        action="weather_forecast.store",
        object_type="weather_forecast",
        object_id=None,
        jurisdiction_code=actor.jurisdiction_code,
        reason=msg(
            "{username} may not send weather forecasts for {city_codes}: the coordination "
            "office, or a steward of an environment or meteorology organisation for the "
            "cities of its own province",
            username=repr(actor.username),
            city_codes=", ".join(sorted(city_codes)),
        ),
    )


# ------------------------------------------------------------------------------------ storing


def _to_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _existing(session: Session, row: WeatherRow) -> WeatherForecast | None:
    hour = (
        WeatherForecast.target_hour.is_(None)
        if row.target_hour is None
        else WeatherForecast.target_hour == row.target_hour
    )
    return session.scalar(
        select(WeatherForecast).where(
            WeatherForecast.city_code == row.city_code,
            WeatherForecast.target_date == row.target_date,
            hour,
            WeatherForecast.issued_at == _to_utc(row.issued_at),
            WeatherForecast.source == row.source,
        )
    )


def _describe(row: WeatherRow) -> str:
    hour = "day" if row.target_hour is None else f"hour {row.target_hour}"
    return (
        f"city {row.city_code}, {row.target_date.isoformat()} {hour}, issued "
        f"{_to_utc(row.issued_at).isoformat()} by {row.source!r}"
    )


def store_weather_forecasts(
    session: Session,
    *,
    actor: Actor | None,
    rows: Sequence[WeatherRow],
    locs: Sequence[list[str | int]] | None = None,
    channel: str = "api",
) -> StoreResult:
    """Store checked rows (all or none). Unknown cities are a 422 naming the row; a key already
    stored with other values is a 409 naming it; the same row again changes nothing."""
    locs = locs or [["body", "rows", i] for i in range(len(rows))]
    cities = {r.city_code for r in rows}
    writer = _ensure_writer(session, actor, cities)
    known = regions.known_jurisdictions(session, codes=cities)
    unknown = [
        field_error(
            [*loc, "city_code"], msg("unknown city code {city_code}", city_code=repr(r.city_code))
        )
        for r, loc in zip(rows, locs, strict=True)
        if r.city_code not in known
    ]
    if unknown:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("{count} rows name an unknown city", count=len(unknown)), errors=unknown
            ),
            actor=writer,
            action="weather_forecast.store",
            object_type="weather_forecast",
        )
    seen: dict[tuple[Any, ...], WeatherRow] = {}
    new: list[WeatherRow] = []
    unchanged = 0
    for row in rows:
        key = (*row.key()[:3], _to_utc(row.issued_at), row.source)
        earlier = seen.get(key)
        stored = _existing(session, row) if earlier is None else None
        reference: Mapping[str, float | None] | None = None
        if earlier is not None:
            reference = earlier.values()
        elif stored is not None:
            reference = {f: getattr(stored, f) for f in VALUE_FIELDS}
        if reference is not None:
            differs = [f for f in VALUE_FIELDS if not _same(reference[f], getattr(row, f))]
            if differs:
                raise audit.audited_refusal(
                    session,
                    Conflict(
                        msg(
                            "a weather forecast for {forecast} is already in this batch with "
                            "other values ({differs}); a forecast is never overwritten: "
                            "send it with its own issued_at",
                            forecast=_describe(row),
                            differs=", ".join(differs),
                        )
                        if earlier
                        else msg(
                            "a weather forecast for {forecast} is already stored with "
                            "other values ({differs}); a forecast is never overwritten: "
                            "send it with its own issued_at",
                            forecast=_describe(row),
                            differs=", ".join(differs),
                        )
                    ),
                    actor=writer,
                    action="weather_forecast.store",
                    object_type="weather_forecast",
                    object_id=stored.id if stored else None,
                )
            unchanged += 1
            continue
        seen[key] = row
        new.append(row)
    for row in new:
        session.add(
            WeatherForecast(
                city_code=row.city_code,
                target_date=row.target_date,
                target_hour=row.target_hour,
                issued_at=_to_utc(row.issued_at),
                source=row.source,
                created_by=writer.username,
                **row.values(),
            )
        )
    session.flush()
    audit.record(
        session,
        actor=writer,
        action="weather_forecast.store",
        object_type="weather_forecast",
        object_id=None,
        detail={
            "channel": channel,
            "received": len(rows),
            "stored": len(new),
            "unchanged": unchanged,
            "cities": sorted(cities),
        },
    )
    return StoreResult(received=len(rows), stored=len(new), unchanged=unchanged)


def store_weather_batch(
    session: Session, *, actor: Actor | None, items: Sequence[Mapping[str, Any]]
) -> StoreResult:
    """Check a JSON batch (every problem listed, ``loc`` = body.rows.<index>.<field>), then
    store it all or nothing (:func:`store_weather_forecasts`)."""
    actor = require_actor(actor)
    errors: list[dict[str, Any]] = []
    rows: list[WeatherRow] = []
    for i, item in enumerate(items):
        problems = check_key(
            target_hour=item.get("target_hour"),
            issued_at=item["issued_at"],
            source=item["source"],
        )
        problems += check_values({f: item.get(f) for f in VALUE_FIELDS})
        errors += [field_error(["body", "rows", i, name], reason) for name, reason in problems]
        if not problems:
            rows.append(row_from_mapping(item))
    if errors:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("{count} problems in the batch; nothing was stored", count=len(errors)),
                errors=errors,
            ),
            actor=actor,
            action="weather_forecast.store",
            object_type="weather_forecast",
            detail={"channel": "api", "problems": len(errors)},
        )
    return store_weather_forecasts(session, actor=actor, rows=rows, channel="api")


def weather_forecasts_page(
    session: Session,
    *,
    actor: Actor | None,
    city_code: str | None = None,
    target_from: dt.date | None = None,
    target_to: dt.date | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[WeatherForecast]:
    """Stored weather forecasts (logged-in users), by id."""
    require_actor(actor)
    stmt = select(WeatherForecast)
    if city_code:
        stmt = stmt.where(WeatherForecast.city_code == city_code)
    if target_from:
        stmt = stmt.where(WeatherForecast.target_date >= target_from)
    if target_to:
        stmt = stmt.where(WeatherForecast.target_date <= target_to)
    return paginate(session, stmt, WeatherForecast.id, cursor=cursor, limit=limit)


# ------------------------------------------------------------------------------------ reading


def _frame_schema() -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {
        "target_date": pl.Date(),
        "issued_at": pl.Datetime("us", "UTC"),
    }
    schema.update({name: pl.Float64() for name in FRAME_VALUES})
    return schema


def _with_wind(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's values with u/v derived from speed and direction where not given."""
    out = {f: row[f] for f in VALUE_FIELDS}
    if out["wind_u"] is None and out["wspm_mean"] is not None and out["wind_dir_deg"] is not None:
        out["wind_u"], out["wind_v"] = wind_components(out["wspm_mean"], out["wind_dir_deg"])
    return out


def _daily_from_hours(hours: list[dict[str, Any]]) -> dict[str, float | None]:
    """Aggregate hourly rows to the day: means, the min and max of the temperatures (of the
    hourly means where no min/max is given) and the sum of the precipitation."""

    def present(name: str) -> list[float]:
        return [h[name] for h in hours if h[name] is not None]

    def mean(name: str) -> float | None:
        vals = present(name)
        return sum(vals) / len(vals) if vals else None

    day: dict[str, float | None] = {name: mean(name) for name in FRAME_VALUES}
    lows = present("temp_min") or present("temp_mean")
    highs = present("temp_max") or present("temp_mean")
    day["temp_min"] = min(lows) if lows else None
    day["temp_max"] = max(highs) if highs else None
    rain = present("rain_sum")
    day["rain_sum"] = sum(rain) if rain else None
    return day


def weather_forecast_frame(
    session: Session,
    *,
    city_code: str,
    issued_at_or_before: dt.datetime,
    target_from: dt.date,
    target_to: dt.date,
) -> pl.DataFrame:
    """One row per target day in ``target_from..target_to`` that has a forecast issued at or
    before ``issued_at_or_before``: the latest such issue (ties between sources: the first
    source by name). A day's own row is used when that issue has one, else its hourly rows
    are aggregated (:func:`_daily_from_hours`). Columns ``target_date`` (Date), ``issued_at``
    (Datetime UTC) and :data:`FRAME_VALUES` (Float64, null where not given); ``wind_u`` and
    ``wind_v`` are derived from speed and direction when not given. Nothing issued after the
    moment is read."""
    if issued_at_or_before.tzinfo is None:
        raise ValueError("issued_at_or_before must be time-zone aware")
    moment = _to_utc(issued_at_or_before)
    stmt = select(WeatherForecast).where(
        WeatherForecast.city_code == city_code,
        WeatherForecast.target_date >= target_from,
        WeatherForecast.target_date <= target_to,
        WeatherForecast.issued_at <= moment,
    )
    groups: dict[tuple[dt.date, dt.datetime, str], dict[str, Any]] = {}
    for r in session.scalars(stmt):
        values = _with_wind({f: getattr(r, f) for f in VALUE_FIELDS})
        group = groups.setdefault(
            (r.target_date, _to_utc(r.issued_at), r.source), {"day": None, "hours": []}
        )
        if r.target_hour is None:
            group["day"] = values
        else:
            group["hours"].append(values)
    best: dict[dt.date, tuple[dt.datetime, str, dict[str, Any]]] = {}
    for (day, issued, source), group in groups.items():
        current = best.get(day)
        if current is None or (issued, current[1]) > (current[0], source):
            best[day] = (issued, source, group)
    rows: list[dict[str, Any]] = []
    for day in sorted(best):
        issued, _source, group = best[day]
        values = group["day"] if group["day"] is not None else _daily_from_hours(group["hours"])
        rows.append(
            {"target_date": day, "issued_at": issued, **{f: values[f] for f in FRAME_VALUES}}
        )
    return pl.DataFrame(rows, schema=_frame_schema(), orient="row")


def row_from_mapping(values: Mapping[str, Any]) -> WeatherRow:
    """A :class:`WeatherRow` from checked values (no target_hour: a daily row)."""
    names = {f.name for f in fields(WeatherRow)}
    return WeatherRow(**{"target_hour": None, **{k: v for k, v in values.items() if k in names}})
