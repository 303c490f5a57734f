from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from jingjinji.db import DbId
from jingjinji.inputs import MAX_CURSOR, Code, IsoDate, QueryBool, StrictBool
from jingjinji.pagination import MAX_LIMIT

SharingClass = Literal["unconditional", "conditional", "not_shared"]
FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
UpdateCycle = Literal["realtime", "hourly", "daily", "monthly", "quarterly", "yearly", "irregular"]
RequestStatus = Literal["pending", "escalated", "approved", "rejected"]
RequestBox = Literal["mine", "to_decide", "escalated", "all"]

SHARING_CLASSES: tuple[str, ...] = ("unconditional", "conditional", "not_shared")
FIELD_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "date", "datetime")
UPDATE_CYCLES: tuple[str, ...] = (
    "realtime",
    "hourly",
    "daily",
    "monthly",
    "quarterly",
    "yearly",
    "irregular",
)
MAX_BATCH_ROWS = 5000
Tag = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\s,](.*[^\s,])?$")]
DownloadFormat = Literal["csv", "jsonl", "parquet"]
#: The ``limit`` of a read's query as sent: documented as the integer it must be, and parsed
#: and checked by the service (``service.validation.page_size``) once the dataset is known to
#: be readable, so that a limit that is no number (``?limit=abc``) is refused on the record
#: as one out of range is, not by the framework before the service runs.
LimitText = Annotated[
    str | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})
]
DOWNLOAD_FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet")
#: The ``cursor`` of a read's query as sent: documented with its length limit, and checked
#: by the service (``service.validation.check_query``, before it is decoded), so that one too
#: long is refused on the record as a foreign one is, not by the framework.
CursorText = Annotated[str | None, WithJsonSchema({"type": "string", "maxLength": MAX_CURSOR})]
#: The ``file_format`` of a download's path as sent: documented as the formats the catalog
#: writes, and checked by the service (``plan_download``), so that an unknown one
#: (``download.xlsx``) is refused on the record.
DownloadFormatText = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(DOWNLOAD_FORMATS)})
]


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    unit: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=2000)
    description_zh: str = Field(default="", max_length=2000)
    sharing_class: SharingClass


class DatasetBody(BaseModel):
    """Everything of a dataset except its code (the body of an update)."""

    model_config = ConfigDict(extra="forbid")

    title_zh: str = Field(min_length=1, max_length=300)
    title_en: str = Field(min_length=1, max_length=300)
    description_zh: str = Field(default="", max_length=10000)
    description_en: str = Field(default="", max_length=10000)
    owner_organisation_id: Annotated[DbId, Field(strict=True)]
    domain: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="e.g. environment, economy, transport",
    )
    update_cycle: UpdateCycle
    sharing_class: SharingClass
    open_to_public: StrictBool = False
    fields: list[FieldIn] = Field(min_length=1, max_length=500)
    licence: str = Field(
        default="",
        max_length=64,
        pattern=r"^([A-Za-z0-9][A-Za-z0-9.+-]*)?$",
        description='an SPDX licence identifier, e.g. "CC-BY-4.0"; empty: none stated',
    )
    maintainer_name: str = Field(default="", max_length=200)
    maintainer_email: str = Field(
        default="", max_length=200, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$"
    )
    temporal_start: IsoDate | None = Field(default=None, description="first day the data covers")
    temporal_end: IsoDate | None = Field(default=None, description="last day the data covers")
    tags_zh: list[Tag] = Field(default_factory=list, max_length=30)
    tags_en: list[Tag] = Field(default_factory=list, max_length=30)


class DatasetIn(DatasetBody):
    code: str = Field(
        min_length=2,
        max_length=64,
        pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$",
        description='e.g. "BJ-ENV-AIR-DAILY"',
    )


class DatasetFilter(BaseModel):
    """The query of ``GET /datasets``: every filter given must match."""

    jurisdiction: Code | None = None
    owner_organisation_id: DbId | None = None
    domain: Code | None = None
    sharing_class: SharingClass | None = None
    open_to_public: QueryBool | None = None
    q: str | None = Field(default=None, max_length=200)
    cursor: CursorText = None
    limit: int = 50


class FieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    type: str
    unit: str
    description: str
    description_zh: str = ""
    sharing_class: str


