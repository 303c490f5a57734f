"""Raw hourly observations, conditional data read under the catalog's grant.

Each station's raw values belong to the ``AIR-<province>-HOURLY-RAW`` dataset of its agency:
``catalog.service.readable_fields`` decides which fields a reader sees (the rest are listed as
withheld; 403 when no value is readable, 401 anonymous) and ``record_read`` audits reads across
jurisdictions. While that dataset is not registered only the station's administrators read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.air import policy, service
from jingjinji.air.datasets import dataset_code
from jingjinji.air.models import NUMERIC, Observation, Station
from jingjinji.air.schemas import RawPage
from jingjinji.catalog import service as catalog
from jingjinji.errors import InvalidInput, NotFound, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import check_limit, decode_key, paginate
from jingjinji.security import Actor

RAW_FIELDS: tuple[str, ...] = (*NUMERIC, "wd")
#: Days a page of raw values covers by default.
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class RawAccess:
    """What a reader may see of a station's raw values: the readable value columns, the
    withheld fields with the reason, and the dataset (None while it is not registered)."""

    values: tuple[str, ...]
    withheld: list[dict[str, str]] = field(default_factory=list)
    dataset: str | None = None


def raw_access(session: Session, *, actor: Actor | None, station: Station) -> RawAccess:
    """Which raw hourly fields ``actor`` may read for ``station``.

    Enforces the catalog's grant through ``readable_fields`` (401/403 when nothing is
    readable). Without a registered dataset only administrators and the owner read raw data.
    """
    code = dataset_code(station.province_code, "HOURLY-RAW")
    try:
        catalog.get_dataset(session, code=code)
    except NotFound:
        if not policy.may_read_raw(actor, station):
            raise PermissionDenied(
                msg(
                    "raw hourly data of station {station_code} is not "
                    "shared: dataset {code} is not "
                    "registered in the catalog",
                    station_code=station.code,
                    code=code,
                )
            ) from None
        return RawAccess(RAW_FIELDS)
    access = catalog.readable_fields(session, actor=actor, dataset_code=code)
    values = tuple(c for c in RAW_FIELDS if c in access.readable)
    withheld = [{"field": w.field, "reason": w.reason} for w in access.withheld]
    if not values:
        raise PermissionDenied(
            msg("no raw hourly value of dataset {code} is readable for you", code=code),
            errors=[field_error(["fields", w["field"]], w["reason"]) for w in withheld],
        )
    return RawAccess(values, withheld, code)


def record_raw_read(
    session: Session, *, actor: Actor | None, access: RawAccess, detail: dict[str, Any]
) -> None:
    if access.dataset is not None:
        catalog.record_read(session, actor=actor, dataset_code=access.dataset, detail=detail)


def _check_cursor_time(cursor: str | None) -> None:
    """A cursor names the hour of a row; an hour outside the dates a request may name was
    never issued (and its next hour may not even exist)."""
    key = decode_key(cursor, [dt.datetime])
    if key is None:
        return
    first, after_last = service.local_day_bounds_utc(service.MIN_DATE, service.MAX_DATE)
    if not first <= key[0] < after_last:
        raise InvalidInput(
            msg("cursor is not one this API issued"),
            errors=[field_error(["query", "cursor"], msg("malformed cursor"))],
        )


def raw_page(
    session: Session,
    *,
    actor: Actor | None,
    station_code: str,
    start: dt.date | None,
    end: dt.date | None,
    cursor: str | None,
    limit: int,
) -> RawPage:
    """One page of a station's raw hourly values (by time; default: the last 7 days with
    data), the fields ``actor`` may read only; reads across jurisdictions are audited."""
    station = service.get_station(session, code=station_code)
    check_limit(limit)
    start, end = service.resolve_range(
        session,
        start,
        end,
        codes=[station_code],
        default_days=DEFAULT_DAYS,
        max_days=service.MAX_DAILY_DAYS,
    )
    access = raw_access(session, actor=actor, station=station)
    _check_cursor_time(cursor)
    lo, hi = service.local_day_bounds_utc(start, end)
    stmt = select(Observation).where(
        Observation.station_code == station_code, Observation.ts >= lo, Observation.ts < hi
    )
    page = paginate(session, stmt, Observation.ts, cursor=cursor, limit=limit)
    items = [
        {"ts": row.ts.isoformat(), **{c: getattr(row, c) for c in access.values}}
        for row in page.items
    ]
    record_raw_read(
        session,
        actor=actor,
        access=access,
        detail={
            "station_code": station_code,
            "rows": len(items),
            "fields": list(access.values),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return RawPage(
        station_code=station_code,
        dataset_code=access.dataset,
        fields=["ts", *access.values],
        withheld_fields=access.withheld,
        items=items,
        next_cursor=page.next_cursor,
    )


def export_access(
    session: Session,
    *,
    actor: Actor | None,
    station: Station,
    start: dt.date,
    end: dt.date,
    export_format: str,
) -> RawAccess:
    """What a download of a station's raw hourly values of local dates start..end may hold
    (401/403 as for a page); the read is audited like a page, with the rows it covers (one
    count on the key), before the first byte is sent."""
    access = raw_access(session, actor=actor, station=station)
    lo, hi = service.local_day_bounds_utc(start, end)
    rows = session.scalar(
        select(func.count())
        .select_from(Observation)
        .where(Observation.station_code == station.code, Observation.ts >= lo, Observation.ts < hi)
    )
    record_raw_read(
        session,
        actor=actor,
        access=access,
        detail={
            "station_code": station.code,
            "rows": rows or 0,
            "fields": list(access.values),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "export": export_format,
        },
    )
    return access
