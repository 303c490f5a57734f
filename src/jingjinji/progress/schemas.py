"""Pydantic models of the progress API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jingjinji.db import DbId
from jingjinji.i18n import MessageText, msg
from jingjinji.inputs import Code, Cursor, IsoDate
from jingjinji.progress.kernels import YEAR_MAX, YEAR_MIN

T = TypeVar("T")

Area = Literal[
    "planning",
    "transport",
    "ecology",
    "industry",
    "innovation",
    "ports",
    "investment_trade",
    "factor_markets",
    "public_services",
    "working_mechanism",
]
CommitmentStatus = Literal["not_started", "in_progress", "completed", "delayed", "cancelled"]
AREAS: tuple[str, ...] = get_args(Area)
COMMITMENT_STATUSES: tuple[str, ...] = get_args(CommitmentStatus)
DirectionName = Literal["higher_is_better", "lower_is_better"]
PeriodTypeName = Literal["year", "quarter", "month"]
# A calendar year the tracking knows (periods, targets, reports).
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
# The longest free text of a value (source, note), in the API and in uploaded cells alike.
TEXT_MAX = 2000
# The most values one batch or one uploaded file may hold.
MAX_BATCH = 5000
CODE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,59}$"
JURISDICTION_PATTERN = r"^[A-Z0-9]{2,12}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AgreementIn(_In):
    code: str = Field(pattern=CODE_PATTERN)
    title_zh: str = Field(min_length=1, max_length=300)
    title_en: str = Field(min_length=1, max_length=300)
    parties: list[Code] = Field(min_length=1, max_length=20)
    signed_on: IsoDate | None = None
    source_document: str | None = Field(default=None, max_length=300)


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title_zh: str
    title_en: str
    parties: list[str]
    signed_on: dt.date | None
    source_document: str | None


class CommitmentIn(_In):
    agreement_code: str = Field(min_length=1, max_length=60)
    code: str = Field(pattern=CODE_PATTERN)
    text_zh: str = Field(min_length=1, max_length=2000)
    text_en: str = Field(min_length=1, max_length=2000)
    area: Area
    lead_jurisdiction_code: str = Field(min_length=1, max_length=12)
    supporting_jurisdiction_codes: list[Code] = Field(default_factory=list, max_length=50)
    agency_ids: list[Annotated[int, Field(strict=True)]] = Field(
        default_factory=list, max_length=50
    )
    deadline: IsoDate | None = None
    status: CommitmentStatus = "in_progress"
    status_since: IsoDate | None = Field(
        default=None, description="date the initial status applies from (default: today)"
    )
    indicator_codes: list[Code] = Field(default_factory=list, max_length=100)
    source_locator: str | None = Field(default=None, max_length=300)


class EvidenceIn(_In):
    url: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=300)
    published_on: IsoDate | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "urn:")):
            raise ValueError(msg("must be an http(s) URL or a urn: reference to a document"))
        return value


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    title: str
    published_on: dt.date | None
    added_by: str | None = Field(
        description="who added it: for the office, the responsible agencies and the lead "
        "jurisdiction's administrators; null for others"
    )
    added_at: dt.datetime


class StatusChangeIn(_In):
    status: CommitmentStatus
    changed_on: IsoDate
    note: str | None = Field(default=None, max_length=TEXT_MAX)


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    changed_on: dt.date
    note: str | None
    recorded_by: str | None = Field(
        description="who recorded it: for the office, the responsible agencies and the lead "
        "jurisdiction's administrators; null for others"
    )
    recorded_at: dt.datetime


class CommitmentOut(BaseModel):
    id: int
    code: str
    agreement_code: str
    text_zh: str
    text_en: str
    area: str
    lead_jurisdiction_code: str
    supporting_jurisdiction_codes: list[str]
    agency_ids: list[int]
    deadline: dt.date | None
    status: str
    indicator_codes: list[str]
    source_locator: str | None
    updated_at: dt.datetime


class CommitmentDetail(CommitmentOut):
    history: list[StatusChangeOut]
    evidence: list[EvidenceOut]


class IndicatorIn(_In):
    code: str = Field(pattern=CODE_PATTERN)
    name_zh: str = Field(min_length=1, max_length=300)
    name_en: str = Field(min_length=1, max_length=300)
    unit: str = Field(min_length=1, max_length=40)
    direction: DirectionName
    period_type: PeriodTypeName
    area: Area
    description: str | None = Field(default=None, max_length=4000)


class IndicatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    period_type: str
    area: str
    description: str | None


class ValueIn(_In):
    indicator_code: str = Field(min_length=1, max_length=60)
    jurisdiction_code: str = Field(min_length=1, max_length=12)
    period: str = Field(min_length=1, max_length=10, description="2021, 2021Q3 or 2021-07")
    value: float = Field(strict=True, description="a JSON number (not true, not text)")
    unit: str | None = Field(default=None, max_length=40, description="if given, must match")
    source: str = Field(min_length=1, max_length=TEXT_MAX)
    note: str | None = Field(default=None, max_length=TEXT_MAX)

    # Finiteness is checked by the service (its error carries no raw input: JSON cannot
    # carry inf/NaN back in a problem document).


class ValueBatchIn(_In):
    values: list[ValueIn] = Field(min_length=1, max_length=MAX_BATCH)


class ValueOut(BaseModel):
    id: int
    indicator_code: str
    jurisdiction_code: str
    period: str
    value: float
    unit: str
    source: str
    note: str | None
    flags: list[dict[str, str]]
    organisation_id: int | None = Field(description="the organisation that submitted it")
    submitted_by: str | None = Field(
        description="who submitted it: for the office, that organisation and its province's "
        "administrators; null for others"
    )
    created_at: dt.datetime
    revision: int = Field(default=0, description="how many times the value was corrected")
    revised_at: dt.datetime | None = Field(default=None, description="its last correction")


class ValueRevisionOut(BaseModel):
    """One correction of a value: the value before it (who entered it and when) and who
    corrected it, when and why."""

    previous_value: float
    previous_source: str
    previous_note: str | None
    previous_organisation_id: int | None
    previous_submitted_by: str | None = Field(description="shown as for ``submitted_by``")
    previous_entered_at: dt.datetime
    value: float = Field(description="the value the correction set")
    reason: str
    revised_organisation_id: int | None
    revised_by: str | None = Field(description="shown as for ``submitted_by``")
    revised_at: dt.datetime
    channel: str


class ValueDetailOut(ValueOut):
    """A value with its corrections, oldest first."""

    history: list[ValueRevisionOut]


class ValuesStored(BaseModel):
    stored: int
    revised: int = Field(default=0, description="stored values corrected (history kept)")
    items: list[ValueOut]
    warnings: list[dict[str, str]]


class TargetIn(_In):
    indicator_code: str = Field(min_length=1, max_length=60)
    jurisdiction_code: str = Field(min_length=1, max_length=12)
    target_value: float = Field(strict=True, description="a JSON number (not true, not text)")
    target_year: Annotated[Year, Field(strict=True)]
    base_year: Annotated[Year, Field(strict=True)] | None = None
    source: str | None = Field(default=None, max_length=TEXT_MAX)


class TargetOut(BaseModel):
    id: int
    indicator_code: str
    jurisdiction_code: str
    target_value: float
    target_year: int
    base_year: int | None
    source: str | None


class ViolationOut(BaseModel):
    rule_id: str
    kind: str
    severity: str
    indicator_code: str
    jurisdiction_code: str
    period: str
    message: str


class ValidationReport(BaseModel):
    checked_values: int
    rules: int
    violations: list[ViolationOut]


class ProgressRow(BaseModel):
    indicator_code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    area: str
    jurisdiction_code: str
    latest_period: str | None
    latest_value: float | None
    previous_period: str | None
    previous_value: float | None
    change_previous_abs: float | None
    change_previous_pct: float | None
    base_period: str | None
    base_value: float | None
    change_base_abs: float | None
    change_base_pct: float | None
    target_value: float | None
    target_year: int | None
    status: str
    method: str
    ratio: float | None
    achieved_rate: float | None
    required_rate: float | None
    values: int


class Group(BaseModel, Generic[T]):
    key: str
    count: int
    status_counts: dict[str, int]
    items: list[T]


class Grouped(BaseModel, Generic[T]):
    group_by: str
    groups: list[Group[T]]


class StatusTally(BaseModel):
    """Counts per status: of indicator series and of commitments."""

    indicators: dict[str, int]
    commitments: dict[str, int]


class CommitmentTally(BaseModel):
    status: str
    area: str
    indicators: dict[str, int]


class Rollups(BaseModel):
    year: int | None
    jurisdiction: str | None
    by_area: dict[str, StatusTally]
    by_jurisdiction: dict[str, StatusTally]
    by_commitment: dict[str, CommitmentTally]
    totals: StatusTally


# ---------------------------------------------------------------- query parameters of listings


class CommitmentQuery(BaseModel):
    """``GET /progress/commitments``: every given filter applies."""

    area: Code | None = None
    jurisdiction: Code | None = Field(
        default=None,
        description="the lead or a supporting jurisdiction, or one below them",
    )
    status: Code | None = None
    agency: DbId | None = None
    agreement: Code | None = None
    group_by: Code | None = Field(
        default=None,
        description="area, status, jurisdiction, lead_jurisdiction, agency or agreement",
    )
    cursor: Cursor | None = None
    limit: int = 100


class ValueQuery(BaseModel):
    """``GET /progress/values``."""

    indicator: Code | None = None
    jurisdiction: Code | None = None
    period_from: Code | None = None
    period_to: Code | None = None
    cursor: Cursor | None = None
    limit: int = 100


class TargetQuery(BaseModel):
    """``GET /progress/targets``."""

    indicator: Code | None = None
    jurisdiction: Code | None = None


class SummaryQuery(BaseModel):
    """``GET /progress/summary``."""

    year: Year | None = None
    jurisdiction: Code | None = None
    area: Code | None = None
    indicator: Code | None = None
    base_year: Year | None = None
    group_by: Code | None = Field(
        default=None, description="area, status, jurisdiction, agency, indicator or direction"
    )


class CellError(BaseModel):
    row: int
    column: str
    reason: MessageText


class UploadResult(BaseModel):
    stored: int
    revised: int = 0
    rows: int
    warnings: list[dict[str, str]]
