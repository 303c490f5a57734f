"""The registry as the gateway sees it: MN -> :class:`LoggerEntry`, loaded at start and refreshed
in the background, in a thread, so that the connection path never waits on the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from jingjinji.sources.service.registry import LoggerEntry

log = logging.getLogger("jingjinji.sources.gateway")

DirectoryLoader = Callable[[], dict[str, LoggerEntry]]


class LoggerDirectory:
    """The latest registry read; a failed refresh keeps the previous one (and says so)."""

    def __init__(self, loader: DirectoryLoader) -> None:
        self._loader = loader
        self.entries: dict[str, LoggerEntry] = {}

    def get(self, mn: str) -> LoggerEntry | None:
        return self.entries.get(mn)

    async def refresh(self) -> None:
        """Read the registry again (in a worker thread) and swap it in at once."""
        self.entries = await asyncio.to_thread(self._loader)

    async def keep_fresh(self, every_seconds: float) -> None:
        """Refresh every ``every_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.refresh()
            except Exception:  # the database may be away for a while: keep serving
                log.exception("registry refresh failed; keeping %d loggers", len(self.entries))


def database_loader() -> DirectoryLoader:
    """A loader reading the configured database (JJJ_DATABASE_URL), one short session a call."""
    from jingjinji import db
    from jingjinji.config import get_settings
    from jingjinji.sources.service.registry import logger_directory

    engine = db.make_engine(get_settings().database_url)
    factory = db.make_session_factory(engine)

    def load() -> dict[str, LoggerEntry]:
        with factory() as session:
            return logger_directory(session)

    return load
