"""Data of the hourly ranking tests: three cities of clearly different air, stored through the
ingest service (the public air page's tests in tests/warnings use them too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import ingest
from jingjinji.security import SYSTEM_ACTOR

CST = dt.timezone(dt.timedelta(hours=8))
DAYS = (dt.date(2016, 12, 19), dt.date(2016, 12, 20))
LAST_FULL_HOUR = dt.datetime(2016, 12, 20, 23, tzinfo=CST)
LATER = dt.date(2017, 1, 1)
# city -> its stations and the constant PM2.5 (and PM10) they report (ug/m3)
CITIES = {
    "120000": (("1015A", "1017A"), 20.0),  # Tianjin: clean
    "110000": (("1001A", "1002A"), 100.0),  # Beijing: lightly polluted
    "130100": (("1029A", "1030A"), 200.0),  # Shijiazhuang: heavily polluted
}


def hourly_rows(station: str, day: dt.date, hours: range, **values: Any) -> list[dict[str, Any]]:
    """Rows of one station's local hours of a day, with constant values."""
    return [
        {"station_code": station, "ts": dt.datetime.combine(day, dt.time(h), CST).isoformat()}
        | values
        for h in hours
    ]


def store(factory: sessionmaker[Session], rows: list[dict[str, Any]]) -> None:
    """Through the ingest service, as an upload stores them (daily cache recomputed)."""
    with factory() as session:
        ingest.ingest(
            session, actor=SYSTEM_ACTOR, normalised=ingest.normalise_records(rows), channel="api"
        )
        session.commit()


def load_three_cities(factory: sessionmaker[Session]) -> None:
    """Two full days of two stations in each of :data:`CITIES`, then 3 hours of one station
    later (a sparse upload that must not move the default hour)."""
    rows: list[dict[str, Any]] = []
    for stations, pm in CITIES.values():
        for station in stations:
            for day in DAYS:
                rows += hourly_rows(station, day, range(24), pm2_5=pm, pm10=pm)
    store(factory, rows)
    store(factory, hourly_rows("1001A", LATER, range(3), pm2_5=500.0))
