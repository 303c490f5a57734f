"""Input, output and filter models of exceedance events and linked enforcement cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jingjinji.db import DbId
from jingjinji.i18n import msg
from jingjinji.inputs import TEXT_LIMIT, Code, Cursor, IsoDateTime, QueryBool
from jingjinji.sources.models import CaseStatus, ExceedanceKind, ExceedanceStatus, TaskKind
from jingjinji.timezone import CHINA_TZ


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(msg("must not be blank"))
    return value.strip()


def china_time_if_naive(value: dt.datetime) -> dt.datetime:
    """A time written without a zone is China Standard Time; returned as UTC (as stored)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)
    try:
        return aware.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+08:00 is no UTC time
        raise ValueError(msg("the time is out of range")) from exc


class ExceedanceFilter(BaseModel):
    """The query of ``GET /sources/exceedances``: every filter given must match."""

    status: ExceedanceStatus | None = None
    kind: ExceedanceKind | None = None
    jurisdiction: Code | None = None
    enterprise_id: DbId | None = None
    cursor: Cursor | None = None
    limit: int = 50


class ExceedanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    jurisdiction_code: str
    enterprise_id: int
    outlet_id: int
    logger_id: int
    factor: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    value: float | None
    limit: float | None
    detail: dict[str, Any]
    case_id: int | None
    opened_at: dt.datetime


class CaseOpenIn(BaseModel):
    """Open a case from open events of one enterprise."""

    model_config = ConfigDict(extra="forbid")

    exceedance_ids: list[DbId] = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=300)

    _blank = field_validator("title")(_text)


class InvolveIn(BaseModel):
    """The office involves another of the three jurisdictions (a province code)."""

    model_config = ConfigDict(extra="forbid")

    jurisdiction_code: Code


class TaskIn(BaseModel):
    """A task for an agency of an involved jurisdiction. ``due_at`` without a zone is China
    Standard Time."""

    model_config = ConfigDict(extra="forbid")

    kind: TaskKind
    organisation_id: DbId = Field(strict=True)
    due_at: IsoDateTime
    description: str = Field(default="", max_length=TEXT_LIMIT)

    _zone = field_validator("due_at")(china_time_if_naive)


class TaskDoneIn(BaseModel):
    """The result of a task (required)."""

    model_config = ConfigDict(extra="forbid")

    result: str = Field(min_length=1, max_length=TEXT_LIMIT)

    _blank = field_validator("result")(_text)


class CaseCloseIn(BaseModel):
    """The conclusion closing a case (required)."""

    model_config = ConfigDict(extra="forbid")

    conclusion: str = Field(min_length=1, max_length=TEXT_LIMIT)

    _blank = field_validator("conclusion")(_text)


class CaseFilter(BaseModel):
    """The query of ``GET /sources/cases``: every filter given must match; ``overdue``: cases
    with an open task past its deadline."""

    status: CaseStatus | None = None
    jurisdiction: Code | None = None
    overdue: QueryBool | None = None
    cursor: Cursor | None = None
    limit: int = 50


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: str
    enterprise_id: int
    lead_jurisdiction_code: str
    opened_by: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    conclusion: str


class CaseJurisdictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    jurisdiction_code: str
    reason: str
    grant_id: int | None


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    kind: str
    organisation_id: int
    jurisdiction_code: str
    description: str
    due_at: dt.datetime
    status: str
    result: str
    done_at: dt.datetime | None
    done_by: str | None
    organisation_name_zh: str = ""
    organisation_name_en: str = ""
    overdue: bool = False
    may_complete: bool = False


class AgencyOut(BaseModel):
    """An agency a task may be given to (an organisation of an involved jurisdiction)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name_zh: str
    name_en: str
    jurisdiction_code: str


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor_username: str
    jurisdiction_code: str | None
    action: str
    text: str
    detail: dict[str, Any]


class CaseActions(BaseModel):
    """What the reader may do now (policy and the case's state)."""

    involve: bool = False
    add_task: bool = False
    close: bool = False


class CaseDetailOut(CaseOut):
    """A case with its enterprise, jurisdictions, events, tasks and timeline."""

    enterprise_name_zh: str
    enterprise_name_en: str
    jurisdictions: list[CaseJurisdictionOut]
    exceedances: list[ExceedanceOut]
    tasks: list[TaskOut]
    steps: list[StepOut]
    actions: CaseActions
    # The agencies the reader may give a task to (empty unless ``actions.add_task``).
    agencies: list[AgencyOut] = []


class ExceedanceRow(ExceedanceOut):
    """An event as the pages list it: the enterprise's names and whether the reader may open
    a case from it."""

    enterprise_name_zh: str
    enterprise_name_en: str
    may_open_case: bool = False
