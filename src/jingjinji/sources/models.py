"""Tables of the key-pollution-sources domain (all prefixed ``source_``).

The *registry* says who is monitored: enterprises (by USCC, owned by the jurisdiction that
registered them), their outlets (wastewater or flue gas, with a position), the data loggers on
the outlets (by MN, with the password the logger sends and its protocol version) and the
monitored factors of each outlet with their units and permit limits.

The *data* arrives as HJ 212 packets through the gateway and JetStream; the loader stores one
row per accepted data packet (``source_packets``, the idempotency key: logger, command, data
time) and one row per factor of it (``source_values``). On PostgreSQL both are partitioned by
month of the data time (migration 0501), so real-time and minute data past the retention
period are dropped by partition; on SQLite (the embedded mode) they are plain tables.

*Enforcement*: an exceedance event (a value above its permit limit, a silent logger, a run of
invalid flags) opens for the enterprise's jurisdiction; a linked enforcement case groups events,
involves one or several jurisdictions and carries tasks for their agencies and a timeline.
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
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow

# 64-bit keys (SQLite: INTEGER PRIMARY KEY is 64-bit already; the variant keeps the rowid alias).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class OutletKind(enum.StrEnum):
    WASTEWATER = "wastewater"  # 废水排放口, HJ 212 ST=32, w-codes
    FLUE_GAS = "flue_gas"  # 废气排放口, HJ 212 ST=31, a-codes


class DataCommand(enum.IntEnum):
    """The HJ 212 upload commands the platform stores."""

    REALTIME = 2011
    DAILY = 2031
    MINUTE = 2051
    HOURLY = 2061


class ExceedanceKind(enum.StrEnum):
    HOURLY_LIMIT = "hourly_limit"  # an hourly average (flag N) above the hourly limit
    DAILY_LIMIT = "daily_limit"  # a daily average above the daily limit
    SILENT = "silent"  # a logger silent longer than its interval allows
    INVALID_FLAGS = "invalid_flags"  # a run of D/F/M/C flags longer than allowed


class ExceedanceStatus(enum.StrEnum):
    OPEN = "open"  # nobody has taken it up yet (``ended_at`` says when the episode ended)
    IN_CASE = "in_case"  # taken into a linked enforcement case
    CLOSED = "closed"  # its case was closed


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaskKind(enum.StrEnum):
    INSPECTION = "inspection"  # on-site inspection
    SAMPLING = "sampling"  # sampling for a laboratory
    PENALTY = "penalty"  # penalty decision


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class Enterprise(Base):
    """A monitored enterprise (重点排污单位), by its unified social credit code."""

    __tablename__ = "source_enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # The jurisdiction that registered it and owns its records (110000 Beijing, 120000
    # Tianjin, 130000 Hebei, or one of their cities).
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    city_code: Mapped[str | None] = mapped_column(String(12), index=True)  # prefecture, e.g. 130100
    industry: Mapped[str] = mapped_column(String(100), default="")
    # A cross-jurisdiction industrial transfer park (source_parks.code) the enterprise sits in.
    park_code: Mapped[str | None] = mapped_column(ForeignKey("source_parks.code"))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    # True for the demo's made-up enterprises (the loggers are real, the owners are not).
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Park(Base):
    """A cross-jurisdiction industrial transfer park: an enterprise in it involves the partner
    jurisdictions in every enforcement case about it."""

    __tablename__ = "source_parks"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    host_jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    partner_jurisdiction_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)


class Outlet(Base):
    """A discharge outlet (排放口) of an enterprise."""

    __tablename__ = "source_outlets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("source_enterprises.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # the enterprise's outlet number, e.g. DA001
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(12))  # OutletKind
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    # Kilometres to the nearest border with another of the three jurisdictions, when known;
    # within JJJ_SOURCES_BORDER_KM the neighbour is involved in its cases.
    border_distance_km: Mapped[float | None] = mapped_column(Float)
    neighbour_jurisdiction_code: Mapped[str | None] = mapped_column(
        ForeignKey("jurisdictions.code")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("enterprise_id", "code", name="uq_source_outlet_code"),)


class Logger(Base):
    """A data logger (数采仪) on an outlet, known by its MN."""

    __tablename__ = "source_loggers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    mn: Mapped[str] = mapped_column(String(40), unique=True)
    # The PW the logger sends (HJ 212 access password, 6 characters in the standard; real
    # loggers send what they were configured with). Not a secret in the protocol: in clear text.
    password: Mapped[str] = mapped_column(String(20))
    protocol_version: Mapped[int] = mapped_column(SmallInteger, default=2017)  # 2005 | 2017 | 2025
    outlet_id: Mapped[int] = mapped_column(ForeignKey("source_outlets.id"), index=True)
    st: Mapped[str] = mapped_column(String(2))  # system code the logger sends (31, 32, ...)
    # Seconds between real-time uploads; a logger silent for more than
    # JJJ_SOURCES_SILENT_INTERVALS of these is offline.
    realtime_interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MonitoredFactor(Base):
    """A factor monitored at an outlet, with its unit and permit limits (排污许可限值)."""

    __tablename__ = "source_factors"

    outlet_id: Mapped[int] = mapped_column(ForeignKey("source_outlets.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(12), primary_key=True)  # HJ 212-2017 code, w01018
    unit: Mapped[str] = mapped_column(String(20))  # mg/L, mg/m3, L/s, m3/h, ...
    hourly_limit: Mapped[float | None] = mapped_column(Float)  # concentration, hourly average
    daily_limit: Mapped[float | None] = mapped_column(Float)  # concentration, daily average
    yearly_total_limit_kg: Mapped[float | None] = mapped_column(Float)  # emission total per year
    # Consecutive values with an invalid flag (D, F, M, C) before an event opens.
    invalid_run_limit: Mapped[int] = mapped_column(Integer, default=6)


class Packet(Base):
    """One stored data packet: the idempotency key of the loader (logger, command, data time).

    Partitioned by month of ``data_time`` on PostgreSQL, hence the composite primary key."""

    __tablename__ = "source_packets"

    logger_id: Mapped[int] = mapped_column(BigId)
    cn: Mapped[int] = mapped_column(SmallInteger)  # DataCommand
    data_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    qn: Mapped[str | None] = mapped_column(String(20))
    protocol_version: Mapped[int] = mapped_column(SmallInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # by the gateway
    stream_sequence: Mapped[int] = mapped_column(BigInteger)  # JetStream stream sequence
    batch_id: Mapped[int] = mapped_column(BigInteger)  # source_batches.id

    __table_args__ = (
        PrimaryKeyConstraint("logger_id", "cn", "data_time", name="pk_source_packets"),
        Index("ix_source_packets_batch", "batch_id"),
        {"postgresql_partition_by": "RANGE (data_time)"},
    )


class Value(Base):
    """One factor of one stored data packet (``-Rtd``/``-Avg``/... with the data flag, and the
    corrected ``-Zs*`` values where the logger sent them). Partitioned like ``source_packets``."""

    __tablename__ = "source_values"

    logger_id: Mapped[int] = mapped_column(BigId)
    cn: Mapped[int] = mapped_column(SmallInteger)
    data_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    factor: Mapped[str] = mapped_column(String(12))  # HJ 212-2017 code (old codes mapped)
    rtd: Mapped[float | None] = mapped_column(Float)
    avg: Mapped[float | None] = mapped_column(Float)
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    cou: Mapped[float | None] = mapped_column(Float)
    zs_rtd: Mapped[float | None] = mapped_column(Float)
    zs_avg: Mapped[float | None] = mapped_column(Float)
    zs_min: Mapped[float | None] = mapped_column(Float)
    zs_max: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(String(2))  # N, F, M, S, D, C, T, B

    __table_args__ = (
        PrimaryKeyConstraint("logger_id", "cn", "data_time", "factor", name="pk_source_values"),
        {"postgresql_partition_by": "RANGE (data_time)"},
    )


class Batch(Base):
    """One loader batch: what it stored, and the SHA-256 its single audit entry carries."""

    __tablename__ = "source_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loader: Mapped[str] = mapped_column(String(100))  # the loader's name (host:pid)
    first_sequence: Mapped[int] = mapped_column(BigInteger)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    messages: Mapped[int] = mapped_column(Integer)  # received from the stream
    packets_stored: Mapped[int] = mapped_column(Integer)  # new data packets
    duplicates: Mapped[int] = mapped_column(Integer)  # already stored (redelivered)
    values_stored: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # over the raw packets in stream order


class GatewayStats(Base):
    """The latest counters a gateway published (connections, packets, rejects by reason)."""

    __tablename__ = "source_gateway_stats"

    gateway: Mapped[str] = mapped_column(String(100), primary_key=True)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    counters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Exceedance(Base):
    """An exceedance event (超标/异常事件) for the enterprise's jurisdiction."""

    __tablename__ = "source_exceedances"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ExceedanceKind
    status: Mapped[str] = mapped_column(String(10), default=ExceedanceStatus.OPEN.value)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("source_enterprises.id"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("source_outlets.id"), index=True)
    logger_id: Mapped[int] = mapped_column(ForeignKey("source_loggers.id"))
    factor: Mapped[str] = mapped_column(String(12), default="")  # "" for a silent logger
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # data time it began
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    value: Mapped[float | None] = mapped_column(Float)  # the worst value seen
    limit: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("source_cases.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        # One event per outlet, factor, kind and start: detection running twice opens nothing new.
        UniqueConstraint(
            "logger_id", "kind", "factor", "started_at", name="uq_source_exceedance_start"
        ),
        Index("ix_source_exceedances_status", "status", "opened_at"),
    )


