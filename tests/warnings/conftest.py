"""Fixtures of the warning tests: criteria and measures loaded, a slice of the real Beijing
data imported through the air importer, helpers for the lifecycle."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service as air_service
from jingjinji.air.importer import import_beijing_multisite
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service
from tests.air.support import SHARED
from tests.conftest import People

SLICE_FILES = (
    "PRSA_Data_Dongsi_20130301-20170228.csv",
    "PRSA_Data_Aotizhongxin_20130301-20170228.csv",
)
SLICE_DAYS = 330  # 2013-03-01 .. 2014-01-24 (local dates)
SLICE_END = dt.date(2013, 3, 1) + dt.timedelta(days=SLICE_DAYS - 1)


@pytest.fixture
def warn(session_factory: sessionmaker[Session], people: People) -> People:
    """People plus the station registry, the criteria sets and the response measures."""
    with session_factory() as session:
        air_service.load_stations(session, actor=SYSTEM_ACTOR)
        service.load_criteria(session, actor=SYSTEM_ACTOR)
        service.load_measures(session, actor=SYSTEM_ACTOR)
        session.commit()
    return people


@pytest.fixture(scope="session")
def beijing_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 330 days of two real station files (same format, with SHA256SUMS)."""
    if SHARED is None:
        pytest.skip("the Beijing multi-site files were not found (set JJJ_SHARED_DIR)")
    target = tmp_path_factory.mktemp("beijing-warn-slice")
    sums = []
    for name in SLICE_FILES:
        with (SHARED / name).open("rb") as fh:
            data = b"".join(fh.readline() for _ in range(24 * SLICE_DAYS + 1))
        (target / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return target


@pytest.fixture
def beijing(session_factory: sessionmaker[Session], warn: People, beijing_slice: Path) -> People:
    """``warn`` plus the slice imported (Beijing city daily data 2013-03-01..2014-01-24)."""
    with session_factory() as session:
        import_beijing_multisite(session, beijing_slice, actor=SYSTEM_ACTOR)
        session.commit()
    return warn
