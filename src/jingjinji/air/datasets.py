"""Air data in the data catalog: three datasets per provincial environment agency.

- ``AIR-<province>-AQI-DAILY``: daily AQI and the daily concentrations it is computed from, per
  station; unconditional and open to the public.
- ``AIR-<province>-AQI-HOURLY``: hourly AQI per station; unconditional and open to the public.
- ``AIR-<province>-HOURLY-RAW``: raw hourly concentrations and weather per station;
  conditional (readable by the owner, administrators and organisations holding a grant).

The records of all three are served from the air tables through a record source registered
with the catalog (``register_record_source("AIR-", ...)``); the catalog decides which fields
each reader sees and audits cross-jurisdiction reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from jingjinji.air import service
from jingjinji.air.models import NUMERIC, Observation, Station, StationDaily
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.errors import InvalidInput, NotFound, PermissionDenied, field_error
from jingjinji.pagination import check_limit, decode_cursor, encode_cursor
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role

PREFIX = "AIR-"
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
}
KINDS = ("AQI-DAILY", "AQI-HOURLY", "HOURLY-RAW")
UNITS = {
    "co": "mg/m3",
    "temp": "degC",
    "dewp": "degC",
    "pres": "hPa",
    "rain": "mm",
    "wspm": "m/s",
    "wd": "",
}


def dataset_code(province_code: str, kind: str) -> str:
    return f"{PREFIX}{province_code}-{kind}"


def parse_code(code: str) -> tuple[str, str]:
    """``AIR-110000-AQI-DAILY`` -> (``110000``, ``AQI-DAILY``)."""
    rest = code[len(PREFIX) :] if code.startswith(PREFIX) else ""
    province, _, kind = rest.partition("-")
    if province not in PROVINCES or kind not in KINDS:
        raise NotFound(f"no air dataset with code {code!r}")
    return province, kind


def _field(name: str, type_: str, sharing: str, description: str, unit: str = "") -> FieldIn:
    return FieldIn.model_validate(
        {
            "name": name,
            "type": type_,
            "unit": unit,
            "description": description,
            "sharing_class": sharing,
        }
    )


def _pollutant_unit(name: str) -> str:
    base = name.split("_")[0] if name.startswith(("o3", "so2")) else name
    return "mg/m3" if base == "co" else "ug/m3"


def definitions(province_code: str, owner_id: int) -> list[DatasetIn]:
    name_zh, name_en = PROVINCES[province_code]
    keys = [
        ("station_code", "string", "monitoring station code (national list)"),
        ("city_code", "string", "GB/T 2260 code of the station's city"),
    ]
    daily_values = ["pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h"]
    aqi_fields = [
        ("aqi", "integer", "AQI (HJ 633 in force on the date); empty when not published"),
        ("level", "integer", "AQI level 1-6, 0 when no AQI"),
        ("primary_pollutants", "string", "primary pollutants, ';'-separated"),
    ]
    daily = DatasetIn(
        code=dataset_code(province_code, "AQI-DAILY"),
        title_zh=f"{name_zh}空气质量日报（AQI）",
        title_en=f"{name_en} daily air quality index",
        description_zh="各国控监测站点的日空气质量指数及其日均浓度（GB 3095 数据有效性）。",
        description_en="Daily AQI of each national monitoring station and the daily "
        "concentrations it is computed from (GB 3095 validity: 20 valid hours per 24-hour "
        "mean, 6 per 8-hour mean).",
        owner_organisation_id=owner_id,
        domain="environment",
        update_cycle="daily",
        sharing_class="unconditional",
        open_to_public=True,
        fields=[
            _field("date", "date", "unconditional", "local date (China Standard Time)"),
            *(_field(n, t, "unconditional", d) for n, t, d in keys),
            *(_field(n, t, "unconditional", d) for n, t, d in aqi_fields),
            *(
                _field(n, "number", "unconditional", f"daily {n}", _pollutant_unit(n))
                for n in daily_values
            ),
        ],
    )
    hourly = DatasetIn(
        code=dataset_code(province_code, "AQI-HOURLY"),
        title_zh=f"{name_zh}空气质量实时报（小时 AQI）",
        title_en=f"{name_en} hourly air quality index",
        description_zh="各国控监测站点的小时空气质量指数。",
        description_en="Hourly (real-time report) AQI of each national monitoring station.",
        owner_organisation_id=owner_id,
        domain="environment",
        update_cycle="hourly",
        sharing_class="unconditional",
        open_to_public=True,
        fields=[
            _field("ts", "datetime", "unconditional", "beginning of the hour, UTC"),
            *(_field(n, t, "unconditional", d) for n, t, d in keys),
            *(_field(n, t, "unconditional", d) for n, t, d in aqi_fields),
        ],
    )
    raw = DatasetIn(
        code=dataset_code(province_code, "HOURLY-RAW"),
        title_zh=f"{name_zh}空气质量小时原始监测数据",
        title_en=f"{name_en} raw hourly air-quality observations",
        description_zh="各国控监测站点的小时污染物浓度与气象观测（有条件共享）。",
        description_en="Hourly pollutant concentrations and weather of each national "
        "monitoring station (conditional sharing: readable with a grant).",
        owner_organisation_id=owner_id,
        domain="environment",
        update_cycle="hourly",
        sharing_class="conditional",
        open_to_public=False,
        fields=[
            _field("ts", "datetime", "conditional", "beginning of the hour, UTC"),
            *(_field(n, t, "conditional", d) for n, t, d in keys),
            *(
                _field(
                    n,
                    "number" if n != "wd" else "string",
                    "conditional",
                    f"hourly {n}",
                    UNITS.get(n, _pollutant_unit(n)),
                )
                for n in (*NUMERIC, "wd")
            ),
        ],
    )
    return [daily, hourly, raw]


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the air datasets of every provincial environment agency."""
    codes: list[str] = []
    for province in PROVINCES:
        org = regions.find_organisation(session, jurisdiction_code=province, kind="environment")
        if org is None:
            continue
        for data in definitions(province, org.id):
            catalog.ensure_dataset(session, actor=actor, data=data)
            codes.append(data.code)
    return codes