class Case(Base):
    """A linked enforcement case (联合执法案件) opened from exceedance events."""

    __tablename__ = "source_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=CaseStatus.OPEN.value)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("source_enterprises.id"), index=True)
    # The jurisdiction that leads (the enterprise's), and who opened it.
    lead_jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    conclusion: Mapped[str] = mapped_column(Text, default="")


class CaseJurisdiction(Base):
    """A jurisdiction involved in a case, and why (lead, border, park, added by the office)."""

    __tablename__ = "source_case_jurisdictions"

    case_id: Mapped[int] = mapped_column(ForeignKey("source_cases.id"), primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(
        ForeignKey("jurisdictions.code"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(20))  # lead | border | park | added
    # The catalog grant that lets this jurisdiction read the enterprise's data, when one was made.
    grant_id: Mapped[int | None] = mapped_column(BigInteger)


class CaseTask(Base):
    """A task of a case for one agency (an organisation of the platform), with its deadline."""

    __tablename__ = "source_case_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("source_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # TaskKind
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default=TaskStatus.OPEN.value)
    result: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))


class CaseStep(Base):
    """The timeline of a case: every action, who took it and when."""

    __tablename__ = "source_case_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("source_cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_username: Mapped[str] = mapped_column(String(100))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(30))  # opened, involved, task_added, task_done, ...
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
