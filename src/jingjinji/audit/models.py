from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
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


class AuditCheckpoint(Base):
    """A signed statement "the chain's entry ``seq`` has hash ``entry_hash``", linked to the
    checkpoint before it. Insert-only (database triggers refuse UPDATE and DELETE); verify trusts
    a row only through its Ed25519 signature by a key held outside the database, and the copies
    the witnesses keep."""

    __tablename__ = "audit_checkpoints"

    # The checkpoint's number, 1, 2, 3 ... (signed: a witness sees gaps and forks).
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the previous checkpoint's signed body (64 zeros for the first).
    prev_checkpoint: Mapped[str] = mapped_column(String(64))
    # Base64 Ed25519 signature over the canonical body (see ``audit.checkpoints.body``).
    signature: Mapped[str] = mapped_column(String(100))


class AuditCheckpointDelivery(Base):
    """Whether one checkpoint reached one witness: the one audit table the platform updates."""

    __tablename__ = "audit_checkpoint_deliveries"
    __table_args__ = (UniqueConstraint("checkpoint_number", "witness_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_number: Mapped[int] = mapped_column(
        ForeignKey("audit_checkpoints.number"), index=True
    )
    witness_url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12))  # pending | delivered | refused
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
