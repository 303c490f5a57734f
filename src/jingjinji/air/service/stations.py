"""The station registry: the shipped list of national monitoring stations, their cities and
owners, and the lookups every other part of the air domain starts from."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jingjinji.air import policy
from jingjinji.air.models import Station, StationDaily
from jingjinji.air.schemas import StationQuery
from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, ensure_can_write, province_of

#: ``city_zh`` of the station list -> GB/T 2260 code of the city (prefecture or new area).
CITY_CODES: dict[str, str] = {
    "北京": "110000",
    "天津": "120000",
    "石家庄": "130100",
    "唐山": "130200",
    "秦皇岛": "130300",
    "邯郸": "130400",
    "邢台": "130500",
    "保定": "130600",
    "张家口": "130700",
    "承德": "130800",
    "沧州": "130900",
    "廊坊": "131000",
    "衡水": "131100",
    "雄安新区": "133100",
}
STATION_FILE = "jjj_national_stations.csv"
UCI_FILE = "uci_station_codes.csv"
STATION_SOURCE = "national station list (jjj_national_stations.csv)"
#: Credit of the Beijing stations' hourly history (demo data, pages, command line).
ATTRIBUTION = (
    "Beijing Multi-Site Air-Quality Data: Song Chen (2017), UCI Machine Learning Repository, "
    "doi:10.24432/C5RK5G, licensed CC BY 4.0."
)


def _package_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("jingjinji.air").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def uci_station_codes() -> dict[str, str]:
    """The national station code of each station of the Beijing multi-site dataset, by the
    dataset's station name."""
    return {row["uci_name"]: row["station_code"] for row in _package_csv(UCI_FILE)}


def station_definitions() -> list[dict[str, Any]]:
    """The registry as shipped (package data), one dict per station, codes resolved."""
    uci = {row["station_code"]: row["uci_name"] for row in _package_csv(UCI_FILE)}
    out = []
    for row in _package_csv(STATION_FILE):
        city = row["city_zh"].strip()
        if city not in CITY_CODES:
            raise ValueError(f"station {row['station_code']}: unknown city {city!r}")
        code = row["station_code"].strip()
        out.append(
            {
                "code": code,
                "name_zh": row["station_name_zh"].strip(),
                "name_en": uci.get(code, code),
                "uci_name": uci.get(code),
                "city_code": CITY_CODES[city],
                "province_code": province_of(CITY_CODES[city]),
                "longitude": float(row["longitude"]),
                "latitude": float(row["latitude"]),
                "status": "stopped" if "停运" in row["station_name_zh"] else "active",
            }
        )
    return out


def load_stations(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    """Create or update every station of the shipped registry; returns how many.

    Each station is owned by the environment agency of its provincial-level jurisdiction
    (``regions.service.find_organisation(kind="environment")``); where that agency is not
    registered yet the station has no owner and only administrators may write its data until
    the registry is loaded again.
    """
    ensure_can_write(
        session,
        actor,
        action="air.stations.load",
        object_type="air_station",
        object_id=None,
        jurisdiction_code=None,
        organisation_id=None,
    )
    owners: dict[str, int | None] = {}
    count = 0
    for item in station_definitions():
        province = item["province_code"]
        if province not in owners:
            org = regions.find_organisation(session, jurisdiction_code=province, kind="environment")
            owners[province] = org.id if org is not None else None
        row = session.get(Station, item["code"])
        if row is None:
            row = Station(code=item["code"])
            session.add(row)
        for key, value in item.items():
            if key != "code":
                setattr(row, key, value)
        row.organisation_id = owners[province]
        row.source = STATION_SOURCE
        count += 1
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="air.stations.load",
        object_type="air_station",
        detail={"stations": count},
    )
    return count


def get_station(session: Session, *, code: str) -> Station:
    row = session.get(Station, code)
    if row is None:
        raise NotFound(msg("no air monitoring station with code {code}", code=repr(code)))
    return row


