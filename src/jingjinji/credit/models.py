"""Tables of the unified social credit system (all prefixed ``credit_``).

A *subject* is a legal person, other organisation or individual business identified by its
Unified Social Credit Code (GB 32100-2015), owned by the jurisdiction where it is registered.
A *record* is one fact about a subject published by a source agency (an organisation of the
platform): an administrative licence or penalty (the "double publicity" records), a red- or
black-list entry, a court enforcement record or a broken credit commitment. Objections, credit
repairs, commitments, self-declarations and issued reports hang off subjects and records.

Records are never deleted: withdrawal from public view (end of the publicity period, approved
repair, a corrected objection) is a state and a date, so authorised staff still see them.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow

# 64-bit keys on every table that grows with the registry (SQLite: INTEGER PRIMARY KEY is
# 64-bit already; the variant keeps it the rowid alias).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SubjectKind(enum.StrEnum):
    LEGAL_PERSON = "legal_person"  # enterprises and other legal persons
    OTHER_ORGANISATION = "other_organisation"  # public institutions, social organisations...
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户 (category 92)


class RecordKind(enum.StrEnum):
    LICENCE = "licence"  # administrative licence (行政许可)
    PENALTY = "penalty"  # administrative penalty (行政处罚)
    RED_LIST = "red_list"  # joint incentive (守信激励 / 红名单)
    BLACK_LIST = "black_list"  # seriously untrustworthy (严重失信主体名单)
    COURT_ENFORCEMENT = "court_enforcement"  # court enforcement record (被执行人 / 失信被执行人)
    BROKEN_COMMITMENT = "broken_commitment"  # a credit commitment that was not kept


class RecordStatus(enum.StrEnum):
    PENDING = "pending"  # received from the agency, not yet published
    PUBLISHED = "published"  # public (within its publicity period)
    WITHDRAWN = "withdrawn"  # publicity ended (period over, repair approved, list exit)
    CORRECTED = "corrected"  # replaced after an objection was upheld as wrong (kept for history)


class ObjectionStatus(enum.StrEnum):
    PENDING = "pending"
    CORRECTED = "corrected"  # the record was wrong and has been corrected / withdrawn
    UPHELD = "upheld"  # the record stands


class RepairStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # public display ends early
    REJECTED = "rejected"


class CommitmentStatus(enum.StrEnum):
    ACTIVE = "active"
    KEPT = "kept"
    BROKEN = "broken"  # becomes a BROKEN_COMMITMENT record


class CreditSubject(Base):
    """A legal person, other organisation or individual business, by its USCC."""

    __tablename__ = "credit_subjects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)  # current registered name
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))  # SubjectKind
    # Decoded from the code (GB 32100-2015): authority (1 char), category (2 chars incl. the
    # authority), region (6 digits, GB/T 2260).
    registration_authority: Mapped[str] = mapped_column(String(1))
    category: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str] = mapped_column(String(6))
    # Owner: the provincial-level jurisdiction of registration (110000 / 120000 / 130000).
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    # Credit risk class A/B/C/D and the score behind it, recomputed whenever a record changes.
    risk_class: Mapped[str | None] = mapped_column(String(1), index=True)
    risk_score: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    risk_computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data says so
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CreditSubjectName(Base):
    """A subject's name history: one row per name with the period it was used."""

    __tablename__ = "credit_subject_names"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("credit_subjects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # None: current name


class CreditRecord(Base):
    """One published fact about a subject, from one source agency.

    Idempotent by (source organisation, kind, document number): re-sending the same record
    changes nothing; a changed one is a revision (``revision`` + 1, the old content in the
    audit trail).
    """

    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint(
            "source_organisation_id", "kind", "document_number", name="uq_credit_records_document"
        ),
        Index("ix_credit_records_subject_kind", "subject_id", "kind"),
        Index("ix_credit_records_status_deadline", "status", "publication_deadline"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # RecordKind
    source_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Jurisdiction of the source agency (who wrote it), which may differ from the subject's.
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    document_number: Mapped[str] = mapped_column(String(120))  # 决定文书号
    title: Mapped[str] = mapped_column(String(300))  # licence name / penalty name / list name
    category: Mapped[str | None] = mapped_column(String(60))  # licence / penalty category
    # Penalty: "ordinary" | "serious"; penalty types that set the minimum period
    # (e.g. ["special_equipment", "work_safety", "fire_safety"]).
    severity: Mapped[str | None] = mapped_column(String(20))
    penalty_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    facts: Mapped[str | None] = mapped_column(Text)  # 违法事实 / licence content
    legal_basis: Mapped[str] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)  # 处罚内容 / 许可内容
    fine_10k_cny: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    confiscated_10k_cny: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    licence_suspended_or_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    licence_number: Mapped[str | None] = mapped_column(String(120))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # List entries: the measures that follow (codes of credit.policy measures) and the exit date.
    measures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    decision_date: Mapped[dt.date] = mapped_column(Date, index=True)
    # Publication: due within N working days of the decision (official calendar).
    publication_deadline: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_late: Mapped[bool | None] = mapped_column(Boolean)
    # Publicity: shown from publicity_start until publicity_end (the maximum of its category
    # under the rules in force on the decision date); may end early (repair) only after
    # publicity_min_end.
    publicity_start: Mapped[dt.date | None] = mapped_column(Date)
    publicity_min_end: Mapped[dt.date | None] = mapped_column(Date)
    publicity_end: Mapped[dt.date | None] = mapped_column(Date, index=True)
    publicity_rules: Mapped[str | None] = mapped_column(String(20))  # "2019" | "2023"
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(String(40))  # period_over | repaired | ...
    status: Mapped[str] = mapped_column(String(20), default=RecordStatus.PENDING)
    under_objection: Mapped[bool] = mapped_column(Boolean, default=False)
    # Everything else Credit China publishes for this kind, as given (see schemas).
    details: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CreditObjection(Base):
    """An objection to a record by someone it names; the source agency answers by a deadline."""

    __tablename__ = "credit_objections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    objector_name: Mapped[str] = mapped_column(String(200))
    objector_contact: Mapped[str | None] = mapped_column(String(200))  # personal: never shared
    reason: Mapped[str] = mapped_column(Text)
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.PENDING, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CreditRepair(Base):
    """An application to end a record's public display early (credit repair)."""

    __tablename__ = "credit_repairs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text)  # what was done (fine paid, rectification...)
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=RepairStatus.PENDING, index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CreditCommitment(Base):
    """A credit commitment (信用承诺) a subject's representative signed towards an agency."""

    __tablename__ = "credit_commitments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subjects.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(200))  # e.g. licence application by promise
    content: Mapped[str] = mapped_column(Text)  # what the subject promised
    representative_name: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # by when it must be kept
    status: Mapped[str] = mapped_column(String(20), default=CommitmentStatus.ACTIVE, index=True)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    broken_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    signed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CreditSelfDeclaration(Base):
    """A fact a subject publishes about itself (qualification, honour), marked self-declared."""

    __tablename__ = "credit_self_declarations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # qualification | honour | other
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str | None] = mapped_column(Text)
    declared_by_name: Mapped[str] = mapped_column(String(100))
    declared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CreditReport(Base):
    """An issued credit report: what was signed, so a presented report can be checked later."""

    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subjects.id"), index=True)
    verification_code: Mapped[str] = mapped_column(String(40), unique=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(10))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))  # base64 Ed25519 over the payload
    key_id: Mapped[str] = mapped_column(String(64))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
