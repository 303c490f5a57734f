"""Downloads of ``GET /air/export``: a daily, hourly or raw series of one station or city as
CSV or Parquet (raw: one station, under the catalog's grant)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from jingjinji.air import raw, service
from jingjinji.air.schemas import ExportQuery
from jingjinji.air.service.series import HOURLY_COLUMNS, Scope
from jingjinji.errors import InvalidInput, field_error
from jingjinji.security import Actor

#: Days a download covers by default.
DEFAULT_DAYS = 365
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes


def _station_or_city(station: str | None, city: str | None) -> tuple[Scope, str]:
    if (station is None) == (city is None):
        raise InvalidInput(
            "name exactly one of station or city",
            errors=[field_error(["query", "station"], "give station or city (not both)")],
        )
    return ("station", station) if station is not None else ("city", city or "")


def _export_frame(
    session: Session, *, actor: Actor | None, query: ExportQuery
) -> tuple[pl.DataFrame, str]:
    scope, code = _station_or_city(query.station, query.city)
    standard = service.check_standard(query.standard)
    codes = service.scope_codes(session, scope=scope, code=code)
    if query.kind == "raw" and scope != "station":
        raise InvalidInput(
            "raw export is per station",
            errors=[field_error(["query", "kind"], "raw needs station=")],
        )
    max_days = service.MAX_DAILY_DAYS if query.kind == "daily" else raw.MAX_EXPORT_DAYS
    start, end = service.resolve_range(
        session, query.start, query.end, codes=codes, default_days=DEFAULT_DAYS, max_days=max_days
    )
    name = f"air-{query.kind}-{code}-{start}-{end}"
    if query.kind == "raw":
        station = service.get_station(session, code=code)
        frame = raw.raw_frame(
            session, actor=actor, station=station, start=start, end=end, export_format=query.format
        )
        return frame, name
    frame = service.series_frame(
        session, kind=query.kind, scope=scope, code=code, start=start, end=end, standard=standard
    )
    if query.kind == "hourly":
        frame = frame.select(*HOURLY_COLUMNS)
    return frame, name


def export_file(session: Session, *, actor: Actor | None, query: ExportQuery) -> ExportFile:
    """The file ``query`` asks for: timestamps in UTC (CSV: ``...Z``), one row per day or hour.
    422 for a bad scope, kind or range; 401/403 for raw values without the grant."""
    frame, name = _export_frame(session, actor=actor, query=query)
    buffer = io.BytesIO()
    if query.format == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(buffer)
    return ExportFile(f"{name}.{query.format}", MEDIA_TYPES[query.format], buffer.getvalue())