def parse_bbox(
    text: str, *, loc: Sequence[str | int] = ("query", "bbox")
) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` (WGS-84 degrees) -> floats, or a 422 naming the field."""
    parts = [p.strip() for p in text.split(",")]
    problem: str | None = None
    values: list[float] = []
    if len(parts) != 4:
        problem = msg("expected four numbers: minlon,minlat,maxlon,maxlat")
    else:
        try:
            values = [float(p) for p in parts]
        except ValueError:
            problem = msg("every part must be a number")
    if problem is None:
        minlon, minlat, maxlon, maxlat = values
        if not all(np.isfinite(values)):
            problem = msg("coordinates must be finite")
        elif not (-180 <= minlon <= 180 and -180 <= maxlon <= 180):
            problem = msg("longitudes must lie within -180..180")
        elif not (-90 <= minlat <= 90 and -90 <= maxlat <= 90):
            problem = msg("latitudes must lie within -90..90")
        elif minlon > maxlon or minlat > maxlat:
            problem = msg("minimum exceeds maximum")
    if problem is not None:
        raise InvalidInput(
            msg("invalid bbox {text}: {problem}", text=repr(text), problem=problem),
            errors=[field_error(list(loc), problem, input=text)],
        )
    return values[0], values[1], values[2], values[3]


def check_area(session: Session, *, jurisdiction: str | None, city: str | None) -> None:
    """A 422 naming ``query.jurisdiction`` or ``query.city`` for an unknown region code."""
    if jurisdiction is not None:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    if city is not None:
        regions.jurisdiction_or_invalid(session, code=city, loc=["query", "city"])


def _stations_stmt(
    *,
    jurisdiction: str | None = None,
    city: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    status: str | None = None,
) -> Select[Station]:
    stmt = select(Station)
    if jurisdiction:
        if jurisdiction.endswith("0000"):
            stmt = stmt.where(Station.province_code == jurisdiction)
        else:
            stmt = stmt.where(Station.city_code == jurisdiction)
    if city:
        stmt = stmt.where(Station.city_code == city)
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = bbox
        stmt = stmt.where(
            Station.longitude >= minlon,
            Station.longitude <= maxlon,
            Station.latitude >= minlat,
            Station.latitude <= maxlat,
        )
    if status:
        stmt = stmt.where(Station.status == status)
    return stmt


def list_stations(
    session: Session,
    *,
    jurisdiction: str | None = None,
    city: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    status: str | None = None,
) -> list[Station]:
    """Stations ordered by code. ``jurisdiction`` is a province (``130000``) or city code."""
    stmt = _stations_stmt(jurisdiction=jurisdiction, city=city, bbox=bbox, status=status)
    return list(session.scalars(stmt.order_by(Station.code)))


def station_page(session: Session, *, query: StationQuery) -> Paged[Station]:
    """One page of the stations matching ``query``, by code; 422 naming a bad filter."""
    check_limit(query.limit)
    box = parse_bbox(query.bbox) if query.bbox is not None else None
    check_area(session, jurisdiction=query.jurisdiction, city=query.city)
    stmt = _stations_stmt(
        jurisdiction=query.jurisdiction, city=query.city, bbox=box, status=query.status
    )
    return paginate(session, stmt, Station.code, cursor=query.cursor, limit=query.limit)


def station_codes_of_city(session: Session, *, city_code: str) -> list[str]:
    return list(
        session.scalars(
            select(Station.code).where(Station.city_code == city_code).order_by(Station.code)
        )
    )


def check_city(session: Session, *, city_code: str, loc: Sequence[str | int] | None = None) -> str:
    """``city_code`` if some station lies in that city, else 404 (or 422 naming ``loc``)."""
    if session.scalar(select(Station.code).where(Station.city_code == city_code).limit(1)):
        return city_code
    message = msg("no air monitoring city with code {city_code}", city_code=repr(city_code))
    if loc is not None:
        raise InvalidInput(message, errors=[field_error(list(loc), msg("unknown city"))])
    raise NotFound(message)


def station_counts_by_city(session: Session) -> dict[str, int]:
    """How many stations each city has (cities with at least one), by city code."""
    stmt = (
        select(Station.city_code, func.count())
        .group_by(Station.city_code)
        .order_by(Station.city_code)
    )
    return {code: int(n) for code, n in session.execute(stmt).all()}


def cities_with_data(session: Session) -> list[str]:
    """Cities (GB/T 2260 codes) with at least one day of daily statistics, sorted."""
    stmt = (
        select(Station.city_code)
        .where(Station.code.in_(select(StationDaily.station_code).distinct()))
        .distinct()
        .order_by(Station.city_code)
    )
    return list(session.scalars(stmt))


def ensure_can_write_station(
    session: Session, actor: Actor | None, station: Station, *, action: str
) -> Actor:
    """Only the owning agency's stewards (and administrators) write a station's data."""
    return ensure_can_write(
        session,
        actor,
        action=action,
        object_type="air_station",
        object_id=station.code,
        jurisdiction_code=station.city_code,
        organisation_id=station.organisation_id,
    )


def stations_for_upload(session: Session, *, actor: Actor | None) -> list[Station]:
    """The stations whose data ``actor`` administers, as the upload form lists them."""
    return policy.stations_for_upload(actor, list_stations(session))