# --------------------------------------------------------------------------- record source


def _station_filter(province: str, filters: dict[str, str]) -> Any:
    clauses = [Station.province_code == province]
    if "station_code" in filters:
        clauses.append(Station.code == filters["station_code"])
    if "city_code" in filters:
        clauses.append(Station.city_code == filters["city_code"])
    return and_(*clauses)


def _parse_filter_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be an ISO date",
            errors=[field_error(["query", name], "expected YYYY-MM-DD")],
        ) from exc


def _parse_filter_ts(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be an ISO timestamp",
            errors=[field_error(["query", name], "expected ISO 8601")],
        ) from exc
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _cursor_key(cursor: str | None) -> tuple[str, str] | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor)
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise InvalidInput(
            "cursor is not one this API issued",
            errors=[field_error(["query", "cursor"], "malformed cursor")],
        )
    return key[0], key[1]


def read_records(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """Record source of the ``AIR-`` datasets (rows ordered by station, then time)."""
    check_limit(limit)
    province, kind = parse_code(dataset_code)
    key = _cursor_key(cursor)
    cities = dict(session.execute(select(Station.code, Station.city_code)).all())
    if kind == "AQI-DAILY":
        stmt = (
            select(StationDaily.station_code, StationDaily.date)
            .join(Station, Station.code == StationDaily.station_code)
            .where(_station_filter(province, filters))
        )
        if "date" in filters:
            stmt = stmt.where(StationDaily.date == _parse_filter_date(filters["date"], "date"))
        if key is not None:
            last_day = _parse_filter_date(key[1], "cursor")
            stmt = stmt.where(
                or_(
                    StationDaily.station_code > key[0],
                    and_(StationDaily.station_code == key[0], StationDaily.date > last_day),
                )
            )
        keys = session.execute(
            stmt.order_by(StationDaily.station_code, StationDaily.date).limit(limit + 1)
        ).all()
        page = keys[:limit]
        rows: list[dict[str, Any]] = []
        for code in sorted({k[0] for k in page}):
            days = [k[1] for k in page if k[0] == code]
            frame = service.station_daily_frame(
                session, station_code=code, start=min(days), end=max(days)
            )
            frame = frame.filter(pl.col("date").is_in(days))
            for row in frame.iter_rows(named=True):
                rows.append(
                    {
                        "date": row["date"].isoformat(),
                        "station_code": code,
                        "city_code": cities.get(code),
                        "aqi": row["aqi"],
                        "level": row["level"],
                        "primary_pollutants": row["primary_pollutants"],
                        **{c: row[c] for c in service.DAILY_COLUMNS},
                    }
                )
        next_cursor = (
            encode_cursor([page[-1][0], page[-1][1].isoformat()])
            if len(keys) > limit and page
            else None
        )
        return rows, next_cursor
    obs = (
        select(Observation.station_code, Observation.ts)
        .join(Station, Station.code == Observation.station_code)
        .where(_station_filter(province, filters))
    )
    if "ts" in filters:
        obs = obs.where(Observation.ts == _parse_filter_ts(filters["ts"], "ts"))
    if key is not None:
        last_ts = _parse_filter_ts(key[1], "cursor")
        obs = obs.where(
            or_(
                Observation.station_code > key[0],
                and_(Observation.station_code == key[0], Observation.ts > last_ts),
            )
        )
    keys = session.execute(
        obs.order_by(Observation.station_code, Observation.ts).limit(limit + 1)
    ).all()
    page = keys[:limit]
    rows = []
    for code in sorted({k[0] for k in page}):
        times = [k[1] for k in page if k[0] == code]
        lo, hi = min(times), max(times)
        frame = service.observations_frame(
            session,
            station_codes=[code],
            start_utc=lo - service.LOOKBACK,
            end_utc=hi + dt.timedelta(hours=1),
        )
        if kind == "AQI-HOURLY":
            frame = service._hourly_aqi(frame, standard=None)
        frame = frame.filter(pl.col("ts").is_in(times))
        for row in frame.iter_rows(named=True):
            out: dict[str, Any] = {
                "ts": row["ts"].isoformat(),
                "station_code": code,
                "city_code": cities.get(code),
            }
            if kind == "AQI-HOURLY":
                out.update(
                    aqi=row["aqi"], level=row["level"], primary_pollutants=row["primary_pollutants"]
                )
            else:
                out.update({c: row[c] for c in (*NUMERIC, "wd")})
            rows.append(out)
    next_cursor = (
        encode_cursor([page[-1][0], page[-1][1].isoformat()])
        if len(keys) > limit and page
        else None
    )
    return rows, next_cursor


catalog.register_record_source(PREFIX, read_records)


# --------------------------------------------------------------------------- raw access


def raw_access(
    session: Session, *, actor: Actor | None, station: Station
) -> tuple[tuple[str, ...], list[dict[str, str]], str | None]:
    """Which raw hourly fields ``actor`` may read for ``station``: (readable value columns,
    withheld [{field, reason}], dataset code or None when the dataset is not registered).

    Enforces the catalog's grant through ``readable_fields`` (401/403 when nothing is
    readable). Without a registered dataset only administrators and the owner read raw data.
    """
    code = dataset_code(station.province_code, "HOURLY-RAW")
    try:
        catalog.get_dataset(session, code=code)
    except NotFound:
        privileged = actor is not None and (
            actor.is_office_admin
            or actor.organisation_id == station.organisation_id
            or (
                actor.role is Role.JURISDICTION_ADMIN
                and actor.province_code == station.province_code
            )
        )
        if not privileged:
            raise PermissionDenied(
                f"raw hourly data of station {station.code} is not shared: dataset {code} "
                "is not registered in the catalog"
            ) from None
        return tuple((*NUMERIC, "wd")), [], None
    access = catalog.readable_fields(session, actor=actor, dataset_code=code)
    values = tuple(c for c in (*NUMERIC, "wd") if c in access.readable)
    withheld = [{"field": w.field, "reason": w.reason} for w in access.withheld]
    if not values:
        raise PermissionDenied(
            f"no raw hourly value of dataset {code} is readable for you",
            errors=[field_error(["fields", w["field"]], w["reason"]) for w in withheld],
        )
    return values, withheld, code


def record_raw_read(
    session: Session, *, actor: Actor | None, dataset: str | None, detail: dict[str, Any]
) -> None:
    if dataset is not None:
        catalog.record_read(session, actor=actor, dataset_code=dataset, detail=detail)
