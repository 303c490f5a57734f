"""API shapes of the air domain (Pydantic v2)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jingjinji.i18n import MessageText
from jingjinji.inputs import IsoDate, IsoDateTime

MAX_BATCH_ROWS = 100_000


class StationQuery(BaseModel):
    """Filters of ``GET /air/stations`` (query parameters)."""

    jurisdiction: str | None = Field(default=None, description="province or city code")
    city: str | None = Field(default=None, description="city code, e.g. 130100")
    bbox: str | None = Field(default=None, description="minlon,minlat,maxlon,maxlat")
    status: Literal["active", "stopped"] | None = None
    cursor: str | None = None
    limit: int = 100


class SeriesQuery(BaseModel):
    """The period and standard of a daily or hourly series (query parameters)."""

    start: IsoDate | None = Field(default=None, description="first local (CST) date")
    end: IsoDate | None = Field(default=None, description="last local (CST) date, inclusive")
    standard: str | None = Field(
        default=None,
        description="hj633-2012 or hj633-2026; default: the standard in force on each date",
    )


#: What a download holds (``GET /air/export``, ``jjj air export``).
ExportKind = Literal["daily", "hourly", "raw", "monthly", "yearly"]


class ExportQuery(BaseModel):
    """What ``GET /air/export`` downloads (query parameters): one station or one city, any
    range of dates (streamed)."""

    kind: ExportKind = "daily"
    station: str | None = None
    city: str | None = None
    start: IsoDate | None = None
    end: IsoDate | None = None
    format: Literal["csv", "parquet"] = "csv"
    standard: str | None = Field(
        default=None,
        description="hj633-2012 or hj633-2026; default: the standard in force on each date",
    )


class StationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    city_code: str
    province_code: str
    organisation_id: int | None
    longitude: float
    latitude: float
    status: str
    uci_name: str | None


class StationDetail(StationOut):
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    latest: LatestOut | None = None


class LatestOut(BaseModel):
    station_code: str
    name_zh: str
    name_en: str
    city_code: str
    longitude: float
    latitude: float
    status: str
    ts: dt.datetime | None
    aqi: int | None
    level: int
    category_en: str
    category_zh: str
    colour: str
    primary_pollutants: str | None


class BatchIn(BaseModel):
    """A batch of hourly observations.

    ``observations``: objects with ``station_code``, ``ts`` (ISO 8601, beginning of the hour;
    with a UTC offset, or naive and interpreted in ``timezone``) and any of ``pm2_5, pm10,
    so2, no2, co, o3`` (ug/m3, CO mg/m3 unless ``units`` says otherwise), ``temp`` (degC),
    ``pres`` (hPa), ``dewp`` (degC), ``rain`` (mm), ``wspm`` (m/s), ``wd`` (16-point compass).
    """

    model_config = ConfigDict(extra="forbid")

    units: dict[str, str] = Field(
        default_factory=dict, description='declared units per pollutant, e.g. {"co": "ug/m3"}'
    )
    timezone: str | None = Field(
        default=None, description="offset for timestamps without one, e.g. +08:00 or UTC"
    )
    observations: list[Any] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class IssueOut(BaseModel):
    row: int
    column: str | None
    reason: MessageText
    value: Any = None


class IngestOut(BaseModel):
    ingestion_id: int | None
    status: str
    rows_received: int
    rows_accepted: int
    rows_rejected: int
    inserted: int
    updated: int
    unchanged: int
    issues: list[IssueOut]
    issues_truncated: bool
    stations: list[str]


class CityOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    province_code: str
    stations: int
    first_date: dt.date | None
    last_date: dt.date | None


class SeriesOut(BaseModel):
    """A daily or hourly series: ``items`` are rows of the frame (nulls where missing)."""

    scope: str  # station | city
    code: str
    start: dt.date
    end: dt.date
    standard: str | None = Field(description="null: the standard in force on each date")
    items: list[dict[str, Any]]


class RankingItem(BaseModel):
    """One city of the day: its rank, daily AQI and the city means it is computed from."""

    rank: int
    city_code: str
    date: dt.date
    aqi: int | None
    level: int
    primary_pollutants: str | None
    pm2_5: float | None
    pm10: float | None
    so2: float | None
    no2: float | None
    co: float | None
    o3_1h: float | None
    o3_8h: float | None
    stations: int
    category_en: str
    category_zh: str
    colour: str
    name_zh: str
    name_en: str


class RankingOut(BaseModel):
    date: dt.date | None = Field(description="null: no daily data at all")
    standard: str | None = Field(description="null: the standard in force on each date")
    items: list[RankingItem]


class HourlyRankingQuery(BaseModel):
    """The hour and standard of ``GET /air/ranking/hourly`` (query parameters)."""

    hour: IsoDateTime | None = Field(
        default=None,
        description="beginning of the hour with its UTC offset, e.g. 2016-12-20T08:00+08:00; "
        "default: the latest hour at which half the reporting stations have PM2.5",
    )
    standard: str | None = Field(
        default=None,
        description="hj633-2012 or hj633-2026; default: the standard in force on the date",
    )


class HealthAdviceOut(BaseModel):
    """HJ 633's health effects and recommended measures of an AQI level, in both languages."""

    level: int
    effects_zh: str
    effects_en: str
    measures_zh: str
    measures_en: str


