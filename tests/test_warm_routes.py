"""A served application builds every route's request handling before its first request.

FastAPI builds an included router's routes (their parameter models) lazily, when a request
first walks past them; without ``warm_routes`` the first user after a start waits for all of
them (0.36-1.6 s measured, against 4-18 ms for the same page later)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.app import create_app, warm_routes
from jingjinji.config import Settings

#: The DCSA events endpoint, in the ports router's last included router.
EVENTS = "/api/v1/ports/dcsa/v2/events"


@pytest.fixture
def route_builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths whose request handling FastAPI builds, in order."""
    built: list[str] = []
    context = routing._EffectiveRouteContext
    original = context.from_api_route.__func__  # type: ignore[attr-defined]

    def counting(cls: type, /, **kwargs: Any) -> Any:
        made = original(cls, **kwargs)
        built.append(made.path)
        return made

    monkeypatch.setattr(context, "from_api_route", classmethod(counting))
    yield built


def test_a_fresh_application_builds_routes_on_its_first_request(
    settings: Settings, session_factory: sessionmaker[Session], route_builds: list[str]
) -> None:
    # The premise: without warming, the first request pays for the routes it walks past: the
    # core pages' and the ports API's before the events. Another domain's API sits behind its
    # prefix (app.PrefixGate): a request elsewhere walks past none of its routes.
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        client.get(EVENTS)
    # What it walked past, by name (how many depends on what earlier applications in this
    # process built of the shared routers): the core pages' and the ports API's, up to the events.
    assert any(path.endswith("/v2/events") for path in route_builds)
    assert "/login" in route_builds
    assert any(path.startswith("/api/v1/ports/") for path in route_builds)
    assert not any(path.startswith("/api/v1/credit/") for path in route_builds)


def test_warm_routes_builds_them_all_before_the_first_request(
    settings: Settings, session_factory: sessionmaker[Session], route_builds: list[str]
) -> None:
    app = warm_routes(create_app(settings, session_factory=session_factory))
    warmed = len(route_builds)
    assert warmed > 100
    assert any(path.endswith("/v2/events") for path in route_builds)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get(EVENTS).status_code in (401, 403)
        assert client.get("/catalog").status_code in (200, 303)
    assert len(route_builds) == warmed
