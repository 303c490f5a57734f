"""Downloads of ``GET /air/export`` and ``jjj air export``: a series of one station or city over
any range of dates, streamed.

Kinds: ``daily`` (AQI and the daily values), ``hourly`` (AQI), ``raw`` (one station's hourly
values, under the catalog's grant), ``monthly`` and ``yearly`` (means of the daily values with
GB 3095's day counts, :func:`jingjinji.air.kernels.period_means`; the range is widened to whole
months or years). Formats: CSV for people (numbers rounded to the quantity's precision, text a
spreadsheet would run defused: :func:`jingjinji.numbers.frame_csv`; times ISO 8601 UTC) and Parquet
(full precision, one row group per window).

A download is planned first (:func:`plan_export`: scope, range, grant, audit: every refusal comes
before the first byte), then written a window of dates at a time (:func:`export_chunks`, a lazy
generator): each window is read with one range query on the key, computed, encoded and sent
before the next is read, so memory depends on the window, not on the range. There is no cap on
the range beyond the dates a request may name (1900..2100); windows outside the data's span are
not read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji import numbers, streaming
from jingjinji.air import kernels, raw, service
from jingjinji.air.kernels.period_means import Period
from jingjinji.air.models import POLLUTANTS, Observation
from jingjinji.air.schemas import ExportKind, ExportQuery
from jingjinji.air.service.series import HOURLY_COLUMNS, Scope
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.timezone import china_date

Format = Literal["csv", "parquet"]
KINDS: tuple[str, ...] = get_args(ExportKind)
#: Days a download covers by default (ending on the last complete day).
DEFAULT_DAYS = 365
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
#: Days read, computed and sent at a time (monthly and yearly: a calendar year at a time). An
#: hourly window of a city of 12 stations is about 26,000 station-hours.
WINDOW_DAYS: dict[str, int] = {"daily": 366, "hourly": 92, "raw": 92}


@dataclass(frozen=True)
class ExportPlan:
    """A checked download: what to write, for whom it was authorised (raw: the readable
    columns), over which local dates."""

    kind: ExportKind
    scope: Scope
    code: str
    codes: tuple[str, ...]
    start: dt.date
    end: dt.date
    standard: str | None
    format: Format
    raw_values: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"air-{self.kind}-{self.code}-{self.start}-{self.end}.{self.format}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def _station_or_city(station: str | None, city: str | None) -> tuple[Scope, str]:
    if (station is None) == (city is None):
        raise InvalidInput(
            msg("name exactly one of station or city"),
            errors=[field_error(["query", "station"], msg("give station or city (not both)"))],
        )
    return ("station", station) if station is not None else ("city", city or "")


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _whole_periods(kind: ExportKind, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Monthly and yearly means cover whole months and years: the range widened to them."""
    if kind == "monthly":
        return start.replace(day=1), _month_end(end)
    if kind == "yearly":
        return dt.date(start.year, 1, 1), dt.date(end.year, 12, 31)
    return start, end


def plan_export(session: Session, *, actor: Actor | None, query: ExportQuery) -> ExportPlan:
    """Check a download before anything is sent: 422 for a bad scope, kind or range, 404 for an
    unknown station or city, 401/403 for raw values without the grant (a raw read is audited
    here, with the rows it covers)."""
    scope, code = _station_or_city(query.station, query.city)
    standard = service.check_standard(query.standard)
    codes = service.scope_codes(session, scope=scope, code=code)
    if query.kind == "raw" and scope != "station":
        raise InvalidInput(
            msg("raw export is per station"),
            errors=[field_error(["query", "kind"], msg("raw needs station="))],
        )
    start, end = service.resolve_range(
        session, query.start, query.end, codes=codes, default_days=DEFAULT_DAYS, max_days=None
    )
    start, end = _whole_periods(query.kind, start, end)
    plan = ExportPlan(query.kind, scope, code, tuple(codes), start, end, standard, query.format)
    if query.kind != "raw":
        return plan
    access = raw.export_access(
        session,
        actor=actor,
        station=service.get_station(session, code=code),
        start=start,
        end=end,
        export_format=query.format,
    )
    return ExportPlan(**{**plan.__dict__, "raw_values": access.values})


