"""Air-quality API under /api/v1/air: stations, latest values, series, ranking, export, ingest."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from jingjinji.air import datasets, ingest, kernels, service
from jingjinji.air.schemas import (
    BatchIn,
    CityOut,
    IngestOut,
    LatestOut,
    RawPage,
    SeriesOut,
    StationDetail,
    StationOut,
)
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.errors import InvalidInput, field_error
from jingjinji.pagination import Page, check_limit, decode_cursor, encode_cursor
from jingjinji.regions import service as regions

router = APIRouter(prefix="/air", tags=["air"])

MAX_DAILY_DAYS = 3700
MAX_HOURLY_DAYS = 31
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

StandardQuery = Annotated[
    str | None,
    Query(description="hj633-2012 or hj633-2026; default: the standard in force on each date"),
]


# --------------------------------------------------------------------------- helpers


def level_info(level: int) -> dict[str, str]:
    return {
        "category_en": kernels.category_en(level),
        "category_zh": kernels.category_zh(level),
        "colour": kernels.colour_hex(level) or "#B0B0B0",
    }


def latest_out(value: service.LatestValue) -> LatestOut:
    s = value.station
    return LatestOut(
        station_code=s.code,
        name_zh=s.name_zh,
        name_en=s.name_en,
        city_code=s.city_code,
        longitude=s.longitude,
        latitude=s.latitude,
        status=s.status,
        ts=value.ts,
        aqi=value.aqi,
        level=value.level,
        primary_pollutants=value.primary_pollutants,
        **level_info(value.level),
    )


def resolve_range(
    session: Any,
    start: dt.date | None,
    end: dt.date | None,
    *,
    codes: list[str] | None,
    default_days: int,
    max_days: int,
) -> tuple[dt.date, dt.date]:
    """Fill a missing end with the last day with data (or today) and a missing start with
    ``default_days`` before the end; 422 when the range is reversed or too long."""
    check_date_bounds(start, "start")
    check_date_bounds(end, "end")
    if end is None:
        span = service.date_span(session, station_codes=codes)
        end = span[1] if span else dt.datetime.now(service.CST).date()
    if start is None:
        start = end - dt.timedelta(days=default_days - 1)
        check_date_bounds(start, "start")
    service.check_range(start, end, max_days=max_days)
    return start, end


# Dates outside these bounds are typing errors, and arithmetic on them (a default start before
# 0001-01-01, the end of day 9999-12-31 in UTC) overflows.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


def check_date_bounds(day: dt.date | None, name: str) -> None:
    if day is not None and not MIN_DATE <= day <= MAX_DATE:
        raise InvalidInput(
            f"{name} {day} is out of range",
            errors=[field_error(["query", name], f"must lie between {MIN_DATE} and {MAX_DATE}")],
        )


def frame_items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.iter_rows(named=True):
        item = {
            k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
            for k, v in row.items()
        }
        if "level" in item:
            item.update(level_info(int(item["level"] or 0)))
        out.append(item)
    return out


def _station_or_city(station: str | None, city: str | None) -> tuple[str, str]:
    if (station is None) == (city is None):
        raise InvalidInput(
            "name exactly one of station or city",
            errors=[field_error(["query", "station"], "give station or city (not both)")],
        )
    return ("station", station) if station is not None else ("city", city or "")


# --------------------------------------------------------------------------- stations


@router.get("/stations", response_model=Page[StationOut])
def list_stations(
    session: DbSession,
    jurisdiction: Annotated[str | None, Query(description="province or city code")] = None,
    city: Annotated[str | None, Query(description="city code, e.g. 130100")] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    status: Literal["active", "stopped"] | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[StationOut]:
    check_limit(limit)
    box = service.parse_bbox(bbox) if bbox is not None else None
    if jurisdiction is not None:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    if city is not None:
        regions.jurisdiction_or_invalid(session, code=city, loc=["query", "city"])
    after: str | None = None
    if cursor is not None:
        key = decode_cursor(cursor)
        if not isinstance(key, str):
            raise InvalidInput(
                "cursor is not one this API issued",
                errors=[field_error(["query", "cursor"], "malformed cursor")],
            )
        after = key
    rows = service.list_stations(
        session,
        jurisdiction=jurisdiction,
        city=city,
        bbox=box,
        status=status,
        after=after,
        limit=limit + 1,
    )
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].code) if len(rows) > limit and items else None
    return Page[StationOut](
        items=[StationOut.model_validate(s) for s in items], next_cursor=next_cursor
    )


@router.get("/stations/{code}", response_model=StationDetail)
def station_detail(session: DbSession, code: str) -> StationDetail:
    station = service.get_station(session, code=code)
    span = service.date_span(session, station_codes=[code])
    latest = service.latest(session, stations=[station])[0]
    return StationDetail(
        **StationOut.model_validate(station).model_dump(),
        first_date=span[0] if span else None,
        last_date=span[1] if span else None,
        latest=latest_out(latest) if latest.ts is not None else None,
    )


@router.get("/latest", response_model=list[LatestOut])
def latest_values(
    session: DbSession,
    jurisdiction: str | None = None,
    city: str | None = None,
    standard: StandardQuery = None,
) -> list[LatestOut]:
    """Each station's latest observed hour and its hourly AQI (level 0: no data)."""
    standard = service.check_standard(standard)
    if jurisdiction is not None:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    if city is not None:
        regions.jurisdiction_or_invalid(session, code=city, loc=["query", "city"])
    stations = service.list_stations(session, jurisdiction=jurisdiction, city=city)
    return [latest_out(v) for v in service.latest(session, stations=stations, standard=standard)]


