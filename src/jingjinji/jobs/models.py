"""Background jobs: a table of work claimed under a lease by `jjj worker` (see ``service``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    # queued -> running -> done | queued (retry) | dead
    status: Mapped[str] = mapped_column(String(12), default="queued")
    # Grows with every claim, so (claimed_by, attempts) names one claim: the fence a finishing
    # worker's UPDATE checks.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A running job whose lease has passed lost its worker: it is queued again (or dead).
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Jobs with the same dedupe key are not queued twice while one is pending.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), index=True)
