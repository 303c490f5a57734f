"""One batch from messages to a committed transaction, without NATS: parse, resolve the loggers,
make the month partitions, store. The consumer (:mod:`jingjinji.sources.loader.consume`) calls
:meth:`BatchLoader.load` and acknowledges the messages once it returned."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import socket
import time
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import is_postgres, session_scope, utcnow
from jingjinji.sources.loader.batch import StreamMessage, parse_messages, prepare
from jingjinji.sources.loader.partitions import ensure_month_partitions
from jingjinji.sources.loader.store import SqliteRows, StoredBatch, sqlite_rows, store_batch
from jingjinji.sources.service import registry

log = logging.getLogger("jingjinji.sources.loader")

#: An MN the loader does not know makes it read the registry again, at most this often.
DIRECTORY_REFRESH_SECONDS = 5.0
#: A month whose partitions could not be made (no privilege, a lock held too long) is tried
#: again after this long; meanwhile its rows go to the DEFAULT partition.
PARTITION_RETRY_SECONDS = 300.0


def loader_name() -> str:
    """``host:pid``, recorded on each batch."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LoggerIds:
    """The registered loggers' ids by MN, read again (at most every ``refresh_seconds``) when a
    batch names an MN it does not hold."""

    def __init__(
        self, factory: sessionmaker[Session], refresh_seconds: float = DIRECTORY_REFRESH_SECONDS
    ) -> None:
        self._factory = factory
        self._refresh_seconds = refresh_seconds
        self._ids: dict[str, int] = {}
        self._loaded_at = -math.inf

    def resolve(self, mns: Iterable[str]) -> Mapping[str, int]:
        missing = any(mn not in self._ids for mn in mns)
        if missing and time.monotonic() - self._loaded_at >= self._refresh_seconds:
            with self._factory() as session:
                directory = registry.logger_directory(session)
            self._ids = {mn: entry.logger_id for mn, entry in directory.items()}
            self._loaded_at = time.monotonic()
        return self._ids


class MonthPartitions:
    """Makes the month partitions a batch needs before it is stored (PostgreSQL), once per
    month and process; refused, it warns and leaves the rows to the DEFAULT partition."""

    def __init__(
        self, factory: sessionmaker[Session], retry_seconds: float = PARTITION_RETRY_SECONDS
    ) -> None:
        self._factory = factory
        self._retry_seconds = retry_seconds
        self._ready: set[dt.date] = set()
        self._refused: dict[dt.date, float] = {}

    def ensure(self, months: set[dt.date]) -> None:
        now = time.monotonic()
        todo = {
            m
            for m in months - self._ready
            if now - self._refused.get(m, -math.inf) >= self._retry_seconds
        }
        if not todo:
            return
        try:
            with session_scope(self._factory) as session:
                if is_postgres(session):
                    for made in ensure_month_partitions(session.connection(), todo):
                        log.info(
                            "made the partitions of %s (%d packets, %d values moved from the "
                            "default partition)",
                            made.month.strftime("%Y-%m"),
                            made.moved_packets,
                            made.moved_values,
                        )
        except DBAPIError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
            log.warning(
                "could not make the partitions of %s (%s): their rows go to the DEFAULT "
                "partition; run `jjj sources partitions` as the database owner",
                ", ".join(sorted(m.strftime("%Y-%m") for m in todo)),
                reason,
            )
            self._refused.update(dict.fromkeys(todo, now))
            return
        self._ready |= todo


class BatchLoader:
    """Loads batches of stream messages into the database, one transaction each."""

    def __init__(
        self, factory: sessionmaker[Session], *, stats_prefix: str, name: str | None = None
    ) -> None:
        self.factory = factory
        self.stats_prefix = stats_prefix
        self.name = name or loader_name()
        self.logger_ids = LoggerIds(factory)
        self.partitions = MonthPartitions(factory)
        bind = factory.kw.get("bind")
        self._sqlite = bind is not None and bind.dialect.name == "sqlite"

    def load(
        self, messages: Sequence[StreamMessage], *, now: dt.datetime | None = None
    ) -> StoredBatch:
        """Parse, store and commit ``messages``; raises (nothing committed) on a database
        error, the caller then leaves them unacknowledged."""
        parsed = parse_messages(messages, self.stats_prefix)
        ids = self.logger_ids.resolve({p.mn for p in parsed.values() if p.valid and p.mn})
        batch = prepare(messages, parsed, ids, stats_prefix=self.stats_prefix, now=now or utcnow())
        self.partitions.ensure(batch.months())
        # SQLite: the rows in their stored form before the transaction, which then holds the
        # database's one write lock only for its statements.
        rows: SqliteRows | None = None
        if self._sqlite and batch.packets:
            rows = sqlite_rows(batch)
        with session_scope(self.factory) as session:
            stored = store_batch(session, batch, loader=self.name, rows=rows)
        if stored.batch_id is not None:
            log.info(
                "batch %d: %d messages (sequences %d-%d), %d packets stored, %d duplicates, "
                "%d values, %d invalid, %d unknown loggers",
                stored.batch_id,
                batch.messages,
                batch.first_sequence,
                batch.last_sequence,
                stored.packets_stored,
                stored.duplicates,
                stored.values_stored,
                batch.invalid,
                batch.unknown_logger,
            )
        return stored
