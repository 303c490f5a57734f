"""Stored values for the enforcement tests, written as the loader stores them (one
``source_batches`` row, its packets and their values, the logger's ``last_seen_at``) without
going through NATS: the detection reads only the stored rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.models import Batch, DataCommand, Logger, Packet, Value

#: A morning in China time (data times are stored in UTC).
T0 = dt.datetime(2026, 6, 10, 0, 0, tzinfo=dt.UTC)


def hour(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@dataclass(frozen=True)
class Stored:
    """One value to store: data time (UTC), factor, average, flag and corrected average."""

    at: dt.datetime
    factor: str
    avg: float | None
    flag: str | None = "N"
    zs_avg: float | None = None


def store(
    session_factory: sessionmaker[Session],
    logger_id: int,
    values: list[Stored],
    *,
    cn: DataCommand = DataCommand.HOURLY,
    received_at: dt.datetime | None = None,
) -> int:
    """Store one batch of values of one logger (one packet per data time); its batch id."""
    with session_factory() as session:
        batch_id = store_in(session, logger_id, values, cn=cn, received_at=received_at)
        session.commit()
    return batch_id


def store_in(
    session: Session,
    logger_id: int,
    values: list[Stored],
    *,
    cn: DataCommand = DataCommand.HOURLY,
    received_at: dt.datetime | None = None,
) -> int:
    first = (session.scalar(select(func.max(Batch.last_sequence))) or 0) + 1
    batch = Batch(
        loader="test",
        first_sequence=first,
        last_sequence=first + len(values),
        messages=len(values),
        packets_stored=len({v.at for v in values}),
        duplicates=0,
        values_stored=len(values),
        sha256="0" * 64,
    )
    session.add(batch)
    session.flush()
    logger = session.get(Logger, logger_id)
    assert logger is not None
    for n, at in enumerate(sorted({v.at for v in values})):
        heard = received_at or at + dt.timedelta(minutes=5)
        # As the loader does: the latest receive time, never moved back.
        if logger.last_seen_at is None or heard > logger.last_seen_at:
            logger.last_seen_at = heard
        session.add(
            Packet(
                logger_id=logger_id,
                cn=int(cn),
                data_time=at,
                qn=None,
                protocol_version=2017,
                received_at=heard,
                stream_sequence=first + n,
                batch_id=batch.id,
            )
        )
    for v in values:
        session.add(
            Value(
                logger_id=logger_id,
                cn=int(cn),
                data_time=v.at,
                factor=v.factor,
                avg=v.avg,
                zs_avg=v.zs_avg,
                flag=v.flag,
            )
        )
    session.flush()
    return batch.id


def hourly(
    factor: str, averages: Sequence[float | None], *, start: int = 0, flag: str = "N"
) -> list[Stored]:
    """Consecutive hourly values of one factor from ``hour(start)``, all with ``flag``."""
    return [Stored(hour(start + n), factor, a, flag) for n, a in enumerate(averages)]
