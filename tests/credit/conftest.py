"""Fixtures shared by the credit tests (helpers add theirs here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People
from tests.credit.public_support import PublicData, build_public_data, configure_key


@pytest.fixture
def public_data(session_factory: sessionmaker[Session], people: People) -> PublicData:
    """A renamed Beijing enterprise with public, expired and black-list records (C4)."""
    return build_public_data(session_factory, people)


@pytest.fixture
def report_key(tmp_path: Path) -> str:
    """Reports are signed with a fresh key (the autouse fixture of tests/conftest.py makes the
    process keyless again afterwards)."""
    return configure_key(tmp_path / "report-keys")
