"""Input, output and filter models of water samples and their ingestions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from jingjinji.i18n import Items, msg
from jingjinji.inputs import Cursor, IsoDateTime, StrictBool
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.kernels import gb3838
from jingjinji.water.models import SampleKind, SampleOrigin

#: Every item a sample may carry: the graded items of GB 3838 and the measured-only ones.
SAMPLE_ITEMS: tuple[str, ...] = (*gb3838.ITEMS, *gb3838.UNGRADED_ITEMS)
#: Rows of one JSON batch (one row is one item of one sample); larger sets: ``jjj water import``.
MAX_BATCH_ROWS = 20_000
#: The widest a pH value can be.
PH_RANGE = (0.0, 14.0)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A sample time as aware UTC; a time written without a zone is China Standard Time (the
    agencies' clock), as docs/water.md says."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+08:00 is no UTC time
        raise ValueError(msg("the time is out of range")) from exc


def _known_item(value: str) -> str:
    item = value.strip().lower()
    if item not in SAMPLE_ITEMS:
        raise ValueError(
            msg(
                "unknown item {item}; items are {items}",
                item=repr(value[:40]),
                items=Items(SAMPLE_ITEMS),
            )
        )
    return item


SampleTime = Annotated[IsoDateTime, AfterValidator(as_utc)]
ItemCode = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_known_item)]


class SampleIn(BaseModel):
    """One item of one sample: the value of ``item`` at ``section_code`` at ``sampled_at``.

    ``sampled_at`` without a UTC offset is China Standard Time (UTC+8). A value below the
    detection limit is sent as the limit with ``below_detection`` true."""

    model_config = ConfigDict(extra="forbid")

    section_code: str = Field(min_length=1, max_length=20)
    sampled_at: SampleTime
    kind: SampleKind
    item: ItemCode
    value: float = Field(strict=True, ge=0, allow_inf_nan=False)
    below_detection: StrictBool = False
    origin: SampleOrigin = SampleOrigin.MEASURED

    @model_validator(mode="after")
    def _ph_range(self) -> SampleIn:
        low, high = PH_RANGE
        if self.item == "ph" and not low <= self.value <= high:
            raise ValueError(
                msg("a pH value lies between {low} and {high}", low=f"{low:g}", high=f"{high:g}")
            )
        return self


class BatchIn(BaseModel):
    """``POST /water/samples``: a batch stored whole or not at all."""

    model_config = ConfigDict(extra="forbid")

    rows: list[SampleIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)
    source: str = Field(default="", max_length=300)


class IngestionOut(BaseModel):
    """One batch: what arrived, what was stored, and the reasons of any refused rows."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    source: str
    actor_username: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    rows_received: int
    rows_rejected: int
    inserted: int
    updated: int
    unchanged: int
    report: list[dict[str, Any]]


class SampleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    section_code: str
    sampled_at: dt.datetime
    kind: str
    item: str
    value: float
    below_detection: bool
    origin: str
    version: int
    recorded_at: dt.datetime
    recorded_by: str
    ingestion_id: int | None


class SampleFilter(BaseModel):
    """The query of ``GET /water/samples``: every filter given must match; ``end`` is
    exclusive; times without an offset are China Standard Time."""

    section: str | None = Field(default=None, max_length=20)
    item: ItemCode | None = None
    kind: SampleKind | None = None
    start: SampleTime | None = None
    end: SampleTime | None = None
    cursor: Cursor | None = None
    limit: int = 100


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class ExportFilter(BaseModel):
    """The query of ``GET /water/samples/export``: the samples of a period (``end`` exclusive),
    of one section or all."""

    format: ExportFormat = ExportFormat.CSV
    section: str | None = Field(default=None, max_length=20)
    kind: SampleKind | None = None
    start: SampleTime
    end: SampleTime
