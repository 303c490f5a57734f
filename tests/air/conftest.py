"""Fixtures of the air tests: stations and catalog datasets loaded, a slice of the real data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import datasets, service
from jingjinji.security import SYSTEM_ACTOR
from tests.air.support import SHARED, SLICE_FILES, SLICE_HOURS
from tests.conftest import People


@pytest.fixture
def air(session_factory: sessionmaker[Session], people: People) -> People:
    """People plus the station registry and the air datasets of the three agencies."""
    with session_factory() as session:
        service.load_stations(session, actor=SYSTEM_ACTOR)
        datasets.register_datasets(session, actor=SYSTEM_ACTOR)
        session.commit()
    return people


@pytest.fixture
def slice_dir(tmp_path: Path) -> Path:
    """The first ten days of two real station files, same format, with a SHA256SUMS file."""
    if SHARED is None:
        pytest.skip("the Beijing multi-site files were not found (set JJJ_SHARED_DIR)")
    target = tmp_path / "beijing-slice"
    target.mkdir()
    sums = []
    for name in SLICE_FILES:
        with (SHARED / name).open("rb") as fh:
            lines = [fh.readline() for _ in range(SLICE_HOURS + 1)]
        data = b"".join(lines)
        (target / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return target
