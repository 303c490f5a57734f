"""Input and output models of the one-stop services: the joint check, objections, credit
repair, commitments and self-declarations."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.db import DbId
from jingjinji.inputs import TEXT_LIMIT, IsoDate

# --- joint check -------------------------------------------------------------------------


class CheckQuery(BaseModel):
    """The query of ``GET /credit/check``: whose status, for which decision."""

    uscc: str = Field(min_length=1, max_length=40)
    purpose: str = Field(min_length=1, max_length=40)


class MeasureOut(BaseModel):
    code: str
    kind: Literal["red", "black"]
    name_zh: str
    name_en: str
    purposes: list[str]


class ListEntryOut(BaseModel):
    """A red- or black-list entry (or court enforcement record) in force."""

    record_id: int
    kind: str
    title: str
    document_number: str
    decision_date: dt.date
    source_organisation_id: int
    source_organisation: str
    source_organisation_zh: str = ""  # its Chinese name, for the Chinese pages
    jurisdiction_code: str
    under_objection: bool
    measures: list[str]


class CheckOut(BaseModel):
    """The answer of the joint check (recorded in the audit as ``credit.check``)."""

    uscc: str
    name: str
    jurisdiction_code: str
    purpose: str
    purpose_name_en: str
    purpose_name_zh: str
    black_listed: bool
    red_listed: bool
    entries: list[ListEntryOut]
    measures: list[MeasureOut]  # those of the entries in force that apply to the purpose
    restricted: bool  # a black measure applies to the purpose
    risk_class: str | None
    risk_score: float | None
    supervision_frequency: str | None
    checked_at: dt.datetime


# --- objections ----------------------------------------------------------------------------


class ObjectionIn(BaseModel):
    """An objection to a record by someone it names (anonymous allowed)."""

    model_config = ConfigDict(extra="forbid")

    record_id: DbId
    objector_name: str = Field(min_length=1, max_length=200)
    objector_contact: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=TEXT_LIMIT)


class RecordCorrection(BaseModel):
    """The corrected content of a record (a new revision); fields not given stay."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    facts: str | None = Field(default=None, max_length=TEXT_LIMIT)
    content: str | None = Field(default=None, max_length=TEXT_LIMIT)
    legal_basis: str | None = Field(default=None, min_length=1, max_length=TEXT_LIMIT)
    category: str | None = Field(default=None, max_length=60)


class ObjectionAnswerIn(BaseModel):
    """The source agency's answer: corrected (the record is withdrawn from public view, or
    replaced by a new revision when a correction is given) or upheld (the record stands)."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["corrected", "upheld"]
    answer: str = Field(min_length=1, max_length=TEXT_LIMIT)
    correction: RecordCorrection | None = None


class TimelineEvent(BaseModel):
    at: dt.datetime
    event: str  # submitted | corrected | upheld | escalated | applied | approved | rejected
    by: str | None = None
    note: str | None = None


class ObjectionOut(BaseModel):
    id: int
    record_id: int
    record_title: str
    record_kind: str
    document_number: str
    subject_uscc: str
    subject_name: str
    source_organisation_id: int
    source_organisation: str
    source_organisation_zh: str = ""  # its Chinese name, for the Chinese pages
    source_jurisdiction_code: str
    objector_name: str
    objector_contact: str | None  # only for those who decide it
    reason: str
    submitted_at: dt.datetime
    due_date: dt.date
    status: str
    answer: str | None
    decided_at: dt.datetime | None
    overdue: bool
    may_decide: bool
    timeline: list[TimelineEvent] = []


# --- repairs -------------------------------------------------------------------------------


class RepairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_id: DbId
    applicant_name: str = Field(min_length=1, max_length=200)
    evidence: str = Field(min_length=1, max_length=TEXT_LIMIT)


class RepairDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["approved", "rejected"]
    note: str = Field(default="", max_length=TEXT_LIMIT)


class RepairOut(BaseModel):
    id: int
    record_id: int
    record_title: str
    document_number: str
    subject_uscc: str
    subject_name: str
    source_organisation_id: int
    source_organisation: str
    source_organisation_zh: str = ""  # its Chinese name, for the Chinese pages
    applicant_name: str
    evidence: str
    submitted_at: dt.datetime
    due_date: dt.date | None
    status: str
    decision_note: str | None
    decided_at: dt.datetime | None
    overdue: bool
    may_decide: bool
    timeline: list[TimelineEvent] = []


# --- commitments ---------------------------------------------------------------------------


class CommitmentIn(BaseModel):
    """A credit commitment signed online by the subject's representative."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(min_length=1, max_length=40)
    representative_name: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=TEXT_LIMIT)
    organisation_id: DbId
    due_date: IsoDate | None = None


class CommitmentOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["kept", "broken"]
    note: str = Field(default="", max_length=TEXT_LIMIT)


class CommitmentOut(BaseModel):
    id: int
    subject_uscc: str
    subject_name: str
    organisation_id: int
    organisation: str
    purpose: str
    content: str
    representative_name: str
    signed_at: dt.datetime
    due_date: dt.date | None
    status: str
    status_changed_at: dt.datetime | None
    broken_record_id: int | None
    may_decide: bool


# --- self-declarations ---------------------------------------------------------------------


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(min_length=1, max_length=40)
    kind: Literal["qualification", "honour", "other"]
    title: str = Field(min_length=1, max_length=300)
    content: str | None = Field(default=None, max_length=TEXT_LIMIT)
    declared_by_name: str = Field(min_length=1, max_length=100)


class DeclarationOut(BaseModel):
    id: int
    subject_uscc: str
    subject_name: str
    kind: str
    title: str
    content: str | None
    declared_by_name: str
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None
    self_declared: Literal[True] = True


# --- filters and small outputs -----------------------------------------------------------


class DeskFilter(BaseModel):
    """The query of the objection and repair desks."""

    status: str | None = Field(default=None, max_length=20)
    overdue: bool = False
    cursor: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=50, ge=1, le=200)


class CommitmentFilter(BaseModel):
    """The query of ``GET /credit/commitments``: one subject's (anyone), or the agency's."""

    uscc: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=20)
    cursor: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=50, ge=1, le=200)


class DeclarationFilter(BaseModel):
    uscc: str = Field(min_length=1, max_length=40)


class ClassFilter(BaseModel):
    # A GB/T 2260 code (e.g. 130000); anything else is a 422 naming query.jurisdiction.
    jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class ClassDistributionOut(BaseModel):
    jurisdiction: str | None
    counts: dict[str, int]
