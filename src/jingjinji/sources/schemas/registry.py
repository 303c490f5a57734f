"""Input and output models of the registry: enterprises, outlets, loggers, monitored factors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.inputs import Code, Cursor
from jingjinji.sources.models import OutletKind

#: An HJ 212-2017 pollutant code (w01018, a21026, ...); old 2005 codes are mapped before.
FactorCode = Field(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$")


class EnterpriseIn(BaseModel):
    """An enterprise to register (idempotent by USCC)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(min_length=18, max_length=18, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    jurisdiction_code: Code
    city_code: Code | None = None
    industry: str = Field(default="", max_length=100)
    park_code: str | None = Field(default=None, max_length=20)
    longitude: float | None = Field(default=None, strict=True, ge=73, le=136)
    latitude: float | None = Field(default=None, strict=True, ge=3, le=54)
    synthetic: bool = Field(default=False, strict=True)


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name_zh: str
    name_en: str
    jurisdiction_code: str
    city_code: str | None
    industry: str
    park_code: str | None
    longitude: float | None
    latitude: float | None
    synthetic: bool


class OutletIn(BaseModel):
    """An outlet of an enterprise (idempotent by enterprise and outlet code)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: OutletKind
    longitude: float = Field(strict=True, ge=73, le=136)
    latitude: float = Field(strict=True, ge=3, le=54)
    border_distance_km: float | None = Field(default=None, strict=True, ge=0)
    neighbour_jurisdiction_code: Code | None = None


class OutletOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    longitude: float
    latitude: float
    border_distance_km: float | None
    neighbour_jurisdiction_code: str | None


class LoggerIn(BaseModel):
    """A data logger on an outlet (idempotent by MN)."""

    model_config = ConfigDict(extra="forbid")

    mn: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    password: str = Field(min_length=1, max_length=20, pattern=r"^[\x21-\x7e]+$")
    protocol_version: Literal[2005, 2017, 2025] = 2017
    st: str = Field(min_length=2, max_length=2, pattern=r"^[0-9]{2}$")
    realtime_interval_seconds: int = Field(default=60, strict=True, ge=1, le=86400)


class LoggerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mn: str
    protocol_version: int
    outlet_id: int
    st: str
    realtime_interval_seconds: int
    active: bool


class FactorIn(BaseModel):
    """A monitored factor of an outlet with its unit and permit limits."""

    model_config = ConfigDict(extra="forbid")

    code: str = FactorCode
    unit: str = Field(min_length=1, max_length=20)
    hourly_limit: float | None = Field(default=None, strict=True, gt=0)
    daily_limit: float | None = Field(default=None, strict=True, gt=0)
    yearly_total_limit_kg: float | None = Field(default=None, strict=True, gt=0)
    invalid_run_limit: int = Field(default=6, strict=True, ge=1, le=10000)


class FactorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outlet_id: int
    code: str
    unit: str
    hourly_limit: float | None
    daily_limit: float | None
    yearly_total_limit_kg: float | None
    invalid_run_limit: int


# ---------------------------------------------------------------- listings and details


class EnterpriseFilter(BaseModel):
    """The query of ``GET /sources/enterprises``: every filter given must match; an unknown
    jurisdiction, city or park is a 422 naming it."""

    jurisdiction: str | None = Field(default=None, max_length=12)
    city: str | None = Field(default=None, max_length=12)
    park: str | None = Field(default=None, max_length=20)
    kind: OutletKind | None = None
    q: str | None = Field(default=None, max_length=100)
    cursor: Cursor | None = None
    limit: int = 100


class PageFilter(BaseModel):
    """A listing without filters: the cursor and the page size."""

    cursor: Cursor | None = None
    limit: int = 100


class EnterpriseDetailOut(EnterpriseOut):
    """``GET /sources/enterprises/{id}``: the enterprise with its outlets; ``data_readable``
    says whether the reader sees its loggers and monitoring data."""

    outlets: list[OutletOut]
    data_readable: bool


class OutletDetailOut(OutletOut):
    """``GET /sources/outlets/{id}``: the outlet, its enterprise, its monitored factors with
    their permit limits and, for those who read the enterprise's data, its loggers (``null``
    for the others: the MN is the address the gateway accepts data for)."""

    enterprise: EnterpriseOut
    factors: list[FactorOut]
    loggers: list[LoggerOut] | None


class ParkIn(BaseModel):
    """A cross-jurisdiction industrial transfer park (``POST /sources/parks``, office only;
    idempotent by code)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_\-]+$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    host_jurisdiction_code: Code
    partner_jurisdiction_codes: list[Code] = Field(min_length=1, max_length=10)


class ParkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    host_jurisdiction_code: str
    partner_jurisdiction_codes: list[str]


class FactorLimitsIn(BaseModel):
    """The body of ``PUT /sources/outlets/{id}/factors/{code}``: the factor's unit and permit
    limits (the code is the path's)."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=20)
    hourly_limit: float | None = Field(default=None, strict=True, gt=0, allow_inf_nan=False)
    daily_limit: float | None = Field(default=None, strict=True, gt=0, allow_inf_nan=False)
    yearly_total_limit_kg: float | None = Field(
        default=None, strict=True, gt=0, allow_inf_nan=False
    )
    invalid_run_limit: int = Field(default=6, strict=True, ge=1, le=10000)
