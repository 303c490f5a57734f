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
from typing import Any, cast

import polars as pl
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from jingjinji.air import service
from jingjinji.air.models import NUMERIC, Observation, Station, StationDaily
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import KeyColumn, Paged, check_limit, paginate
from jingjinji.security import Actor

PREFIX = "AIR-"
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
}
KINDS = ("AQI-DAILY", "AQI-HOURLY", "HOURLY-RAW")
UNITS = {
    "co": "mg/m3",
    "temp": "°C",
    "dewp": "°C",
    "pres": "hPa",
    "rain": "mm",
    "wspm": "m/s",
    "wd": "",
}


def dataset_code(province_code: str, kind: str) -> str:
    return catalog.provincial_code(PREFIX, province_code, kind)


def parse_code(code: str) -> tuple[str, str]:
    """``AIR-110000-AQI-DAILY`` -> (``110000``, ``AQI-DAILY``)."""
    province, kind = catalog.split_provincial_code(
        code, prefix=PREFIX, provinces=PROVINCES, kinds=KINDS, what="air dataset"
    )
    return province, kind


#: The values' names in the fields' Chinese descriptions.
VALUE_NAMES_ZH = {
    "pm2_5": "PM2.5",
    "pm10": "PM10",
    "so2": "二氧化硫",
    "no2": "二氧化氮",
    "co": "一氧化碳",
    "o3": "臭氧",
    "o3_1h": "臭氧日最大1小时平均",
    "o3_8h": "臭氧日最大8小时滑动平均",
    "temp": "气温",
    "pres": "气压",
    "dewp": "露点温度",
    "rain": "降水量",
    "wspm": "风速",
    "wd": "风向（16方位）",
}


def _field(
    name: str, type_: str, sharing: str, description: str, description_zh: str, unit: str = ""
) -> FieldIn:
    return FieldIn.model_validate(
        {
            "name": name,
            "type": type_,
            "unit": unit,
            "description": description,
            "description_zh": description_zh,
            "sharing_class": sharing,
        }
    )


_HOUR_ZH = "小时起始时刻（协调世界时 UTC）"


def _pollutant_unit(name: str) -> str:
    base = name.split("_")[0] if name.startswith(("o3", "so2")) else name
    return "mg/m3" if base == "co" else "ug/m3"


