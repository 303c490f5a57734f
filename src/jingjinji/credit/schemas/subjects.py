"""Input, output and filter models of the credit registry (subjects and their names)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.inputs import IsoDate, StrictBool


class SubjectIn(BaseModel):
    """A subject to register (``POST /credit/subjects``): idempotent by USCC; a different name
    for a known code is a rename (the old name goes to the history)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    legal_representative: str | None = Field(default=None, max_length=100)
    registered_on: IsoDate | None = None
    address: str | None = Field(default=None, max_length=300)
    renamed_on: IsoDate | None = None  # when a new name took effect (default: today)
    synthetic: StrictBool = False


class SubjectOut(BaseModel):
    """A subject as anyone reads it (the legal representative of an individual business is
    the person who runs it: personal data, shown only to staff who see restricted data)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name: str
    name_en: str | None
    kind: str
    registration_authority: str
    category: str
    region_code: str
    jurisdiction_code: str
    legal_representative: str | None
    registered_on: dt.date | None
    address: str | None
    risk_class: str | None
    risk_score: float | None
    synthetic: bool
    former_names: list[str] = []


class SubjectFilter(BaseModel):
    """The query of ``GET /credit/subjects``: name, former name or USCC prefix."""

    q: str = Field(default="", max_length=200)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 50
