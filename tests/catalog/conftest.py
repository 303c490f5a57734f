"""The catalog's shared fixtures: the demo catalog built through the services, and a caller."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.catalog.support import Caller, build_catalog
from tests.conftest import People


@pytest.fixture
def catalog(session_factory: sessionmaker[Session], people: People) -> People:
    """The people, with the test catalog (``support.build_catalog``) registered."""
    build_catalog(session_factory, people)
    return people


@pytest.fixture
def call(client: TestClient, catalog: People, session_factory: sessionmaker[Session]) -> Caller:
    return Caller(client, catalog, session_factory)
