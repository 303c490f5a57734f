"""Concurrent writers of the same station-days (both backends).

Four threads, each with its own session, send disjoint hours of the same stations and days
through the entry point the API uses (``uploads.ingest_batch``), all at once. Every batch must
succeed, and the stored observations and the daily cache must equal what a serial ingestion
stores (the cache of a serial ingestion is the cache recomputed from the final observations:
every day's statistics depend on that day's hours only).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service, uploads
from jingjinji.air.models import Observation, StationDaily
from jingjinji.air.schemas import BatchIn
from tests.air.support import hour
from tests.conftest import People

WRITERS = 4
ROUNDS = 5
STATIONS = ("1001A", "1002A", "1003A")
DAYS = (dt.date(2016, 12, 19), dt.date(2016, 12, 20), dt.date(2016, 12, 21))


def _value(station: str, day: dt.date, h: int) -> float:
    return float(int(station[:4]) % 97 + day.day * 3 + h)


def _batch(writer: int, round_: int) -> list[dict[str, Any]]:
    """Writer ``w`` owns the hours ``h`` with ``h % WRITERS == w``; round ``r`` sends one of
    them (and the one 12 hours later) for every station and day: all writers touch every
    station-day in every round."""
    rows = []
    for station in STATIONS:
        for day in DAYS:
            for h in (writer + WRITERS * round_, writer + WRITERS * round_ + 12):
                if h >= 24:
                    continue
                v = _value(station, day, h)
                rows.append(
                    {
                        "station_code": station,
                        "ts": hour(day.isoformat(), h),
                        "pm2_5": v,
                        "pm10": v + 10,
                        "o3": v * 2,
                        "co": 1.5,
                        "temp": -3.0 + h / 4,
                        "wd": "NE" if h % 2 else "C",
                    }
                )
    return rows


def _send_concurrently(
    session_factory: sessionmaker[Session], people: People
) -> tuple[list[str], int]:
    actor = people["bj-env"]
    start = threading.Barrier(WRITERS)
    errors: list[str] = []
    done: list[int] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        for r in range(ROUNDS):
            rows = _batch(w, r)
            if not rows:
                continue
            start.wait(timeout=60)  # every round starts together
            try:
                with session_factory() as session:
                    out = uploads.ingest_batch(
                        session, actor=actor, body=BatchIn(observations=rows), partial=False
                    )
                    session.commit()
                with lock:
                    done.append(out.inserted)
            except Exception as exc:  # collected: the test names every failed batch
                with lock:
                    errors.append(f"writer {w} round {r}: {type(exc).__name__}: {exc}"[:300])

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors, sum(done)


def _cache(session: Session) -> list[tuple[Any, ...]]:
    columns = [c for c in StationDaily.__table__.columns]
    return [
        tuple(r)
        for r in session.execute(
            select(*columns).order_by(StationDaily.station_code, StationDaily.date)
        )
    ]


def test_concurrent_writers_of_shared_station_days_all_succeed(
    session_factory: sessionmaker[Session], air: People
) -> None:
    errors, inserted = _send_concurrently(session_factory, air)
    assert errors == []
    expected = {
        (row["station_code"], row["ts"]): row
        for w in range(WRITERS)
        for r in range(ROUNDS)
        for row in _batch(w, r)
    }
    assert inserted == len(expected) == len(STATIONS) * len(DAYS) * 24
    with session_factory() as session:
        stored = session.scalars(select(Observation)).all()
        assert len(stored) == len(expected)
        for o in stored:
            local = o.ts.astimezone(dt.timezone(dt.timedelta(hours=8)))
            sent = expected[(o.station_code, hour(local.date().isoformat(), local.hour))]
            assert (o.pm2_5, o.pm10, o.o3, o.wd, o.version) == (
                sent["pm2_5"],
                sent["pm10"],
                sent["o3"],
                sent["wd"],
                1,
            )
        concurrent = _cache(session)
    assert len(concurrent) == len(STATIONS) * len(DAYS)
    assert all(row[2] is not None for row in concurrent)  # pm2_5: all 24 hours counted
    with session_factory() as session:
        service.recompute_all(session)
        session.commit()
        serial = _cache(session)
    assert concurrent == serial
