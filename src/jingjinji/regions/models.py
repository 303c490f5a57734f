from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jingjinji.db import Base, UTCDateTime, utcnow


class Jurisdiction(Base):
    """A node of the region hierarchy: the region, a provincial-level unit, a city or district."""

    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))  # region | province | prefecture | ...
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[code])


class Organisation(Base):
    """An agency of a jurisdiction, identified by its Unified Social Credit Code."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    # Kind of agency, e.g. "environment", "development_reform", "statistics", "transport".
    kind: Mapped[str] = mapped_column(String(40), default="other")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
