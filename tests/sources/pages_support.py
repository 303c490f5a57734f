"""Stored monitoring data for the page, overview and indicator tests, written as the loader
would leave it: one ``Packet`` per data packet and one ``Value`` per factor of it (the
partitioned tables' DEFAULT partition takes any month on PostgreSQL), loggers' ``last_seen_at``,
exceedance events and gateway counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import utcnow
from jingjinji.sources.models import (
    DataCommand,
    Enterprise,
    Exceedance,
    GatewayStats,
    Logger,
    Outlet,
    Packet,
    Value,
)
from jingjinji.timezone import CHINA_TZ
from tests.sources.conftest import Registry

#: Registration time of the fixture's loggers in these tests (before every period tested).
REGISTERED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A China-time moment, as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ).astimezone(dt.UTC)


def register_early(session: Session) -> None:
    """Date every logger's registration back to ``REGISTERED``."""
    session.execute(update(Logger).values(registered_at=REGISTERED))


def store(
    session: Session,
    *,
    logger_id: int,
    cn: DataCommand,
    times: Sequence[dt.datetime],
    values: Mapping[str, float | Sequence[float]],
    flags: Mapping[int, str] | None = None,
) -> None:
    """One packet per time with one value per factor (a sequence gives each time its own),
    flagged N except the packets whose index ``flags`` names."""
    flags = flags or {}
    for i, at in enumerate(times):
        session.add(
            Packet(
                logger_id=logger_id,
                cn=cn.value,
                data_time=at,
                qn=None,
                protocol_version=2017,
                received_at=at,
                stream_sequence=i + 1,
                batch_id=1,
            )
        )
        for factor, given in values.items():
            number = given if isinstance(given, float | int) else given[i]
            column = "rtd" if cn is DataCommand.REALTIME else "avg"
            fields: dict[str, Any] = {column: float(number)}
            session.add(
                Value(
                    logger_id=logger_id,
                    cn=cn.value,
                    data_time=at,
                    factor=factor,
                    flag=flags.get(i, "N"),
                    **fields,
                )
            )
    session.flush()


def every(start: dt.datetime, step: dt.timedelta, count: int) -> list[dt.datetime]:
    return [start + step * i for i in range(count)]


def seen(session: Session, logger_id: int, at: dt.datetime | None) -> None:
    session.execute(update(Logger).where(Logger.id == logger_id).values(last_seen_at=at))


def open_exceedance(
    session: Session,
    *,
    logger_id: int,
    kind: str = "hourly_limit",
    factor: str = "w01018",
    started_at: dt.datetime,
    status: str = "open",
    value: float | None = 80.0,
    limit: float | None = 50.0,
) -> int:
    logger = session.get(Logger, logger_id)
    assert logger is not None
    outlet = session.get(Outlet, logger.outlet_id)
    assert outlet is not None
    enterprise = session.get(Enterprise, outlet.enterprise_id)
    assert enterprise is not None
    row = Exceedance(
        kind=kind,
        status=status,
        jurisdiction_code=enterprise.jurisdiction_code,
        enterprise_id=enterprise.id,
        outlet_id=outlet.id,
        logger_id=logger_id,
        factor=factor,
        started_at=started_at,
        value=value,
        limit=limit,
    )
    session.add(row)
    session.flush()
    return row.id


def report_gateway(
    session: Session, *, gateway: str, at: dt.datetime, counters: dict[str, Any]
) -> None:
    session.merge(GatewayStats(gateway=gateway, reported_at=at, counters=counters))
    session.flush()


def counters(accepted: int, rejects: Mapping[str, int], p50: float, p99: float) -> dict[str, Any]:
    """Counters in the shape the gateway publishes (``Counters.snapshot``)."""
    return {
        "connections": {"current": 3, "total": 5, "refused": 0, "idle_closed": 1},
        "packets": {
            "frames": accepted + sum(rejects.values()),
            "accepted": accepted,
            "rejected": sum(rejects.values()),
            "replies": accepted,
            "per_second": 12.5,
        },
        "rejects": dict(rejects),
        "publish_ms": {"p50": 1.0, "p99": 2.0, "n": 10},
        "ack_ms": {"p50": p50, "p99": p99, "n": 10},
    }


def store_outlet_data(factory: sessionmaker[Session], registry: Registry) -> None:
    """Hebei's wastewater logger online with an open event and a day of data; Beijing's
    online; the rest never seen."""
    log = registry.loggers
    now = utcnow()
    with factory() as session:
        register_early(session)
        seen(session, log["HE-A-W-001"], now)
        seen(session, log["BJ-A-W-001"], now - dt.timedelta(seconds=30))
        store(
            session,
            logger_id=log["HE-A-W-001"],
            cn=DataCommand.REALTIME,
            times=every(china(2026, 3, 1, 8), dt.timedelta(minutes=1), 30),
            values={"w01018": [20.0 + i for i in range(30)], "w21003": 2.5},
        )
        store(
            session,
            logger_id=log["HE-A-W-001"],
            cn=DataCommand.HOURLY,
            times=every(china(2026, 2, 27), dt.timedelta(hours=1), 48),
            values={"w01018": 55.0},
        )
        open_exceedance(session, logger_id=log["HE-A-W-001"], started_at=china(2026, 2, 27, 3))
        session.commit()
