"""Air-quality API under /api/v1/air: stations, latest values, series, ranking, export, ingest.

Handlers parse the request and shape the answer; the services check, authorise and compute.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse

from jingjinji.air import exports, raw, service, uploads
from jingjinji.air.formats import level_info
from jingjinji.air.schemas import (
    BatchIn,
    CityOut,
    ComplianceOut,
    ExportQuery,
    HourlyRankingOut,
    HourlyRankingQuery,
    IngestOut,
    LatestOut,
    LevelAdviceOut,
    RankingItem,
    RankingOut,
    RawPage,
    SeriesOut,
    SeriesQuery,
    StationDetail,
    StationOut,
    StationQuery,
)
from jingjinji.deps import DbSession, OptionalActor, RequiredActor, StreamingSession
from jingjinji.inputs import Cursor, IsoDate, QueryBool
from jingjinji.pagination import Page
from jingjinji.regions import service as regions

router = APIRouter(prefix="/air", tags=["air"])

StandardQuery = Annotated[
    str | None,
    Query(description="hj633-2012 or hj633-2026; default: the standard in force on each date"),
]


# --------------------------------------------------------------------------- shaping


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


def frame_items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as JSON objects (dates ISO 8601), with the label and colour of their
    AQI level where they have one."""
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


#: The label and colour of each AQI level (0: no label, grey; another level is an error).
_LEVEL_INFO_KEYS: tuple[str, ...] = tuple(level_info(0))
_LEVELS: dict[int, dict[str, str]] = {n: level_info(n) for n in range(7)}


