"""Tables of the warning domain: criteria, adoptions, measures, models, forecasts, weather
forecasts, warnings, consultation answers, warning events, webhook subscriptions and deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow


class CriteriaSet(Base):
    """One version of a declarative criteria set (``data/criteria/<code>.json``)."""

    __tablename__ = "warning_criteria"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CriteriaAdoption(Base):
    """From ``effective_from`` on, ``jurisdiction_code`` applies criteria set ``criteria_code``."""

    __tablename__ = "warning_criteria_adoptions"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    criteria_code: Mapped[str] = mapped_column(String(60))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResponseMeasureSet(Base):
    """Response measures of one scope (``region`` or a jurisdiction code), one version."""

    __tablename__ = "warning_measures"
    __table_args__ = (UniqueConstraint("scope", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), index=True)
    version: Mapped[int] = mapped_column(Integer)
    levels: Mapped[dict[str, Any]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ForecastModelRow(Base):
    """A trained model artifact (pickled scikit-learn models, SHA-256 checked on load)."""

    __tablename__ = "forecast_models"
    __table_args__ = (UniqueConstraint("city_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(60))
    cutoff: Mapped[dt.date] = mapped_column(Date)
    feature_hash: Mapped[str] = mapped_column(String(64))
    training_days: Mapped[int] = mapped_column(Integer)
    trained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Forecast(Base):
    """One forecast value. Insert-only: a new run adds rows, nothing is overwritten."""

    __tablename__ = "forecasts"
    __table_args__ = (UniqueConstraint("city_code", "issue_date", "target_date", "model_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    issue_date: Mapped[dt.date] = mapped_column(Date, index=True)
    target_date: Mapped[dt.date] = mapped_column(Date, index=True)
    horizon_days: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    aqi_p10: Mapped[float] = mapped_column(Float)
    aqi_p50: Mapped[float] = mapped_column(Float)
    aqi_p90: Mapped[float] = mapped_column(Float)
    concentrations: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: "forecast": the target day's weather forecast was an input; "none": it was not.
    weather_input: Mapped[str] = mapped_column(String(16), default="none", server_default="none")


class PollutionWarning(Base):
    """A regional heavy-pollution warning and where it is in its lifecycle."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # proposed -> consultation -> issued -> lifted ; proposed/consultation -> withdrawn
    status: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(16))
    proposed_level: Mapped[str] = mapped_column(String(16))
    criteria_code: Mapped[str] = mapped_column(String(60))
    criteria_version: Mapped[int] = mapped_column(Integer)
    cities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    jurisdictions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    max_aqi: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(16))  # forecast | observed | manual
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    measures: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    proposed_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ConsultationAnswer(Base):
    """A jurisdiction's environment agency's answer in a regional consultation."""

    __tablename__ = "warning_answers"
    __table_args__ = (UniqueConstraint("warning_id", "jurisdiction_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    answered_by: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str] = mapped_column(String(12))  # agree | propose
    proposed_level: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WarningEvent(Base):
    """Each lifecycle step of a warning, in order; the SSE stream and webhooks read these."""

    __tablename__ = "warning_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    actor_username: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    # During a rotation deliveries are signed with both secrets until this time.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event to one subscriber; ``dead`` deliveries are the dead-letter list."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WeatherForecast(Base):
    """One weather forecast for a city: a day (``target_hour`` null) or an hour of a day (China
    time), as issued at ``issued_at`` by ``source``. Units: °C, %, hPa, m/s, degrees (the
    direction the wind blows from, 0/360 = north, 90 = east), mm, m. Insert-only: the same key
    with the same values is accepted again, with other values it is refused."""

    __tablename__ = "weather_forecasts"
    __table_args__ = (
        UniqueConstraint("city_code", "target_date", "target_hour", "issued_at", "source"),
        # NULLs are distinct in a unique constraint: daily rows get their own unique index.
        Index(
            "uq_weather_forecasts_daily",
            "city_code",
            "target_date",
            "issued_at",
            "source",
            unique=True,
            sqlite_where=text("target_hour IS NULL"),
            postgresql_where=text("target_hour IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    target_date: Mapped[dt.date] = mapped_column(Date, index=True)
    target_hour: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(120))
    temp_mean: Mapped[float | None] = mapped_column(Float)
    temp_min: Mapped[float | None] = mapped_column(Float)
    temp_max: Mapped[float | None] = mapped_column(Float)
    dewp_mean: Mapped[float | None] = mapped_column(Float)
    rh_mean: Mapped[float | None] = mapped_column(Float)
    pres_mean: Mapped[float | None] = mapped_column(Float)
    wspm_mean: Mapped[float | None] = mapped_column(Float)
    wind_dir_deg: Mapped[float | None] = mapped_column(Float)
    wind_u: Mapped[float | None] = mapped_column(Float)
    wind_v: Mapped[float | None] = mapped_column(Float)
    rain_sum: Mapped[float | None] = mapped_column(Float)
    blh_mean: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
