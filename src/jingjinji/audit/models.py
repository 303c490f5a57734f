from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, UTCDateTime


class AuditEntry(Base):
    """One audited event. Rows are never updated or deleted (database triggers refuse it).

    ``entry_hash`` = SHA-256 over the canonical form of the row including ``prev_hash``; the
    chain breaks visibly if any row is edited, removed or reordered.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_username: Mapped[str] = mapped_column(String(100), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(40))
    actor_jurisdiction: Mapped[str | None] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(80), index=True)
    outcome: Mapped[str] = mapped_column(String(12))  # ok | denied
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(200))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # Canonical JSON text, hashed exactly as stored (no JSON re-serialisation drift).
    detail_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last position, so that cutting entries off the end is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
