"""API shapes of the inbox and the preferences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from jingjinji.inputs import Cursor, QueryBool
from jingjinji.notifications.kinds import Kind

# One address, no spaces or line breaks (it goes into a header); the SMTP server judges the rest.
EmailAddress = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
]


class InboxFilter(BaseModel):
    """The query of ``GET /notifications``."""

    unread: QueryBool = False
    cursor: Cursor | None = None
    limit: int = Field(default=50, ge=1, le=200)


class NotificationOut(BaseModel):
    """A notification written in the reader's language."""

    id: int
    kind: Kind
    kind_label: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    email_status: str


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int


class PreferencesIn(BaseModel):
    """Which kinds come by e-mail too (the inbox receives all), where and in which language."""

    email: EmailAddress | None = None
    language: Literal["zh_CN", "en"] = "zh_CN"
    email_kinds: list[Kind] = Field(default_factory=list, max_length=len(Kind))


class PreferencesOut(BaseModel):
    email: str | None
    language: str
    email_kinds: list[Kind]
