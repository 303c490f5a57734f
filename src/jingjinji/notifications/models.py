"""Tables of the inbox: one row per notification and recipient, and each user's preferences.

A notification stores its kind and parameters, never rendered text: the title and body are
written at display time in the reader's language (``messages``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji.db import Base, JSONType, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The unread count of the header: an index-only count per user.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # A scheduled reminder (deadline approaching) reaches each person once.
        UniqueConstraint("user_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # E-mail: none (not wanted or no address) -> queued -> sent; failures stay on the job
    # (``jobs.last_error``) until it succeeds or is dead.
    email_status: Mapped[str] = mapped_column(String(12), default="none")
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    email_error: Mapped[str | None] = mapped_column(Text)


class NotificationPreference(Base):
    """What a user wants by e-mail (the inbox always receives everything), where and in which
    language."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    email_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