class DatasetOut(BaseModel):
    id: int
    code: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    owner_organisation_id: int
    owner_name_zh: str
    owner_name_en: str
    jurisdiction_code: str
    province_code: str
    domain: str
    update_cycle: str
    sharing_class: str
    open_to_public: bool
    record_source: Literal["catalog", "registered"]
    fields: list[FieldOut]
    licence: str
    maintainer_name: str
    maintainer_email: str
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    tags_zh: list[str]
    tags_en: list[str]
    record_count: int | None = Field(
        description="records the catalog holds; null: served by another domain, not counted"
    )
    last_updated: dt.datetime = Field(
        description="the later of the last metadata change and the last records written"
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class WithheldField(BaseModel):
    field: str
    reason: str


class ReadAccessOut(BaseModel):
    dataset_code: str
    readable_fields: list[str]
    withheld_fields: list[WithheldField]
    basis: str = Field(description="why the readable fields are readable")
    cross_jurisdiction: bool


class RecordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class RecordsWritten(BaseModel):
    dataset_code: str
    inserted: int
    total_records: int


class RecordsPage(BaseModel):
    dataset_code: str
    fields: list[str]
    withheld_fields: list[WithheldField]
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class AccessRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_code: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=4000)
    fields: list[Code] = Field(min_length=1, max_length=500)
    period_start: IsoDate
    period_end: IsoDate


class AccessRequestFilter(BaseModel):
    """The query of ``GET /access-requests``."""

    box: RequestBox = "all"
    status: RequestStatus | None = None
    dataset_code: Code | None = None
    cursor: CursorText = None
    limit: int = 50


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    fields: list[Code] | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="approve: the fields granted (default: all requested)",
    )
    period_start: IsoDate | None = Field(default=None, description="approve: default requested")
    period_end: IsoDate | None = Field(default=None, description="approve: default requested")
    reason: str | None = Field(default=None, max_length=4000, description="required when rejecting")


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class AccessRequestOut(BaseModel):
    id: int
    dataset_code: str
    dataset_title_zh: str
    dataset_title_en: str
    owner_organisation_id: int
    requester_organisation_id: int
    requested_by: str | None = Field(
        description="who asked: for the requesting organisation and the office; null for others"
    )
    purpose: str
    fields: list[str]
    period_start: dt.date
    period_end: dt.date
    status: str
    submitted_at: dt.datetime
    due_date: dt.date
    overdue: bool
    escalated_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str | None
    grant_id: int | None = None


class AccessRequestRow(AccessRequestOut):
    """An access request as the requests page lists it."""

    may_decide: bool = Field(description="the viewer may decide it now")


class GrantOut(BaseModel):
    id: int
    dataset_code: str
    organisation_id: int
    request_id: int | None
    fields: list[str]
    row_scope: dict[str, list[str]] | None = Field(
        default=None,
        description="the rows granted: each field named holds one of its values; null: every row",
    )
    period_start: dt.date
    period_end: dt.date
    granted_by: str | None = Field(
        description="who granted it: for those who administer the dataset; null for others"
    )
    granted_at: dt.datetime
    revoked: bool
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    current: bool


class GrantFilter(BaseModel):
    """The query of ``GET /access-grants``; ``current=true`` keeps those in force today."""

    dataset_code: Code | None = None
    organisation_id: DbId | None = None
    current: QueryBool = False
    cursor: CursorText = None
    limit: int = 100


class GrantRow(GrantOut):
    """A grant as the requests page lists it."""

    may_revoke: bool = Field(description="in force or not, unrevoked, and the viewer may revoke it")


class SharingReport(BaseModel):
    jurisdiction_code: str
    name_zh: str
    name_en: str
    datasets_total: int
    datasets_unconditional: int
    datasets_conditional: int
    datasets_not_shared: int
    datasets_open_to_public: int
    requests_received: int
    requests_decided: int
    requests_approved: int
    requests_rejected: int
    requests_assessable: int = Field(
        description="requests decided or past their deadline: those whose timeliness is known"
    )
    answered_within_deadline: int
    answered_within_deadline_share: float | None = Field(
        description="answered_within_deadline / requests_assessable (null when none)"
    )
    median_decision_working_days: float | None
    median_decision_hours: float | None
    overdue_open: int = Field(description="undecided requests past their deadline now")
    escalated: int = Field(description="requests ever escalated to the coordination office")
    requests_sent: int = Field(description="requests made by this jurisdiction's organisations")


class ActivityItem(BaseModel):
    """One step of a dataset's activity stream (an audit entry, as far as the viewer sees it)."""

    seq: int = Field(description="the audit entry's position in the chain")
    occurred_at: dt.datetime
    action: str
    actor: str | None = Field(description="who acted: for those who administer the dataset")
    organisation_id: int | None = Field(description="the organisation whose access it is about")
    fields: list[str]
    changed: list[str] = Field(description="an update: the parts of the entry changed")
    rows: int | None = Field(description="records written: how many rows")


class ActivityFilter(BaseModel):
    """The query of ``GET /datasets/{code}/activity``."""

    cursor: CursorText = None
    limit: LimitText = Field(default=None, description="entries per page; 20 when not given")