@router.get("/stations/{code}/daily", response_model=SeriesOut)
def station_daily(
    session: DbSession,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    standard: StandardQuery = None,
) -> SeriesOut:
    service.get_station(session, code=code)
    standard = service.check_standard(standard)
    start, end = resolve_range(
        session, start, end, codes=[code], default_days=365, max_days=MAX_DAILY_DAYS
    )
    frame = service.station_daily_frame(
        session, station_code=code, start=start, end=end, standard=standard
    )
    return SeriesOut(
        scope="station",
        code=code,
        start=start,
        end=end,
        standard=standard,
        items=frame_items(frame),
    )


@router.get("/stations/{code}/hourly", response_model=SeriesOut)
def station_hourly(
    session: DbSession,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    standard: StandardQuery = None,
) -> SeriesOut:
    """Hourly AQI (real-time report) of a station; at most 31 days per request."""
    service.get_station(session, code=code)
    standard = service.check_standard(standard)
    start, end = resolve_range(
        session, start, end, codes=[code], default_days=2, max_days=MAX_HOURLY_DAYS
    )
    frame = service.station_hourly_frame(
        session, station_code=code, start=start, end=end, standard=standard
    )
    return SeriesOut(
        scope="station",
        code=code,
        start=start,
        end=end,
        standard=standard,
        items=frame_items(frame.select("ts", "date", "aqi", "level", "primary_pollutants")),
    )