class LevelOut(BaseModel):
    """An AQI level (0: no AQI) with its HJ 633 category and colour."""

    level: int
    category_en: str
    category_zh: str
    colour: str


class LevelAdviceOut(LevelOut):
    """One of HJ 633's six levels: its AQI bounds, category, colour, health effects and
    recommended measures."""

    roman: str
    aqi_min: int
    aqi_max: int | None = Field(description="null: no upper bound (level VI)")
    advice: HealthAdviceOut


class HourlyRankingItem(BaseModel):
    """One city of the hour: its rank, hourly AQI, the city means of the hour and the health
    advice of its level (null without an AQI)."""

    rank: int
    city_code: str
    name_zh: str
    name_en: str
    ts: dt.datetime
    aqi: int | None
    level: int
    category_en: str
    category_zh: str
    colour: str
    primary_pollutants: str | None
    pm2_5: float | None
    pm10: float | None
    so2: float | None
    no2: float | None
    co: float | None
    o3: float | None = Field(description="1-hour ozone, ug/m3")
    stations: int = Field(description="stations with a PM2.5 value that hour")
    advice: HealthAdviceOut | None


class HourlyRankingOut(BaseModel):
    """Every city with data that hour (at most the region's 14), so not paged."""

    hour: dt.datetime | None = Field(description="UTC beginning of the hour; null: no data")
    standard: str | None = Field(description="null: the standard in force on the date")
    items: list[HourlyRankingItem]


class ComplianceRow(BaseModel):
    """One indicator of the GB 3095 assessment (``kernels.compliance_table``)."""

    year: int
    indicator: str
    column: str
    statistic: str  # annual_mean | percentile | exceedance_days
    value: float | None
    limit: float
    valid_days: int
    valid: bool
    passed: bool | None = Field(description="null: exceedance count or not assessed")
    reason: MessageText | None

    @field_validator("value")
    @classmethod
    def _finite_or_none(cls, value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) else None


class ComplianceOut(BaseModel):
    city_code: str
    year: int
    days: int = Field(description="days with data")
    level_days: dict[str, int] = Field(description="days per AQI level 0-6 (0: no AQI)")
    standards: dict[str, list[ComplianceRow]]


class RawPage(BaseModel):
    station_code: str
    dataset_code: str | None
    fields: list[str]
    withheld_fields: list[dict[str, str]]
    items: list[dict[str, Any]]
    next_cursor: str | None = None


StationDetail.model_rebuild()
