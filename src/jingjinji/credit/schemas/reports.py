"""Output and filter models of the public credit window and of signed credit reports.

Nothing here carries personal data: no legal representative, address of an individual business,
objector or declarant names, contact details, nor a record's free ``details``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jingjinji.inputs import IsoDate

ListStatus = Literal["black", "red", "none"]
ReportLanguage = Literal["zh_CN", "zh-CN", "en"]
ReportFormat = Literal["json", "pdf"]


class PublicSearchFilter(BaseModel):
    """The query of ``GET /credit/public/subjects``: a name (current or former) or a USCC
    (full or its beginning)."""

    q: str = Field(min_length=1, max_length=200)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=20, ge=1, le=100)


class PublicSearchHit(BaseModel):
    uscc: str
    name: str
    name_en: str | None
    kind: str
    jurisdiction_code: str
    former_names: list[str]
    # The former name the query matched, when it matched none of the current ones.
    matched_former_name: str | None


class PublicSearchPage(BaseModel):
    items: list[PublicSearchHit]
    next_cursor: str | None


class MeasureOut(BaseModel):
    code: str
    kind: str
    name_zh: str
    name_en: str


class PublicRecordOut(BaseModel):
    """A record as the public window (and a report) shows it."""

    id: int
    kind: str
    title: str
    category: str | None
    document_number: str
    source_organisation: str
    jurisdiction_code: str
    legal_basis: str
    facts: str | None
    content: str | None
    severity: str | None
    fine_10k_cny: Decimal | None
    confiscated_10k_cny: Decimal | None
    licence_suspended_or_revoked: bool
    licence_number: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    decision_date: dt.date
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    measures: list[MeasureOut]
    under_objection: bool
    # Shown to staff who see restricted records only: no longer public (and why).
    withdrawn: bool
    withdrawn_reason: str | None


class SelfDeclarationOut(BaseModel):
    kind: str
    title: str
    content: str | None
    declared_on: dt.date
    self_declared: Literal[True] = True


class ListStatusOut(BaseModel):
    status: ListStatus
    black_entries: int
    red_entries: int
    measures: list[MeasureOut]


class PublicSubjectOut(BaseModel):
    """A subject's page in the public window, as of a date."""

    uscc: str
    name: str
    name_en: str | None
    kind: str
    registration_authority: str
    category: str
    region_code: str
    jurisdiction_code: str
    registered_on: dt.date | None
    former_names: list[str]
    as_of: dt.date
    list_status: ListStatusOut
    records: list[PublicRecordOut]
    self_declarations: list[SelfDeclarationOut]
    # Agency staff only (None for the public).
    risk_class: str | None
    staff_view: bool


class ReportQuery(BaseModel):
    """The query of ``GET /credit/subjects/{uscc}/report``."""

    as_of: IsoDate | None = None
    lang: ReportLanguage = "zh_CN"
    format: ReportFormat = "json"


class ReportPlatform(BaseModel):
    name_zh: str
    name_en: str
    verify_url: str


class ReportSubject(BaseModel):
    uscc: str
    name: str
    name_en: str | None
    kind: str
    registration_authority: str
    category: str
    region_code: str
    jurisdiction_code: str
    registered_on: dt.date | None
    former_names: list[str]


class ReportPayload(BaseModel):
    """What a credit report says; its canonical JSON (sorted keys, no spaces, UTF-8) is signed."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["jingjinji.credit-report/1"] = "jingjinji.credit-report/1"
    verification_code: str
    issued_at: str
    as_of: dt.date
    language: Literal["zh_CN", "en"]
    platform: ReportPlatform
    subject: ReportSubject
    list_status: ListStatusOut
    risk_class: str | None
    records: list[PublicRecordOut]
    self_declarations: list[SelfDeclarationOut]


class ReportSignature(BaseModel):
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str
    payload_sha256: str
    value: str  # base64 signature over the canonical payload


class SignedReport(BaseModel):
    """A credit report as a JSON document: the payload and its signature block."""

    payload: ReportPayload
    signature: ReportSignature


class IssuedReportOut(BaseModel):
    """What the platform recorded when it issued a report (``GET /credit/reports/{code}``):
    a presented report is genuine when its payload hashes to ``payload_sha256``."""

    verification_code: str
    uscc: str
    subject_name: str
    as_of: dt.date
    language: str
    issued_at: dt.datetime
    payload_sha256: str
    key_id: str


class VerificationOut(BaseModel):
    """The answer of ``jjj credit verify-report``."""

    valid: bool
    reason: str | None
    reason_code: (
        Literal[
            "unreadable",
            "tampered_payload",
            "unknown_key",
            "bad_signature",
            "unknown_code",
            "not_issued_with_this_payload",
        ]
        | None
    )
    verification_code: str | None
    key_id: str | None
    uscc: str | None
    as_of: str | None
    checked_against_database: bool
