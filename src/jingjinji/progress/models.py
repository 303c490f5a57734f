"""Tables of coordinated-development tracking (all prefixed ``progress_``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow


class Agreement(Base):
    """A signed cooperation agreement between jurisdictions."""

    __tablename__ = "progress_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    # Jurisdiction codes of the parties (GB/T 2260), e.g. ["110000", "120000"].
    parties: Mapped[list[str]] = mapped_column(JSONType, default=list)
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    source_document: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitmentJurisdiction(Base):
    """A supporting jurisdiction of a commitment (the lead one is on the commitment)."""

    __tablename__ = "progress_commitment_jurisdictions"

    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("progress_commitments.id", ondelete="CASCADE"), primary_key=True
    )
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdictions.code"), primary_key=True
    )


class CommitmentAgency(Base):
    """A responsible agency (organisation) of a commitment."""

    __tablename__ = "progress_commitment_agencies"

    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("progress_commitments.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )


class CommitmentIndicator(Base):
    """An indicator that measures a commitment."""

    __tablename__ = "progress_commitment_indicators"

    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("progress_commitments.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("progress_indicators.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    # Read only (links are written by id): lets a commitment's indicator codes be loaded with
    # the commitments in one statement (selectinload) instead of one query per commitment.
    indicator: Mapped[Indicator] = relationship(viewonly=True)


class Commitment(Base):
    """One undertaking of an agreement, with its current status (history in StatusChange)."""

    __tablename__ = "progress_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("progress_agreements.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(40), index=True)
    lead_jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdictions.code"), index=True
    )
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source_locator: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship()
    supporting: Mapped[list[CommitmentJurisdiction]] = relationship(
        cascade="all, delete-orphan", order_by=CommitmentJurisdiction.jurisdiction_code
    )
    agencies: Mapped[list[CommitmentAgency]] = relationship(
        cascade="all, delete-orphan", order_by=CommitmentAgency.organisation_id
    )
    indicator_links: Mapped[list[CommitmentIndicator]] = relationship(cascade="all, delete-orphan")


class StatusChange(Base):
    """Append-only history of a commitment's status (database triggers refuse edits)."""

    __tablename__ = "progress_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("progress_commitments.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evidence(Base):
    """A link documenting progress on a commitment."""

    __tablename__ = "progress_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("progress_commitments.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Indicator(Base):
    __tablename__ = "progress_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20))  # higher_is_better | lower_is_better
    period_type: Mapped[str] = mapped_column(String(10))  # year | quarter | month
    area: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IndicatorValue(Base):
    """One value of an indicator for a jurisdiction (or area) and period."""

    __tablename__ = "progress_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "jurisdiction_code", "period"),
        Index("ix_progress_values_series", "indicator_id", "jurisdiction_code", "period_ordinal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("progress_indicators.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    # Consecutive integers for consecutive periods (see kernels.Period.ordinal).
    period_ordinal: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, index=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # Validation warnings raised when the value was stored (rule ids and messages).
    flags: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    submitted_by: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Corrections: how many times the value was revised and when last (``submitted_by`` and
    # ``organisation_id`` then name who revised it; the earlier versions are the revisions).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    revised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    indicator: Mapped[Indicator] = relationship()
    revisions: Mapped[list[ValueRevision]] = relationship(
        back_populates="value",
        cascade="all, delete-orphan",
        order_by="ValueRevision.id",
        passive_deletes=True,
    )


class ValueRevision(Base):
    """A correction of a stored value: the value as it was before (with who entered it and
    when), and who corrected it, when, through which channel and why."""

    __tablename__ = "progress_value_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_id: Mapped[int] = mapped_column(
        ForeignKey("progress_values.id", ondelete="CASCADE"), index=True
    )
    previous_value: Mapped[float] = mapped_column(Float)
    previous_source: Mapped[str] = mapped_column(Text)
    previous_note: Mapped[str | None] = mapped_column(Text)
    previous_submitted_by: Mapped[str] = mapped_column(String(100))
    previous_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    previous_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    new_value: Mapped[float] = mapped_column(Float)
    revised_by: Mapped[str] = mapped_column(String(100))
    revised_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    revised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))

    value: Mapped[IndicatorValue] = relationship(back_populates="revisions")


class Target(Base):
    """A quantitative target of an indicator for a jurisdiction."""

    __tablename__ = "progress_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "jurisdiction_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("progress_indicators.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    target_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int] = mapped_column(Integer)
    # The year progress is measured from; None: the earliest value.
    base_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    indicator: Mapped[Indicator] = relationship()