# --------------------------------------------------------------------------- windows


def _data_span(session: Session, plan: ExportPlan) -> tuple[dt.date, dt.date] | None:
    """The local dates the plan's stations have data on: stored hours (hourly, raw) or cached
    days (the others)."""
    if plan.kind not in ("hourly", "raw"):
        return service.date_span(session, station_codes=list(plan.codes))
    first, last = session.execute(
        select(func.min(Observation.ts), func.max(Observation.ts)).where(
            Observation.station_code.in_(plan.codes)
        )
    ).one()
    if first is None:
        return None
    return china_date(first.replace(tzinfo=dt.UTC)), china_date(last.replace(tzinfo=dt.UTC))


def windows(session: Session, plan: ExportPlan) -> Iterator[tuple[dt.date, dt.date]]:
    """The plan's dates that have data, as consecutive windows (first, last): WINDOW_DAYS
    each, or calendar years (monthly, yearly: whole months or years, never split)."""
    span = _data_span(session, plan)
    if span is None:
        return
    lo, hi = _whole_periods(plan.kind, max(plan.start, span[0]), min(plan.end, span[1]))
    lo, hi = max(lo, plan.start), min(hi, plan.end)
    while lo <= hi:
        if plan.kind in ("monthly", "yearly"):
            last = min(dt.date(lo.year, 12, 31), hi)
        else:
            last = min(lo + dt.timedelta(days=WINDOW_DAYS[plan.kind] - 1), hi)
        yield lo, last
        lo = last + dt.timedelta(days=1)


def window_frame(session: Session, plan: ExportPlan, first: dt.date, last: dt.date) -> pl.DataFrame:
    """The rows of local dates first..last (with the columns of every window)."""
    if plan.kind == "raw":
        lo, hi = service.local_day_bounds_utc(first, last)
        frame = service.observations_frame(
            session, station_codes=[plan.code], start_utc=lo, end_utc=hi
        )
        return frame.select("ts", *plan.raw_values)
    frame = service.series_frame(
        session,
        kind="hourly" if plan.kind == "hourly" else "daily",
        scope=plan.scope,
        code=plan.code,
        start=first,
        end=last,
        standard=plan.standard,
    )
    if plan.kind == "hourly":
        return frame.select(*HOURLY_COLUMNS)
    if plan.kind == "daily":
        return frame
    period: Period = "month" if plan.kind == "monthly" else "year"
    return kernels.period_means(frame, period=period)


def frames(session: Session, plan: ExportPlan) -> Iterator[pl.DataFrame]:
    """The plan's rows a window at a time, read when the next one is asked for; one empty
    frame (for the columns) when no date of the range has data."""
    sent = False
    for first, last in windows(session, plan):
        sent = True
        yield window_frame(session, plan, first, last)
    if not sent:
        yield window_frame(session, plan, plan.start, plan.start)


# --------------------------------------------------------------------------- encoding


def column_decimals(name: str, dtype: pl.DataType) -> int | None:
    """Decimals of a column in a CSV for people: integers none; pollutant concentrations
    (including their 1 h, 8 h and 24 h forms) HJ 663's (ug/m3 integers, CO mg/m3 one decimal);
    anything else the default precision of :func:`jingjinji.numbers.num`."""
    if dtype.is_integer():
        return 0
    base = name.removesuffix("_24h").removesuffix("_8h").removesuffix("_1h")
    if base in POLLUTANTS:
        return numbers.decimals_for("number", "mg/m3" if base == "co" else "ug/m3")
    return None


def csv_chunks(parts: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """UTF-8 CSV for people, the header then a chunk of rows at a time; times ISO 8601 UTC."""
    return streaming.frame_csv_chunks(
        parts, decimals=column_decimals, time_format=streaming.UTC_Z_FORMAT
    )


def export_chunks(session: Session, plan: ExportPlan) -> Iterator[bytes]:
    """The file of a plan, lazily: a window is read only when the chunks before it are sent."""
    parts = frames(session, plan)
    if plan.format == "parquet":
        return streaming.frame_parquet_chunks(parts)
    return csv_chunks(parts)
