"""Tables of the cross-border rivers domain (all prefixed ``water_``).

A *section* (断面) is a monitoring point on a river, lake or the coast, monitored by one
jurisdiction's environment agency. Sections form a directed network: each knows the next
section downstream, so the platform can walk upstream and downstream. A cross-border section
also names the jurisdictions upstream and downstream of the border it sits on.

*Samples* are measured values in long form, one row per section, time, sampling kind and item
(automatic stations every 4 hours, manual samples monthly). A corrected value replaces the
current row and the replaced one is kept as a revision, as air observations are.

An *incident* is the water-pollution emergency linkage: opened by the platform when a
cross-border or into-the-sea section is worse than its target (or jumps), or reported by an
agency; it notifies the jurisdictions along the network (``notices``, each with its deadline),
and its timeline (``steps``) holds the consultation answers, measures, escalations and closure.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow

# 64-bit keys on the tables that grow with data (SQLite: INTEGER PRIMARY KEY is 64-bit already;
# the variant keeps it the rowid alias).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SectionKind(enum.StrEnum):
    NATIONAL = "national"  # 国控断面
    PROVINCIAL = "provincial"  # 省控断面
    CROSS_BORDER = "cross_border"  # 跨界断面 (between two of the jurisdictions)
    INTO_SEA = "into_sea"  # 入海河流断面
    COASTAL = "coastal"  # 近岸海域点位 (GB 3097)


class Waterbody(enum.StrEnum):
    RIVER = "river"
    LAKE = "lake"  # lakes and reservoirs: the lake TP column of GB 3838
    COASTAL = "coastal"  # assessed by GB 3097, not GB 3838


class SampleKind(enum.StrEnum):
    AUTOMATIC = "automatic"  # automatic station, every 4 hours, the "9+X" items
    MANUAL = "manual"  # monthly manual sample, all evaluated items


class SampleOrigin(enum.StrEnum):
    MEASURED = "measured"  # sent by the monitoring agency
    PUBLISHED = "published"  # copied from a public bulletin (the source names it)
    SYNTHETIC = "synthetic"  # made up for the demo, labelled as such everywhere


class IncidentTrigger(enum.StrEnum):
    TARGET_EXCEEDED = "target_exceeded"  # a section worse than its target class
    JUMP = "jump"  # a value beyond a multiple of its recent level
    REPORTED = "reported"  # reported by an agency


class IncidentSeverity(enum.StrEnum):
    GENERAL = "general"  # the less serious levels: neighbours told within 4 hours
    SERIOUS = "serious"  # the serious levels: within 2 hours


class IncidentStatus(enum.StrEnum):
    OPEN = "open"  # reported, neighbours being notified
    CONSULTATION = "consultation"  # the three jurisdictions consult
    RESPONSE = "response"  # joint sampling and measures under way
    CLOSED = "closed"


class NoticeRelation(enum.StrEnum):
    MONITORING = "monitoring"  # the jurisdiction that monitors the section
    UPSTREAM = "upstream"  # asked to trace sources
    DOWNSTREAM = "downstream"  # warned of what flows its way
    OFFICE = "office"  # the coordination office


class Section(Base):
    __tablename__ = "water_sections"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    river_zh: Mapped[str] = mapped_column(String(60))
    river_en: Mapped[str] = mapped_column(String(60))
    basin: Mapped[str] = mapped_column(String(40), default="haihe")  # 海河流域
    river_system: Mapped[str] = mapped_column(String(40))  # e.g. north_three_rivers, daqing
    kind: Mapped[str] = mapped_column(String(20))  # SectionKind
    waterbody: Mapped[str] = mapped_column(String(10), default=Waterbody.RIVER.value)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    # True where the position was read off a public map, not surveyed.
    approximate_position: Mapped[bool] = mapped_column(Boolean, default=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    upstream_jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"))
    downstream_jurisdiction_code: Mapped[str | None] = mapped_column(
        ForeignKey("jurisdictions.code")
    )
    downstream_section_code: Mapped[str | None] = mapped_column(
        ForeignKey("water_sections.code"), index=True
    )
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SectionTarget(Base):
    """The water-quality target class of a section for a year (考核目标)."""

    __tablename__ = "water_section_targets"

    section_code: Mapped[str] = mapped_column(ForeignKey("water_sections.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_class: Mapped[int] = mapped_column(Integer)  # 1..5
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Sample(Base):
    """The current value of one item of one sample."""

    __tablename__ = "water_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    section_code: Mapped[str] = mapped_column(ForeignKey("water_sections.code"))
    sampled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(10))  # SampleKind
    item: Mapped[str] = mapped_column(String(20))  # kernels item code, e.g. nh3n
    value: Mapped[float] = mapped_column(Float)
    # Below the detection limit: ``value`` holds the detection limit as reported; statistics
    # count it per the configured rule (half the limit by default, docs/water.md).
    below_detection: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(10), default=SampleOrigin.MEASURED.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(100))
    ingestion_id: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (
        UniqueConstraint("section_code", "sampled_at", "kind", "item", name="uq_water_sample"),
        Index("ix_water_samples_sampled_at", "sampled_at"),
    )


class SampleRevision(Base):
    """A superseded value of a sample item: what it was, and who replaced it when."""

    __tablename__ = "water_sample_revisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    section_code: Mapped[str] = mapped_column(String(20))
    sampled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(10))
    item: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    below_detection: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    superseded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    superseded_by: Mapped[str] = mapped_column(String(100))
    superseded_by_ingestion: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (Index("ix_water_sample_revisions_section_at", "section_code", "sampled_at"),)


class Ingestion(Base):
    """One batch of samples (API, CSV upload, CLI import): its counts and its row report."""

    __tablename__ = "water_ingestions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))  # api | csv | web | cli | demo
    source: Mapped[str] = mapped_column(String(300), default="")
    actor_username: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="running")
    rows_received: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class Incident(Base):
    __tablename__ = "water_incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    section_code: Mapped[str] = mapped_column(ForeignKey("water_sections.code"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # IncidentTrigger
    severity: Mapped[str] = mapped_column(String(10))  # IncidentSeverity
    status: Mapped[str] = mapped_column(String(14), index=True)  # IncidentStatus
    # What was seen: items, values, the target class and the sample time that triggered it.
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300), default="")
    estimated_amount: Mapped[str] = mapped_column(String(200), default="")
    reported_by: Mapped[str] = mapped_column(String(100))
    reporting_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closure_report: Mapped[str] = mapped_column(Text, default="")
    # One open incident per section, trigger and day: repeated detection does not duplicate.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class IncidentNotice(Base):
    """One jurisdiction told of an incident, with the deadline it must acknowledge by."""

    __tablename__ = "water_incident_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("water_incidents.id", ondelete="CASCADE"), index=True
    )
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    relation: Mapped[str] = mapped_column(String(12))  # NoticeRelation
    notified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("incident_id", "jurisdiction_code", name="uq_water_incident_notice"),
    )


class IncidentStep(Base):
    """The incident's timeline: every report, notice, answer, sampling, measure and closure."""

    __tablename__ = "water_incident_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("water_incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    actor_username: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class IncidentSampling(Base):
    """A joint sampling record taken during an incident (values by item code, mg/L)."""

    __tablename__ = "water_incident_samplings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("water_incidents.id", ondelete="CASCADE"), index=True
    )
    section_code: Mapped[str | None] = mapped_column(ForeignKey("water_sections.code"))
    location: Mapped[str] = mapped_column(String(300), default="")
    sampled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    values: Mapped[dict[str, float]] = mapped_column(JSONType, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
