"""Input, output and filter models of water-pollution incidents (the emergency linkage)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jingjinji.i18n import Items, msg
from jingjinji.inputs import TEXT_LIMIT, IsoDateTime
from jingjinji.labels import N_, register
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.kernels import gb3838
from jingjinji.water.models import IncidentSeverity, IncidentStatus

#: Item codes a joint sampling may carry: the graded items of GB 3838 and the measured ones.
SAMPLING_ITEMS = frozenset((*gb3838.ITEMS, *gb3838.UNGRADED_ITEMS))


def china_time_if_naive(value: dt.datetime) -> dt.datetime:
    """A time written without a zone is China Standard Time (as the sample uploads read it),
    returned as UTC (as stored)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)
    try:
        return aware.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+08:00 is no UTC time
        raise ValueError(msg("the time is out of range")) from exc


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(msg("must not be blank"))
    return value.strip()


class IncidentIn(BaseModel):
    """An incident reported by an agency (``POST /water/incidents``). ``observed_at`` without
    a zone is China Standard Time (UTC+8)."""

    model_config = ConfigDict(extra="forbid")

    section_code: str = Field(min_length=1, max_length=20)
    summary: str = Field(min_length=1, max_length=TEXT_LIMIT)
    severity: IncidentSeverity
    observed_at: IsoDateTime
    location: str = Field(default="", max_length=300)
    estimated_amount: str = Field(default="", max_length=200)

    _blank = field_validator("summary")(_text)
    _zone = field_validator("observed_at")(china_time_if_naive)


#: The answers to a consultation (the answer form's buttons) by their labels.
ANSWERS = register(
    "water.incident_answer", {"agree": N_("Agree"), "propose": N_("Propose (say what)")}
)


class AnswerIn(BaseModel):
    """A concerned jurisdiction's answer to the consultation: agree, or propose (with text)."""

    model_config = ConfigDict(extra="forbid")

    answer: Literal["agree", "propose"]
    text: str = Field(default="", max_length=TEXT_LIMIT)


class ConsultationIn(BaseModel):
    """The office opens (the question) or concludes (the conclusion) the consultation."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=TEXT_LIMIT)


class SamplingIn(BaseModel):
    """A joint sampling record: values (mg/L; pH unitless; fecal coliform per litre) by item
    code. ``sampled_at`` without a zone is China Standard Time."""

    model_config = ConfigDict(extra="forbid")

    section_code: str | None = Field(default=None, max_length=20)
    location: str = Field(default="", max_length=300)
    sampled_at: IsoDateTime
    values: dict[str, float] = Field(min_length=1, max_length=len(SAMPLING_ITEMS))

    _zone = field_validator("sampled_at")(china_time_if_naive)

    @field_validator("values")
    @classmethod
    def _known_items(cls, values: dict[str, float]) -> dict[str, float]:
        unknown = sorted(k for k in values if k not in SAMPLING_ITEMS)
        if unknown:
            raise ValueError(
                msg(
                    "unknown item code(s) {codes}; use {items}",
                    codes=Items(unknown),
                    items=Items(sorted(SAMPLING_ITEMS)),
                )
            )
        bad = sorted(k for k, v in values.items() if not math.isfinite(v) or v < 0)
        if bad:
            raise ValueError(
                msg("values must be finite and not negative: {items}", items=Items(bad))
            )
        return values


class MeasureIn(BaseModel):
    """A measure taken (closing an outlet, an emergency dam, extra sampling...)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=TEXT_LIMIT)

    _blank = field_validator("text")(_text)


class CloseIn(BaseModel):
    """Closure: the closure report is required."""

    model_config = ConfigDict(extra="forbid")

    closure_report: str = Field(min_length=1, max_length=TEXT_LIMIT)

    _blank = field_validator("closure_report")(_text)


class IncidentFilter(BaseModel):
    """The query of ``GET /water/incidents``: every filter given must match."""

    status: IncidentStatus | None = None
    section: str | None = Field(default=None, max_length=20)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 50


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    jurisdiction_code: str
    relation: str
    notified_at: dt.datetime
    due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    escalated_at: dt.datetime | None
    overdue: bool = False


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    jurisdiction_code: str | None
    organisation_id: int | None
    actor_username: str
    at: dt.datetime
    text: str
    detail: dict[str, Any]


class SamplingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    section_code: str | None
    location: str
    sampled_at: dt.datetime
    jurisdiction_code: str
    organisation_id: int | None
    values: dict[str, float]
    recorded_by: str
    recorded_at: dt.datetime


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    section_code: str
    trigger: str
    severity: str
    status: str
    summary: str
    detail: dict[str, Any]
    observed_at: dt.datetime
    location: str
    estimated_amount: str
    reported_by: str
    reporting_organisation_id: int | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None
    closure_report: str


class ActionsOut(BaseModel):
    """What the reading actor may do now (computed by the service from ``policy``)."""

    acknowledge: bool = False
    open_consultation: bool = False
    answer: bool = False
    conclude_consultation: bool = False
    sampling: bool = False
    measure: bool = False
    close: bool = False


class UpstreamSectionOut(BaseModel):
    """A section upstream (sources are traced there) with its latest values."""

    code: str
    name_zh: str
    name_en: str
    jurisdiction_code: str
    latest_at: dt.datetime | None
    values: dict[str, float]


class IncidentDetailOut(IncidentOut):
    notices: list[NoticeOut]
    steps: list[StepOut]
    samplings: list[SamplingOut]
    actions: ActionsOut
    upstream: list[UpstreamSectionOut] = []
