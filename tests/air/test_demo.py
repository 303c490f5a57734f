"""The air demo loader: stations, catalog datasets and the history when it is there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import demo
from jingjinji.air.models import Observation, Station, StationDaily
from jingjinji.catalog.models import Dataset
from jingjinji.demo import DemoContext
from tests.conftest import People


def _counts(session_factory: sessionmaker[Session]) -> tuple[int, int, int, int]:
    with session_factory() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Station, Observation, StationDaily, Dataset)
        )


def test_demo_loads_history_from_the_shared_dir(
    session_factory: sessionmaker[Session],
    people: People,
    slice_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = tmp_path / "shared"
    shutil.copytree(slice_dir, shared / "data" / "air" / "beijing-multisite")
    monkeypatch.setenv("JJJ_SHARED_DIR", str(shared))
    assert demo.history_dir() == shared / "data" / "air" / "beijing-multisite"
    ctx = DemoContext()
    with session_factory() as session:
        demo.load(session, ctx)
        session.commit()
    stations, observations, days, datasets = _counts(session_factory)
    assert stations == 135 and observations == 480 and days == 20
    assert datasets == 9 and len(ctx.values["air_datasets"]) == 9
    assert ctx.values["air_history_rows"] == 480


def test_demo_continues_without_history(
    session_factory: sessionmaker[Session],
    people: People,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JJJ_SHARED_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(demo, "PROJECT_ROOT", tmp_path / "a" / "b")
    monkeypatch.chdir(tmp_path)
    with session_factory() as session:
        demo.load(session, DemoContext())
        session.commit()
    assert "air history not found" in capsys.readouterr().out
    stations, observations, _, datasets = _counts(session_factory)
    assert (stations, observations, datasets) == (135, 0, 9)