@router.get("/stations/{code}/observations", response_model=RawPage)
def station_observations(
    session: DbSession,
    actor: OptionalActor,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    cursor: str | None = None,
    limit: int = 168,
) -> RawPage:
    """Raw hourly values: conditional data, read under the catalog's grant (fields withheld
    without one); reads across jurisdictions are audited."""
    station = service.get_station(session, code=code)
    check_limit(limit)
    start, end = resolve_range(
        session, start, end, codes=[code], default_days=7, max_days=MAX_DAILY_DAYS
    )
    values, withheld, dataset = datasets.raw_access(session, actor=actor, station=station)
    lo, hi = service.local_day_bounds_utc(start, end)
    if cursor is not None:
        key = decode_cursor(cursor)
        try:
            lo = dt.datetime.fromisoformat(str(key)) + dt.timedelta(hours=1)
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(
                "cursor is not one this API issued",
                errors=[field_error(["query", "cursor"], "malformed cursor")],
            ) from exc
    frame = service.observations_frame(
        session, station_codes=[code], start_utc=lo, end_utc=hi
    ).head(limit + 1)
    page = frame.head(limit)
    items = [
        {"ts": r["ts"].isoformat(), **{c: r[c] for c in values}} for r in page.iter_rows(named=True)
    ]
    next_cursor = (
        encode_cursor(page["ts"][-1].isoformat()) if frame.height > limit and page.height else None
    )
    datasets.record_raw_read(
        session,
        actor=actor,
        dataset=dataset,
        detail={
            "station_code": code,
            "rows": len(items),
            "fields": list(values),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return RawPage(
        station_code=code,
        dataset_code=dataset,
        fields=["ts", *values],
        withheld_fields=withheld,
        items=items,
        next_cursor=next_cursor,
    )


# --------------------------------------------------------------------------- cities


@router.get("/cities", response_model=list[CityOut])
def list_cities(session: DbSession) -> list[CityOut]:
    out = []
    for code in service.city_codes(session):
        jurisdiction = regions.get_jurisdiction(session, code=code)
        codes = service.station_codes_of_city(session, city_code=code)
        span = service.date_span(session, station_codes=codes)
        out.append(
            CityOut(
                code=code,
                name_zh=jurisdiction.name_zh,
                name_en=jurisdiction.name_en,
                province_code=code[:2] + "0000",
                stations=len(codes),
                first_date=span[0] if span else None,
                last_date=span[1] if span else None,
            )
        )
    return out


@router.get("/cities/{code}/daily", response_model=SeriesOut)
def city_daily(
    session: DbSession,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    standard: StandardQuery = None,
) -> SeriesOut:
    """City daily values: station daily means averaged over the city, then the AQI."""
    service.check_city(session, city_code=code)
    standard = service.check_standard(standard)
    codes = service.station_codes_of_city(session, city_code=code)
    start, end = resolve_range(
        session, start, end, codes=codes, default_days=365, max_days=MAX_DAILY_DAYS
    )
    frame = service.city_daily_frame(
        session, city_code=code, start=start, end=end, standard=standard
    )
    return SeriesOut(
        scope="city", code=code, start=start, end=end, standard=standard, items=frame_items(frame)
    )


@router.get("/cities/{code}/hourly", response_model=SeriesOut)
def city_hourly(
    session: DbSession,
    code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    standard: StandardQuery = None,
) -> SeriesOut:
    """City hourly AQI from the mean over the city's stations of each hour's values."""
    service.check_city(session, city_code=code)
    standard = service.check_standard(standard)
    codes = service.station_codes_of_city(session, city_code=code)
    start, end = resolve_range(
        session, start, end, codes=codes, default_days=2, max_days=MAX_HOURLY_DAYS
    )
    frame = service.city_hourly_frame(
        session, city_code=code, start=start, end=end, standard=standard
    )
    return SeriesOut(
        scope="city",
        code=code,
        start=start,
        end=end,
        standard=standard,
        items=frame_items(
            frame.select("ts", "date", "aqi", "level", "primary_pollutants", "stations")
        ),
    )


@router.get("/cities/{code}/compliance")
def city_compliance(session: DbSession, code: str, year: int) -> dict[str, Any]:
    """GB 3095 annual assessment (GB 3095-2012, -2026 and -2026 from 2031) of a city-year."""
    service.check_city(session, city_code=code)
    if not 1990 <= year <= 2100:
        raise InvalidInput(
            "year out of range", errors=[field_error(["query", "year"], "must be 1990..2100")]
        )
    return service.compliance_report(session, city_code=code, year=year)


@router.get("/ranking")
def city_ranking(
    session: DbSession, date: dt.date | None = None, standard: StandardQuery = None
) -> dict[str, Any]:
    """Cities of a day by daily AQI, best first (default day: the latest with data)."""
    standard = service.check_standard(standard)
    check_date_bounds(date, "date")
    day = date or service.latest_day(session)
    if day is None:
        return {"date": None, "standard": standard, "items": []}
    frame = service.ranking(session, day=day, standard=standard)
    names = {j.code: j for j in regions.list_jurisdictions(session)}
    items = frame_items(frame)
    for item in items:
        j = names.get(item["city_code"])
        item["name_zh"] = j.name_zh if j else item["city_code"]
        item["name_en"] = j.name_en if j else item["city_code"]
    return {"date": day.isoformat(), "standard": standard, "items": items}


# --------------------------------------------------------------------------- export


@router.get("/export")
def export(
    session: DbSession,
    actor: OptionalActor,
    kind: Literal["daily", "hourly", "raw"] = "daily",
    station: str | None = None,
    city: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Literal["csv", "parquet"] = "csv",
    standard: StandardQuery = None,
) -> Response:
    """A series as CSV or Parquet: daily (AQI and daily values), hourly (AQI) or raw hourly
    values of one station (conditional: grant enforced, cross-jurisdiction reads audited)."""
    scope, code = _station_or_city(station, city)
    standard = service.check_standard(standard)
    if scope == "station":
        station_row = service.get_station(session, code=code)
        codes = [code]
    else:
        service.check_city(session, city_code=code)
        codes = service.station_codes_of_city(session, city_code=code)
    if kind == "raw" and scope != "station":
        raise InvalidInput(
            "raw export is per station",
            errors=[field_error(["query", "kind"], "raw needs station=")],
        )
    max_days = MAX_DAILY_DAYS if kind == "daily" else 366
    start, end = resolve_range(
        session, start, end, codes=codes, default_days=365, max_days=max_days
    )
    if kind == "daily":
        frame = (
            service.station_daily_frame(
                session, station_code=code, start=start, end=end, standard=standard
            )
            if scope == "station"
            else service.city_daily_frame(
                session, city_code=code, start=start, end=end, standard=standard
            )
        )
    elif kind == "hourly":
        frame = (
            service.station_hourly_frame(
                session, station_code=code, start=start, end=end, standard=standard
            )
            if scope == "station"
            else service.city_hourly_frame(
                session, city_code=code, start=start, end=end, standard=standard
            )
        )
        frame = frame.select("ts", "date", "aqi", "level", "primary_pollutants")
    else:
        values, _, dataset = datasets.raw_access(session, actor=actor, station=station_row)
        lo, hi = service.local_day_bounds_utc(start, end)
        frame = service.observations_frame(
            session, station_codes=[code], start_utc=lo, end_utc=hi
        ).select("ts", *values)
        datasets.record_raw_read(
            session,
            actor=actor,
            dataset=dataset,
            detail={
                "station_code": code,
                "rows": frame.height,
                "fields": list(values),
                "export": format,
            },
        )
    name = f"air-{kind}-{code}-{start}-{end}"
    buffer = io.BytesIO()
    if format == "parquet":
        frame.write_parquet(buffer)
        media = "application/vnd.apache.parquet"
    else:
        frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(buffer)
        media = "text/csv; charset=utf-8"
    return Response(
        buffer.getvalue(),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{format}"',
        },
    )


# --------------------------------------------------------------------------- ingestion


@router.post("/observations", response_model=IngestOut)
def post_observations(
    session: DbSession, actor: RequiredActor, body: BatchIn, partial: bool = False
) -> dict[str, Any]:
    """Store a batch of hourly observations (idempotent; changes kept as revisions).

    Without ``partial`` a batch with any invalid row is rejected whole: 422 listing every bad
    row (row, column, reason), nothing stored. With ``partial=true`` the valid rows are stored
    and the answer lists the rejected ones. Only the owning agency's stewards (and
    administrators) write a station's data: 403 otherwise, audited.
    """
    normalised = ingest.normalise_records(
        body.observations, units=body.units, timezone=body.timezone
    )
    result = ingest.ingest(
        session,
        actor=actor,
        normalised=normalised,
        channel="api",
        source="api batch",
        partial=partial,
        co_declared=_co_declared(body.units),
    )
    return result.as_dict()


def _co_declared(units: dict[str, str]) -> bool:
    return any(ingest._canonical(k) == "co" for k in units)


def parse_units_field(text: str | None) -> dict[str, str]:
    """``co=ug/m3, pm2_5=ug/m3`` or a JSON object -> dict (422 naming ``units`` if neither)."""
    if text is None or not text.strip():
        return {}
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                "units is not valid JSON", errors=[field_error(["body", "units"], "invalid JSON")]
            ) from exc
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InvalidInput(
                "units must map columns to unit strings",
                errors=[field_error(["body", "units"], "expected an object")],
            )
        return {str(k): v for k, v in value.items()}
    out: dict[str, str] = {}
    for part in stripped.replace(";", ",").split(","):
        if not part.strip():
            continue
        column, sep, unit = part.partition("=")
        if not sep:
            raise InvalidInput(
                "units must look like co=ug/m3",
                errors=[field_error(["body", "units"], "expected column=unit")],
            )
        out[column.strip()] = unit.strip()
    return out


