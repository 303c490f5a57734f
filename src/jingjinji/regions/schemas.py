from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class JurisdictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: str
    name_zh: str
    name_en: str
    parent_code: str | None


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(min_length=1, max_length=40, description="Unified Social Credit Code")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    jurisdiction_code: str = Field(min_length=1, max_length=12)
    kind: str = Field(default="other", max_length=40)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name_zh: str
    name_en: str
    jurisdiction_code: str
    kind: str
