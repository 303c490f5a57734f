from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow


class Dataset(Base):
    """A catalogued dataset of one organisation; its jurisdiction is the owner's."""

    __tablename__ = "catalog_datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Copies of the owner's jurisdiction and its provincial-level unit, for filters and reports.
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    province_code: Mapped[str] = mapped_column(String(12), index=True)
    domain: Mapped[str] = mapped_column(String(40), index=True)
    update_cycle: Mapped[str] = mapped_column(String(16))
    # unconditional | conditional | not_shared
    sharing_class: Mapped[str] = mapped_column(String(16), index=True)
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Publication metadata (DCAT-AP): an SPDX licence identifier ("" = none stated), the
    # contact point, and the period the data covers (None = not stated).
    licence: Mapped[str] = mapped_column(String(64), default="", server_default="")
    maintainer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    maintainer_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    temporal_start: Mapped[dt.date | None] = mapped_column(Date)
    temporal_end: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fields: Mapped[list[DatasetField]] = relationship(
        back_populates="dataset",
        order_by="DatasetField.position",
        cascade="all, delete-orphan",
    )
    tags: Mapped[list[DatasetTag]] = relationship(
        order_by=lambda: (DatasetTag.lang, DatasetTag.position), cascade="all, delete-orphan"
    )


class DatasetTag(Base):
    """A keyword of a dataset in one language (``zh`` or ``en``), for search and DCAT."""

    __tablename__ = "catalog_dataset_tags"
    __table_args__ = (UniqueConstraint("dataset_id", "lang", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_datasets.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(60))


class DatasetField(Base):
    """One field (column) of a dataset, with its own sharing class."""

    __tablename__ = "catalog_fields"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_datasets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    # string | integer | number | boolean | date | datetime
    type: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # The description in Chinese, shown on Chinese pages ("" where the owner gave none).
    description_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    sharing_class: Mapped[str] = mapped_column(String(16))

    dataset: Mapped[Dataset] = relationship(back_populates="fields")


class Record(Base):
    """One row of a generic dataset (datasets of other domains are read from their sources)."""

    __tablename__ = "catalog_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_datasets.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class AccessRequest(Base):
    """A conditional-access application of one organisation for fields of one dataset.

    ``status`` is the workflow position (pending -> escalated -> approved | rejected); what was
    granted and revoked lives in the append-only ``catalog_access_events``.
    """

    __tablename__ = "catalog_access_requests"
    __table_args__ = (
        Index("ix_catalog_access_requests_status_due", "status", "due_date"),
        # At most one undecided request per organisation and dataset, even under races.
        Index(
            "uq_catalog_access_requests_open",
            "dataset_id",
            "requester_organisation_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'escalated')"),
            postgresql_where=text("status IN ('pending', 'escalated')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_datasets.id"), index=True)
    requester_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSONType)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Last working day (China Standard Time) on which a decision is in time.
    due_date: Mapped[dt.date] = mapped_column(Date)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    dataset: Mapped[Dataset] = relationship()


class AccessEvent(Base):
    """Append-only history of access: submitted, escalated, rejected, granted, revoked.

    A grant is the ``granted`` event itself; a revocation is a later ``revoked`` event naming it
    (``revokes_event_id``, unique: a grant is revoked at most once). Current access is derived
    from these rows; the database refuses UPDATE and DELETE on them.
    """

    __tablename__ = "catalog_access_events"
    __table_args__ = (
        Index("ix_catalog_access_events_dataset_org", "dataset_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_datasets.id"))
    # The organisation whose access this is about (the requester / grantee).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_access_requests.id"), index=True
    )
    revokes_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_access_events.id"), unique=True
    )
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    # The rows a grant covers: ``{"<field>": ["value", ...]}`` (every field named must hold one
    # of its values); null: every row.
    row_scope: Mapped[dict[str, list[str]] | None] = mapped_column(JSONType)
    actor_username: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