def ingest_upload(
    session: Any,
    *,
    actor: Any,
    content: bytes,
    filename: str,
    units: str | None,
    timezone: str | None,
    partial: bool,
    channel: str,
) -> ingest.IngestResult:
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "file too large",
            errors=[field_error(["body", "file"], f"at most {MAX_UPLOAD_BYTES} bytes")],
        )
    declared = parse_units_field(units)
    normalised = ingest.normalise_csv(content, units=declared, timezone=timezone)
    header_co = any(c.lower().startswith("co") and ("[" in c or "(" in c) for c in _header(content))
    is_uci = "co" in normalised.columns and "station" in [h.lower() for h in _header(content)]
    return ingest.ingest(
        session,
        actor=actor,
        normalised=normalised,
        channel=channel,
        source=filename,
        partial=partial,
        co_declared=_co_declared(declared) or header_co or is_uci,
    )


def _header(content: bytes) -> list[str]:
    first = content.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    return [h.strip().strip('"') for h in first.split(",")]


@router.post("/observations/csv", response_model=IngestOut)
def post_observations_csv(
    session: DbSession,
    actor: RequiredActor,
    file: Annotated[UploadFile, File(description="CSV: platform layout or UCI multi-site")],
    units: Annotated[str | None, Form(description="e.g. co=ug/m3")] = None,
    timezone: Annotated[str | None, Form(description="offset for naive timestamps")] = None,
    partial: bool = False,
) -> dict[str, Any]:
    """Upload a CSV file of hourly observations; same rules and answers as the JSON batch."""
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    result = ingest_upload(
        session,
        actor=actor,
        content=content,
        filename=file.filename or "upload.csv",
        units=units,
        timezone=timezone,
        partial=partial,
        channel="csv",
    )
    return result.as_dict()
