"""Air-quality tables: stations, hourly observations (with revisions), ingestions, daily cache.

Observations are keyed by (station, hour): ``ts`` is the beginning of the hour in UTC. Every
change of a stored value keeps the superseded row in ``air_observation_revisions`` with who and
when; ``air_station_daily`` caches GB 3095 daily statistics computed by ``kernels.daily_means``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow

#: Pollutant columns as stored: ug/m3, except CO in mg/m3.
POLLUTANTS: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3")
#: Weather columns: temp (degC), pres (hPa), dewp (degC), rain (mm), wspm (m/s).
WEATHER: tuple[str, ...] = ("temp", "pres", "dewp", "rain", "wspm")
#: Every numeric value column of an observation.
NUMERIC: tuple[str, ...] = POLLUTANTS + WEATHER
#: Every value column, wind direction (16-point compass) last.
VALUE_COLUMNS: tuple[str, ...] = (*NUMERIC, "wd")

#: Daily statistics cached per station and local (China Standard Time) date.
DAILY_POLLUTANTS: tuple[str, ...] = (
    "pm2_5",
    "pm10",
    "so2",
    "no2",
    "co",
    "o3_1h",
    "o3_8h",
    "so2_1h",
)
DAILY_WEATHER: tuple[str, ...] = (
    "temp_mean",
    "temp_min",
    "temp_max",
    "pres_mean",
    "dewp_mean",
    "rain_sum",
    "wspm_mean",
)
DAILY_HOURS: tuple[str, ...] = (
    "hours_pm2_5",
    "hours_pm10",
    "hours_so2",
    "hours_no2",
    "hours_co",
    "hours_o3",
)


class Station(Base):
    """A monitoring station, owned by its jurisdiction's environment agency."""

    __tablename__ = "air_stations"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    city_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | stopped
    uci_name: Mapped[str | None] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(200), default="")


class Observation(Base):
    """The current value of one station-hour."""

    __tablename__ = "air_observations"

    station_code: Mapped[str] = mapped_column(ForeignKey("air_stations.code"), primary_key=True)
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    pm2_5: Mapped[float | None] = mapped_column(Float)
    pm10: Mapped[float | None] = mapped_column(Float)
    so2: Mapped[float | None] = mapped_column(Float)
    no2: Mapped[float | None] = mapped_column(Float)
    co: Mapped[float | None] = mapped_column(Float)
    o3: Mapped[float | None] = mapped_column(Float)
    temp: Mapped[float | None] = mapped_column(Float)
    pres: Mapped[float | None] = mapped_column(Float)
    dewp: Mapped[float | None] = mapped_column(Float)
    rain: Mapped[float | None] = mapped_column(Float)
    wspm: Mapped[float | None] = mapped_column(Float)
    wd: Mapped[str | None] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    ingestion_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_air_observations_ts", "ts"),)


class ObservationRevision(Base):
    """A superseded version of a station-hour: its values, and who replaced it when."""

    __tablename__ = "air_observation_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_code: Mapped[str] = mapped_column(String(10))
    ts: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)
    pm2_5: Mapped[float | None] = mapped_column(Float)
    pm10: Mapped[float | None] = mapped_column(Float)
    so2: Mapped[float | None] = mapped_column(Float)
    no2: Mapped[float | None] = mapped_column(Float)
    co: Mapped[float | None] = mapped_column(Float)
    o3: Mapped[float | None] = mapped_column(Float)
    temp: Mapped[float | None] = mapped_column(Float)
    pres: Mapped[float | None] = mapped_column(Float)
    dewp: Mapped[float | None] = mapped_column(Float)
    rain: Mapped[float | None] = mapped_column(Float)
    wspm: Mapped[float | None] = mapped_column(Float)
    wd: Mapped[str | None] = mapped_column(String(4))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    superseded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    superseded_by: Mapped[str] = mapped_column(String(100))
    superseded_by_ingestion: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_air_observation_revisions_station_ts", "station_code", "ts"),)


class Ingestion(Base):
    """One batch, upload or import: its counts and its validation report."""

    __tablename__ = "air_ingestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))  # api | csv | web | cli
    source: Mapped[str] = mapped_column(String(200), default="")
    actor_username: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="running")
    rows_received: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class StationDaily(Base):
    """GB 3095 daily statistics of a station for one local date (cache, recomputed on ingest)."""

    __tablename__ = "air_station_daily"

    station_code: Mapped[str] = mapped_column(ForeignKey("air_stations.code"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    pm2_5: Mapped[float | None] = mapped_column(Float)
    pm10: Mapped[float | None] = mapped_column(Float)
    so2: Mapped[float | None] = mapped_column(Float)
    no2: Mapped[float | None] = mapped_column(Float)
    co: Mapped[float | None] = mapped_column(Float)
    o3_1h: Mapped[float | None] = mapped_column(Float)
    o3_8h: Mapped[float | None] = mapped_column(Float)
    so2_1h: Mapped[float | None] = mapped_column(Float)
    hours_pm2_5: Mapped[int] = mapped_column(Integer, default=0)
    hours_pm10: Mapped[int] = mapped_column(Integer, default=0)
    hours_so2: Mapped[int] = mapped_column(Integer, default=0)
    hours_no2: Mapped[int] = mapped_column(Integer, default=0)
    hours_co: Mapped[int] = mapped_column(Integer, default=0)
    hours_o3: Mapped[int] = mapped_column(Integer, default=0)
    temp_mean: Mapped[float | None] = mapped_column(Float)
    temp_min: Mapped[float | None] = mapped_column(Float)
    temp_max: Mapped[float | None] = mapped_column(Float)
    pres_mean: Mapped[float | None] = mapped_column(Float)
    dewp_mean: Mapped[float | None] = mapped_column(Float)
    rain_sum: Mapped[float | None] = mapped_column(Float)
    wspm_mean: Mapped[float | None] = mapped_column(Float)
    wd_mode: Mapped[str | None] = mapped_column(String(4))

    __table_args__ = (Index("ix_air_station_daily_date", "date"),)