def _json_column(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column as the JSON encoder of :func:`frame_items` writes it: dates and datetimes as
    their ``isoformat()`` (fractional seconds only where there are any), NaN and infinities as
    null (Pydantic's default), everything else unchanged."""
    col = pl.col(name)
    if dtype == pl.Date:
        return col.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        zone = "%:z" if dtype.time_zone else ""
        whole = col.dt.strftime(f"%Y-%m-%dT%H:%M:%S{zone}")
        fraction = col.dt.strftime(f"%Y-%m-%dT%H:%M:%S%.6f{zone}")
        return pl.when(col.dt.microsecond() == 0).then(whole).otherwise(fraction).alias(name)
    if dtype.is_float():
        return pl.when(col.is_finite()).then(col).alias(name)
    return col


def items_json(frame: pl.DataFrame) -> bytes:
    """The JSON array :func:`frame_items` gives, encoded by polars in one vectorised pass
    (the same JSON value: tests/air/test_series_encoding.py checks it)."""
    columns = [_json_column(name, dtype) for name, dtype in frame.schema.items()]
    if "level" in frame.columns:
        level = pl.col("level").fill_null(0).cast(pl.Int64)
        columns = [
            c for c, n in zip(columns, frame.columns, strict=True) if n not in _LEVEL_INFO_KEYS
        ]
        columns += [
            level.replace_strict(
                {n: info[key] for n, info in _LEVELS.items()}, return_dtype=pl.Utf8
            ).alias(key)
            for key in _LEVEL_INFO_KEYS
        ]
    return frame.select(columns).write_json().encode()


def series_response(series: service.Series) -> Response:
    """A series as :class:`SeriesOut` JSON: the envelope by Pydantic, the rows by polars."""
    envelope = SeriesOut(
        scope=series.scope,
        code=series.code,
        start=series.start,
        end=series.end,
        standard=series.standard,
        items=[],
    ).model_dump_json()
    head, empty = envelope.encode().rsplit(b"[]", 1)
    return Response(head + items_json(series.frame) + empty, media_type="application/json")


# --------------------------------------------------------------------------- stations


@router.get("/stations", response_model=Page[StationOut])
def list_stations(session: DbSession, params: Annotated[StationQuery, Query()]) -> Page[StationOut]:
    page = service.station_page(session, query=params)
    return Page[StationOut](
        items=[StationOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor
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
    values = service.latest_in_area(
        session, jurisdiction=jurisdiction, city=city, standard=standard
    )
    return [latest_out(v) for v in values]


def _series(
    session: DbSession, *, kind: service.Kind, scope: service.Scope, code: str, params: SeriesQuery
) -> Response:
    return series_response(
        service.series(
            session,
            kind=kind,
            scope=scope,
            code=code,
            start=params.start,
            end=params.end,
            standard=params.standard,
        )
    )


@router.get("/stations/{code}/daily", response_model=SeriesOut)
def station_daily(
    session: DbSession, code: str, params: Annotated[SeriesQuery, Query()]
) -> Response:
    return _series(session, kind="daily", scope="station", code=code, params=params)


@router.get("/stations/{code}/hourly", response_model=SeriesOut)
def station_hourly(
    session: DbSession, code: str, params: Annotated[SeriesQuery, Query()]
) -> Response:
    """Hourly AQI (real-time report) of a station; at most 31 days per request."""
    return _series(session, kind="hourly", scope="station", code=code, params=params)


@router.get("/stations/{code}/observations", response_model=RawPage)
def station_observations(
    session: DbSession,
    actor: OptionalActor,
    code: str,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    cursor: Cursor | None = None,
    limit: int = 168,
) -> RawPage:
    """Raw hourly values: conditional data, read under the catalog's grant (fields withheld
    without one); reads across jurisdictions are audited."""
    return raw.raw_page(
        session,
        actor=actor,
        station_code=code,
        start=start,
        end=end,
        cursor=cursor,
        limit=limit,
    )


# --------------------------------------------------------------------------- cities


@router.get("/cities", response_model=list[CityOut])
def list_cities(session: DbSession) -> list[CityOut]:
    return service.city_summaries(session)


@router.get("/cities/{code}/daily", response_model=SeriesOut)
def city_daily(session: DbSession, code: str, params: Annotated[SeriesQuery, Query()]) -> Response:
    """City daily values: station daily means averaged over the city, then the AQI."""
    return _series(session, kind="daily", scope="city", code=code, params=params)


@router.get("/cities/{code}/hourly", response_model=SeriesOut)
def city_hourly(session: DbSession, code: str, params: Annotated[SeriesQuery, Query()]) -> Response:
    """City hourly AQI from the mean over the city's stations of each hour's values."""
    return _series(session, kind="hourly", scope="city", code=code, params=params)


@router.get("/cities/{code}/compliance", response_model=ComplianceOut)
def city_compliance(session: DbSession, code: str, year: int) -> ComplianceOut:
    """GB 3095 annual assessment (GB 3095-2012, -2026 and -2026 from 2031) of a city-year."""
    return service.compliance_report(session, city_code=code, year=year)


@router.get("/ranking", response_model=RankingOut)
def city_ranking(
    session: DbSession, date: IsoDate | None = None, standard: StandardQuery = None
) -> RankingOut:
    """Cities of a day by daily AQI, best first (default day: the latest with data)."""
    ranking = service.ranking_of_day(session, date=date, standard=standard)
    names = {j.code: j for j in regions.list_jurisdictions(session)}
    items = []
    for item in frame_items(ranking.frame):
        j = names.get(item["city_code"])
        item["name_zh"] = j.name_zh if j else item["city_code"]
        item["name_en"] = j.name_en if j else item["city_code"]
        items.append(RankingItem.model_validate(item))
    return RankingOut(date=ranking.day, standard=ranking.standard, items=items)


@router.get("/ranking/hourly", response_model=HourlyRankingOut)
def hourly_city_ranking(
    session: DbSession, params: Annotated[HourlyRankingQuery, Query()]
) -> HourlyRankingOut:
    """Cities of an hour by hourly AQI (the real-time report), best first, cities without an
    AQI that hour last, each with the HJ 633 health advice of its level. Default hour: the
    latest at which half the reporting stations have PM2.5. At most the region's 14 cities:
    one answer, no cursor."""
    return service.hourly_ranking_out(session, hour=params.hour, standard=params.standard)


@router.get("/levels", response_model=list[LevelAdviceOut])
def aqi_levels() -> list[LevelAdviceOut]:
    """HJ 633's six AQI levels: bounds, category, colour, health effects and recommended
    measures (Chinese and English)."""
    return service.advice_table()


# --------------------------------------------------------------------------- export


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the series as a file",
            "content": {m.split(";")[0]: {} for m in exports.MEDIA_TYPES.values()},
        }
    },
)
def export(
    session: DbSession,
    reader: StreamingSession,
    actor: OptionalActor,
    params: Annotated[ExportQuery, Query()],
) -> StreamingResponse:
    """A series of any length as CSV or Parquet, streamed: daily (AQI and daily values), hourly
    (AQI), raw hourly values of one station (conditional: grant enforced, cross-jurisdiction
    reads audited), monthly or yearly means (GB 3095 day counts). Refusals come before the
    first byte."""
    plan = exports.plan_export(session, actor=actor, query=params)
    return StreamingResponse(
        exports.export_chunks(reader, plan),
        media_type=plan.media_type,
        headers={"Content-Disposition": f'attachment; filename="{plan.filename}"'},
    )


# --------------------------------------------------------------------------- ingestion


@router.post("/observations", response_model=IngestOut)
def post_observations(
    session: DbSession, actor: RequiredActor, body: BatchIn, partial: QueryBool = False
) -> IngestOut:
    """Store a batch of hourly observations (idempotent; changes kept as revisions).

    Without ``partial`` a batch with any invalid row is rejected whole: 422 listing every bad
    row (row, column, reason), nothing stored. With ``partial=true`` the valid rows are stored
    and the answer lists the rejected ones. Only the owning agency's stewards (and
    administrators) write a station's data: 403 otherwise, audited.
    """
    return uploads.ingest_batch(session, actor=actor, body=body, partial=partial)


@router.post("/observations/csv", response_model=IngestOut)
def post_observations_csv(
    session: DbSession,
    actor: RequiredActor,
    file: Annotated[UploadFile, File(description="CSV: platform layout or UCI multi-site")],
    units: Annotated[str | None, Form(description="e.g. co=ug/m3")] = None,
    timezone: Annotated[str | None, Form(description="offset for naive timestamps")] = None,
    partial: QueryBool = False,
) -> IngestOut:
    """Upload a CSV file of hourly observations; same rules and answers as the JSON batch."""
    return uploads.ingest_upload(
        session,
        actor=actor,
        file=file.file,
        filename=file.filename or "upload.csv",
        units=units,
        timezone=timezone,
        partial=partial,
        channel="csv",
    )
