"""Filter and output models of the stored monitoring data: paged values, chart series and
CSV/Parquet exports.

Times in a query are ISO 8601; one written without a UTC offset is China Standard Time (the
clock HJ 212 loggers send), as in the water domain. Answers carry aware UTC times."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from jingjinji.db import DbId
from jingjinji.i18n import msg
from jingjinji.inputs import Cursor, IsoDateTime
from jingjinji.sources.models import DataCommand
from jingjinji.timezone import CHINA_TZ


def as_utc(value: dt.datetime) -> dt.datetime:
    """A query time as aware UTC; without a zone it is China Standard Time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+08:00 is no UTC time
        raise ValueError(msg("the time is out of range")) from exc


QueryTime = Annotated[IsoDateTime, AfterValidator(as_utc)]
FactorQuery = Annotated[str, Field(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9]+$")]
MnQuery = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


class ValueFilter(BaseModel):
    """The query of ``GET /sources/values``: the values of one enterprise, outlet or logger
    (at least one of them; given together they must agree), oldest first, ``end`` exclusive."""

    enterprise: DbId | None = None
    outlet: DbId | None = None
    logger: MnQuery | None = None
    cn: DataCommand | None = None
    factor: FactorQuery | None = None
    start: QueryTime | None = None
    end: QueryTime | None = None
    cursor: Cursor | None = None
    limit: int = 100


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class ExportFilter(BaseModel):
    """The query of ``GET /sources/values/export``: as ``/values`` with a required period (of
    any length: the export is streamed) and a format."""

    format: ExportFormat = ExportFormat.CSV
    enterprise: DbId | None = None
    outlet: DbId | None = None
    logger: MnQuery | None = None
    cn: DataCommand | None = None
    factor: FactorQuery | None = None
    start: QueryTime
    end: QueryTime


class SeriesFilter(BaseModel):
    """The query of ``GET /sources/outlets/{id}/series``: one command's values of the outlet
    in a period (``end`` exclusive; the last day by default), one factor or all."""

    cn: DataCommand = DataCommand.HOURLY
    factor: FactorQuery | None = None
    start: QueryTime | None = None
    end: QueryTime | None = None


class ValueOut(BaseModel):
    """One stored factor of one data packet (``rtd`` for real-time data, ``avg``/``min``/
    ``max``/``cou`` for minute, hourly and daily data; ``zs_*`` the corrected values)."""

    model_config = ConfigDict(from_attributes=True)

    mn: str
    cn: int
    data_time: dt.datetime
    factor: str
    rtd: float | None
    avg: float | None
    min: float | None
    max: float | None
    cou: float | None
    zs_rtd: float | None
    zs_avg: float | None
    zs_min: float | None
    zs_max: float | None
    flag: str | None


class FactorSeriesOut(BaseModel):
    """One factor's series for a chart: parallel arrays of times (UTC), values (``rtd`` for
    real-time data, else ``avg``; ``zs`` the corrected ones) and flags, with the factor's unit
    and permit limits (null when the factor is not registered or has none)."""

    factor: str
    unit: str | None
    hourly_limit: float | None
    daily_limit: float | None
    times: list[dt.datetime]
    values: list[float | None]
    zs: list[float | None]
    flags: list[str | None]


class SeriesOut(BaseModel):
    """``GET /sources/outlets/{id}/series``: the period asked and one series per factor."""

    outlet_id: int
    cn: int
    start: dt.datetime
    end: dt.datetime
    series: list[FactorSeriesOut]
