"""Input, output and filter models of credit records (licences, penalties, list entries, court
enforcement records), their batch upload and their publication.

The fields Credit China publishes (standards.md §5) that have a column are named fields here;
the rest travel in ``details`` under the names of :data:`DETAIL_FIELDS`. Personal data
(:data:`PERSONAL_DETAILS`: the identity document of the legal representative or of the natural
person who runs an individual business) is never in public output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.credit.models import RecordKind, RecordStatus
from jingjinji.db import DbId
from jingjinji.i18n import MessageText
from jingjinji.inputs import IsoDate, StrictBool

#: Published fields without a column of their own, kept in ``details``.
DETAIL_FIELDS = (
    "legal_representative",
    "id_type",
    "id_number",
    "authority_name",
    "authority_uscc",
    "court",
    "enforcement_basis",
    "obligation",
    "performance",
    "list_reason",
    "licence_category",
)
#: The longest value of a detail field (as a record's facts).
DETAIL_LIMIT = 4000
#: Detail fields that are personal data: never shown to the public or to other agencies.
PERSONAL_DETAILS = frozenset({"id_type", "id_number"})
#: Kinds published on a deadline (the "double publicity" records).
DOUBLE_PUBLICITY = frozenset({RecordKind.LICENCE.value, RecordKind.PENALTY.value})
LIST_KINDS = frozenset({RecordKind.RED_LIST.value, RecordKind.BLACK_LIST.value})
MAX_BATCH = 1000
SEVERITIES = ("ordinary", "serious")
PENALTY_TYPES = ("special_equipment", "work_safety", "fire_safety", "other")

Money = Decimal


class RecordIn(BaseModel):
    """A record from its source agency. Idempotent by (source agency, kind, document number).

    The source agency is the writer's organisation; the office or a province administrator
    names it (``source_organisation_id`` or ``source_agency_uscc``). An unknown subject is
    registered from ``uscc`` and ``subject_name``."""

    model_config = ConfigDict(extra="forbid")

    kind: RecordKind
    uscc: str = Field(min_length=1, max_length=40)
    subject_name: str | None = Field(default=None, max_length=300)
    source_organisation_id: DbId | None = None
    source_agency_uscc: str | None = Field(default=None, max_length=40)
    document_number: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=60)
    severity: str | None = Field(default=None, pattern="^(ordinary|serious)$")
    penalty_types: list[str] = Field(default_factory=list, max_length=10)
    facts: str | None = Field(default=None, max_length=4000)
    legal_basis: str = Field(min_length=1, max_length=4000)
    content: str | None = Field(default=None, max_length=4000)
    fine_10k_cny: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999"))
    confiscated_10k_cny: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999"))
    licence_suspended_or_revoked: StrictBool = False
    licence_number: str | None = Field(default=None, max_length=120)
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    measures: list[str] = Field(default_factory=list, max_length=30)
    decision_date: IsoDate
    details: dict[str, Annotated[str, Field(max_length=DETAIL_LIMIT)]] = Field(
        default_factory=dict, max_length=len(DETAIL_FIELDS)
    )
    publish: StrictBool = False  # publish at once (list entries and court records always are)
    synthetic: StrictBool = False


class BatchIn(BaseModel):
    """``POST /credit/records/batch``: all rows are stored or none."""

    model_config = ConfigDict(extra="forbid")

    records: list[RecordIn] = Field(min_length=1, max_length=MAX_BATCH)


class RowError(BaseModel):
    """One problem of a batch: the row (file line, or 1-based entry of a JSON batch), the
    column (field) and the reason."""

    row: int
    column: str
    # kept a message, so that the upload page shows it in the reader's language
    reason: MessageText
    expected: str | None = None


class BatchOut(BaseModel):
    rows: int
    created: int
    revised: int
    unchanged: int
    record_ids: list[int]


class RecordOut(BaseModel):
    """A record as its reader may see it: ``details`` lacks the personal fields unless the
    reader sees restricted data."""

    id: int
    kind: str
    status: str
    subject_id: int
    uscc: str
    subject_name: str
    source_organisation_id: int
    source_agency: str
    jurisdiction_code: str
    document_number: str
    title: str
    category: str | None
    severity: str | None
    penalty_types: list[str]
    facts: str | None
    legal_basis: str
    content: str | None
    fine_10k_cny: Decimal | None
    confiscated_10k_cny: Decimal | None
    licence_suspended_or_revoked: bool
    licence_number: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    measures: list[str]
    decision_date: dt.date
    publication_deadline: dt.date | None
    published_at: dt.datetime | None
    published_late: bool | None
    publicity_start: dt.date | None
    publicity_min_end: dt.date | None
    publicity_end: dt.date | None
    publicity_rules: str | None
    withdrawn_reason: str | None
    under_objection: bool
    details: dict[str, object]
    revision: int
    synthetic: bool
    may_write: bool = False


class RecordFilter(BaseModel):
    """The query of ``GET /credit/records``: every filter given must match."""

    kind: RecordKind | None = None
    status: RecordStatus | None = None
    source_organisation_id: DbId | None = None
    jurisdiction: str | None = Field(default=None, max_length=6)
    uscc: str | None = Field(default=None, max_length=40)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 50


class LiftIn(BaseModel):
    """Lift a list entry (the subject leaves the red or black list)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class QueueItemOut(BaseModel):
    """A pending record in the publication queue, with its countdown."""

    record: RecordOut
    working_days_left: int  # negative: working days overdue
    overdue: bool


class AgencyTimelinessOut(BaseModel):
    """Publication timeliness of one agency: share published within the deadline."""

    organisation_id: int
    agency: str
    jurisdiction_code: str
    published: int
    on_time: int
    late: int
    pending: int
    pending_overdue: int
    share_on_time: float | None  # None when nothing was published
    # the first pending, overdue records, for readers who may publish them (else empty)
    overdue_record_ids: list[int] = []


class WithdrawOut(BaseModel):
    withdrawn: int


class RecordRevisionIn(BaseModel):
    """What the agency's record page revises (the fields of the entry form; a blank field is
    cleared). The record's other fields, its kind, subject and document number stay."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    legal_basis: str = Field(min_length=1, max_length=4000)
    content: str | None = Field(default=None, max_length=4000)
    severity: str | None = Field(default=None, pattern="^(ordinary|serious)$")
    fine_10k_cny: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999"))
    decision_date: IsoDate
    measures: list[str] = Field(default_factory=list, max_length=30)
    legal_representative: str | None = Field(default=None, max_length=DETAIL_LIMIT)
    id_type: str | None = Field(default=None, max_length=DETAIL_LIMIT)
    id_number: str | None = Field(default=None, max_length=DETAIL_LIMIT)


class RecordEventOut(BaseModel):
    """One step of a record's history, from the audit record: its creation, revisions,
    publication, lifting, and the objections and repair applications about it. ``by`` and the
    step's particulars only for readers who see the record's restricted data."""

    seq: int
    at: dt.datetime
    action: str
    by: str | None = None
    revision: int | None = None
    changed: list[str] = []
    outcome: str | None = None
    late: bool | None = None
    objection_id: int | None = None
    repair_id: int | None = None
    note: str | None = None


class RecordPageOut(BaseModel):
    """The agency's page of one record: the record as its reader may see it, its history and
    what the reader may do with it."""

    record: RecordOut
    history: list[RecordEventOut]
    more_history: bool  # older steps exist beyond the ones listed
    may_publish: bool
    may_lift: bool
    may_revise: bool
    # an ID type stored as free text before the closed list, and the listed one it names
    legacy_id_type: str | None = None
    suggested_id_type: str | None = None
