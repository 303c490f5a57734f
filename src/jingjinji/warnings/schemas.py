"""Input and output shapes of the warnings API (and of the query strings of its listings)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.inputs import Code, Cursor, IsoDate, IsoDateTime, StrictBool


class WarningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    level: str
    proposed_level: str
    criteria_code: str
    criteria_version: int
    cities: list[str]
    jurisdictions: list[str]
    start_date: dt.date
    end_date: dt.date
    max_aqi: float
    basis: str
    evidence: dict[str, Any]
    deadline: dt.datetime | None
    measures: dict[str, Any] | None
    proposed_by: str | None = Field(
        description="who proposed it: for the office and the administrators of its "
        "jurisdictions; null for others"
    )
    created_at: dt.datetime
    issued_at: dt.datetime | None
    lifted_at: dt.datetime | None


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    warning_id: int
    jurisdiction_code: str
    organisation_id: int
    answered_by: str | None = Field(
        description="who answered: for the office, the answering organisation and its "
        "province's administrators; null for others"
    )
    answer: str
    proposed_level: str | None
    reason: str
    answered_at: dt.datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    warning_id: int
    event_type: str
    from_status: str | None
    to_status: str
    level: str
    actor_username: str | None = Field(
        description="who took the step: for the office and the administrators of the "
        "warning's jurisdictions; null for others"
    )
    occurred_at: dt.datetime
    detail: dict[str, Any]


class WarningDetail(WarningOut):
    answers: list[AnswerOut]
    events: list[EventOut]
    missing_answers: list[str]
    deadline_passed: bool
    can_issue: bool


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cities: list[Code] = Field(min_length=1, max_length=50)
    level: Code
    start_date: IsoDate
    end_date: IsoDate
    max_aqi: float = Field(ge=0, le=500, strict=True)
    criteria_code: Code | None = None
    reason: str = Field(default="", max_length=2000)


class ConsultationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline: IsoDateTime | None = Field(
        default=None, description="default: 24 hours from now (must carry a time zone)"
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Literal["agree", "propose"]
    proposed_level: Code | None = None
    reason: str = Field(default="", max_length=2000)


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Code | None = Field(default=None, description="default: the proposed level")


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Code
    reason: str = Field(default="", max_length=2000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class CriteriaOut(BaseModel):
    code: str
    version: int
    name_en: str
    name_zh: str
    definition: dict[str, Any]


class AdoptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction_code: Code
    criteria_code: Code
    effective_from: IsoDate


class AdoptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    jurisdiction_code: str
    criteria_code: str
    effective_from: dt.date


class WarningFilter(BaseModel):
    """The query of ``GET /warnings``."""

    status: list[Code] | None = Field(default=None, max_length=20)
    cursor: Cursor | None = None
    limit: int = 50


class ForecastQuery(BaseModel):
    """The query of ``GET /warnings/forecasts``."""

    city: Code
    start: IsoDate
    end: IsoDate
    horizon: int = Field(default=1, ge=1, le=3)
    model_version: str | None = Field(default=None, max_length=120)


class ChartQuery(BaseModel):
    """The query of ``GET /warnings/forecasts/chart``."""

    city: Code
    horizon: int = Field(default=1, ge=1, le=3)
    start: IsoDate | None = None
    end: IsoDate | None = None


class ForecastChartOut(BaseModel):
    """Observed daily AQI and the forecast band by target date (one entry per day)."""

    dates: list[str] = []
    # Daily AQI is an integer (air's daily frames); kept as given, not turned into floats.
    observed: list[int | float | None] = []
    p10: list[float | None] = []
    p50: list[float | None] = []
    p90: list[float | None] = []
    model_versions: list[str] = []
    #: per day: "forecast" (a weather forecast was an input), "none", or null without forecast
    weather_input: list[str | None] = []
    #: "ready": the city has enough history (forecasts are drawn, or will be once issued);
    #: "no_data": no air-quality data; "too_little_history": fewer days than a model needs
    status: Literal["ready", "no_data", "too_little_history"] = "ready"
    message: str = ""
    days_with_aqi: int = 0
    needed_days: int = 0


class ForecastOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    city_code: str
    issue_date: dt.date
    target_date: dt.date
    horizon_days: int
    model_version: str
    issued_at: dt.datetime
    aqi_p10: float
    aqi_p50: float
    aqi_p90: float
    concentrations: dict[str, Any]
    #: "forecast": a weather forecast of the target day was an input; "none": no weather input.
    weather_input: Literal["forecast", "none"] = "none"


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=500)
    event_types: list[Code] = Field(min_length=1, max_length=20)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    description: str = Field(default="", max_length=200)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    event_types: list[str]
    active: bool
    description: str
    created_by: str
    created_at: dt.datetime
    previous_secret_until: dt.datetime | None


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret; shown only in this response.")


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_secret: str | None = Field(default=None, min_length=16, max_length=200)
    overlap_hours: float = Field(default=24, ge=0, le=24 * 14, strict=True)


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: StrictBool


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    event_type: str
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    last_status_code: int | None
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None


def _measure(description: str) -> Any:
    return Field(default=None, strict=True, description=description)


class WeatherForecastIn(BaseModel):
    """One weather forecast row: a day (``target_hour`` null) or an hour of it (China time).
    Units: °C, %, hPa, m/s, degrees (the direction the wind blows from), mm, m."""

    model_config = ConfigDict(extra="forbid")

    city_code: Code
    target_date: IsoDate
    target_hour: int | None = Field(default=None, strict=True, ge=0, le=23)
    issued_at: IsoDateTime = Field(description="with its offset, e.g. 2016-12-15T15:00+08:00")
    source: str = Field(min_length=1, max_length=120)
    temp_mean: float | None = _measure("°C")
    temp_min: float | None = _measure("°C")
    temp_max: float | None = _measure("°C")
    dewp_mean: float | None = _measure("°C")
    rh_mean: float | None = _measure("%, 0-100")
    pres_mean: float | None = _measure("hPa, 800-1100")
    wspm_mean: float | None = _measure("m/s")
    wind_dir_deg: float | None = _measure("degrees, 0-360, the direction the wind blows from")
    wind_u: float | None = _measure("m/s, positive towards the east")
    wind_v: float | None = _measure("m/s, positive towards the north")
    rain_sum: float | None = _measure("mm")
    blh_mean: float | None = _measure("boundary-layer height, m")


class WeatherBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[WeatherForecastIn] = Field(min_length=1, max_length=20_000)


class WeatherStoredOut(BaseModel):
    received: int
    stored: int
    unchanged: int


class WeatherForecastOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    city_code: str
    target_date: dt.date
    target_hour: int | None
    issued_at: dt.datetime
    source: str
    temp_mean: float | None
    temp_min: float | None
    temp_max: float | None
    dewp_mean: float | None
    rh_mean: float | None
    pres_mean: float | None
    wspm_mean: float | None
    wind_dir_deg: float | None
    wind_u: float | None
    wind_v: float | None
    rain_sum: float | None
    blh_mean: float | None
    created_at: dt.datetime


class WeatherFilter(BaseModel):
    """The query of ``GET /warnings/weather-forecasts``."""

    city: Code | None = None
    target_from: IsoDate | None = None
    target_to: IsoDate | None = None
    cursor: Cursor | None = None
    limit: int = Field(default=100, ge=1, le=1000)