def definitions(province_code: str, owner_id: int) -> list[DatasetIn]:
    name_zh, name_en = PROVINCES[province_code]
    keys = [
        ("station_code", "string", "monitoring station code (national list)", "国控监测站点编码"),
        (
            "city_code",
            "string",
            "GB/T 2260 code of the station's city",
            "站点所在城市的 GB/T 2260 代码",
        ),
    ]
    daily_values = ["pm2_5", "pm10", "so2", "no2", "co", "o3_1h", "o3_8h"]
    aqi_fields = [
        (
            "aqi",
            "integer",
            "AQI (HJ 633 in force on the date); empty when not published",
            "空气质量指数（按当日有效的 HJ 633 计算），未发布时为空",
        ),
        ("level", "integer", "AQI level 1-6, 0 when no AQI", "空气质量指数级别 1-6，无指数时为 0"),
        (
            "primary_pollutants",
            "string",
            "primary pollutants, ';'-separated",
            "首要污染物，以“;”分隔",
        ),
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
            _field(
                "date",
                "date",
                "unconditional",
                "local date (China Standard Time)",
                "日期（北京时间）",
            ),
            *(_field(n, t, "unconditional", d, dzh) for n, t, d, dzh in keys),
            *(_field(n, t, "unconditional", d, dzh) for n, t, d, dzh in aqi_fields),
            *(
                _field(
                    n,
                    "number",
                    "unconditional",
                    f"daily {n}",
                    f"{VALUE_NAMES_ZH[n]}日均浓度",
                    _pollutant_unit(n),
                )
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
            _field("ts", "datetime", "unconditional", "beginning of the hour, UTC", _HOUR_ZH),
            *(_field(n, t, "unconditional", d, dzh) for n, t, d, dzh in keys),
            *(_field(n, t, "unconditional", d, dzh) for n, t, d, dzh in aqi_fields),
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
            _field("ts", "datetime", "conditional", "beginning of the hour, UTC", _HOUR_ZH),
            *(_field(n, t, "conditional", d, dzh) for n, t, d, dzh in keys),
            *(
                _field(
                    n,
                    "number" if n != "wd" else "string",
                    "conditional",
                    f"hourly {n}",
                    f"{VALUE_NAMES_ZH[n]}小时值",
                    UNITS.get(n, _pollutant_unit(n)),
                )
                for n in (*NUMERIC, "wd")
            ),
        ],
    )
    return [daily, hourly, raw]


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the air datasets of every provincial environment agency."""
    return catalog.register_provincial_datasets(
        session, actor=actor, provinces=PROVINCES, definitions=definitions
    )


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
            msg("{name} must be an ISO date", name=name),
            errors=[field_error(["query", name], msg("expected YYYY-MM-DD"))],
        ) from exc


def _parse_filter_ts(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            msg("{name} must be an ISO timestamp", name=name),
            errors=[field_error(["query", name], msg("expected ISO 8601"))],
        ) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+08:00 is no UTC time
        raise InvalidInput(
            msg("{name} is out of range", name=name),
            errors=[field_error(["query", name], msg("timestamp out of range"))],
        ) from exc


def _record_page(
    session: Session,
    stmt: Select[str, Any, str],
    *key: KeyColumn,
    cursor: str | None,
    limit: int,
) -> Paged[Any]:
    """A page of (station, day or hour, city) rows, by station then time."""
    return paginate(
        session,
        cast(Select[Any], stmt),
        *key,
        cursor=cursor,
        limit=limit,
        scalars=False,
        key=lambda r: (r[0], r[1]),
    )


def _daily_records(
    session: Session, province: str, filters: dict[str, str], cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    stmt = (
        select(StationDaily.station_code, StationDaily.date, Station.city_code)
        .join(Station, Station.code == StationDaily.station_code)
        .where(_station_filter(province, filters))
    )
    if "date" in filters:
        stmt = stmt.where(StationDaily.date == _parse_filter_date(filters["date"], "date"))
    page = _record_page(
        session, stmt, StationDaily.station_code, StationDaily.date, cursor=cursor, limit=limit
    )
    cities = {k[0]: k[2] for k in page.items}
    rows: list[dict[str, Any]] = []
    for code in sorted(cities):
        days = [k[1] for k in page.items if k[0] == code]
        frame = service.station_daily_frame(
            session, station_code=code, start=min(days), end=max(days)
        )
        frame = frame.filter(pl.col("date").is_in(days))
        for row in frame.iter_rows(named=True):
            rows.append(
                {
                    "date": row["date"].isoformat(),
                    "station_code": code,
                    "city_code": cities[code],
                    "aqi": row["aqi"],
                    "level": row["level"],
                    "primary_pollutants": row["primary_pollutants"],
                    **{c: row[c] for c in service.DAILY_COLUMNS},
                }
            )
    return rows, page.next_cursor


def _hourly_records(
    session: Session,
    province: str,
    kind: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    stmt = (
        select(Observation.station_code, Observation.ts, Station.city_code)
        .join(Station, Station.code == Observation.station_code)
        .where(_station_filter(province, filters))
    )
    if "ts" in filters:
        stmt = stmt.where(Observation.ts == _parse_filter_ts(filters["ts"], "ts"))
    page = _record_page(
        session, stmt, Observation.station_code, Observation.ts, cursor=cursor, limit=limit
    )
    cities = {k[0]: k[2] for k in page.items}
    rows: list[dict[str, Any]] = []
    for code in sorted(cities):
        times = [k[1] for k in page.items if k[0] == code]
        frame = service.observations_frame(
            session,
            station_codes=[code],
            start_utc=min(times) - service.LOOKBACK,
            end_utc=max(times) + dt.timedelta(hours=1),
        )
        if kind == "AQI-HOURLY":
            frame = service.hourly_aqi(frame, standard=None)
        frame = frame.filter(pl.col("ts").is_in(times))
        for row in frame.iter_rows(named=True):
            out: dict[str, Any] = {
                "ts": row["ts"].isoformat(),
                "station_code": code,
                "city_code": cities[code],
            }
            if kind == "AQI-HOURLY":
                out.update(
                    aqi=row["aqi"], level=row["level"], primary_pollutants=row["primary_pollutants"]
                )
            else:
                out.update({c: row[c] for c in (*NUMERIC, "wd")})
            rows.append(out)
    return rows, page.next_cursor


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
    if kind == "AQI-DAILY":
        return _daily_records(session, province, filters, cursor, limit)
    return _hourly_records(session, province, kind, filters, cursor, limit)


catalog.register_record_source(PREFIX, read_records)
