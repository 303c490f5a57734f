"""SQLite commits are durable: every connection of the platform's engine syncs the WAL at each
commit (``synchronous=FULL``), so a write acknowledged to a client survives a power failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from jingjinji.db import make_engine

FULL = 2


def test_every_sqlite_connection_runs_with_synchronous_full(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}", pool_size=3)
    try:
        connections = [engine.connect() for _ in range(3)]
        levels = [c.execute(text("PRAGMA synchronous")).scalar_one() for c in connections]
        modes = [c.execute(text("PRAGMA journal_mode")).scalar_one() for c in connections]
        for c in connections:
            c.close()
    finally:
        engine.dispose()
    assert levels == [FULL] * 3
    assert modes == ["wal"] * 3


def test_an_unknown_synchronous_level_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="choose from"):
        make_engine(f"sqlite:///{tmp_path / 'x.db'}", sqlite_synchronous="SOMETIMES")
