"""Input, output and filter models of monitoring sections and their targets."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.inputs import Code, StrictBool
from jingjinji.water.models import SectionKind, Waterbody


class SectionIn(BaseModel):
    """A monitoring section to register (``POST /water/sections``), or its new version
    (``PUT /water/sections/{code}``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_\-]+$")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    river_zh: str = Field(min_length=1, max_length=60)
    river_en: str = Field(min_length=1, max_length=60)
    basin: str = Field(default="haihe", min_length=1, max_length=40)
    river_system: str = Field(min_length=1, max_length=40)
    kind: SectionKind
    waterbody: Waterbody = Waterbody.RIVER
    longitude: float = Field(strict=True, ge=73, le=136)
    latitude: float = Field(strict=True, ge=3, le=54)
    approximate_position: StrictBool = True
    jurisdiction_code: Code
    organisation_id: int | None = Field(default=None, strict=True)
    upstream_jurisdiction_code: Code | None = None
    downstream_jurisdiction_code: Code | None = None
    downstream_section_code: str | None = Field(default=None, max_length=20)
    automatic: StrictBool = False
    source: str = Field(default="", max_length=300)


class SectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    river_zh: str
    river_en: str
    basin: str
    river_system: str
    kind: str
    waterbody: str
    longitude: float
    latitude: float
    approximate_position: bool
    jurisdiction_code: str
    organisation_id: int | None
    upstream_jurisdiction_code: str | None
    downstream_jurisdiction_code: str | None
    downstream_section_code: str | None
    automatic: bool
    active: bool
    source: str


class SectionFilter(BaseModel):
    """The query of ``GET /water/sections``: every filter given must match."""

    jurisdiction: str | None = Field(default=None, max_length=12)
    kind: SectionKind | None = None
    river_system: str | None = Field(default=None, max_length=40)
    basin: str | None = Field(default=None, max_length=40)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 100


class TargetIn(BaseModel):
    """The target class of a section for a year (``PUT /water/sections/{code}/targets/{year}``)."""

    model_config = ConfigDict(extra="forbid")

    target_class: int = Field(strict=True, ge=1, le=5)


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    section_code: str
    year: int
    target_class: int


class SectionNetworkOut(BaseModel):
    """``GET /water/sections/{code}/network``: every section whose water reaches this one
    (nearest first) and the sections below it in flow order."""

    upstream: list[SectionOut]
    downstream: list[SectionOut]
