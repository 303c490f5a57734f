"""Cross-cutting API behaviour: OpenAPI, problem+json, malformed input."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.deps import DbSession
from tests.conftest import People


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/jurisdictions" in spec.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_malformed_json_is_400_problem(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/organisations",
        content=b'{"uscc": ',
        headers={**people.headers(session_factory, "office"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 400 and body["title"] == "Malformed JSON"


def test_wrong_types_are_422_with_location(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/tokens",
        json={"name": 5, "days_valid": "many"},
        headers=people.headers(session_factory, "office"),
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "name") in locs and ("body", "days_valid") in locs


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_bad_cursor_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/organisations", params={"cursor": "%%%not-base64"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_html_pages_get_html_errors(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_non_finite_number_is_422_not_500(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/tokens",
        content=b'{"name": "x", "days_valid": Infinity, "extra": NaN}',
        headers={**people.headers(session_factory, "office"), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_integrity_race_is_409_not_500(app: object, session_factory: sessionmaker[Session]) -> None:
    """A unique-constraint failure that escapes a service is a retryable conflict."""
    assert isinstance(app, FastAPI)

    @app.post("/api/v1/test-duplicate")
    def duplicate(session: DbSession) -> dict[str, str]:
        session.execute(
            text(
                "INSERT INTO jurisdictions (code, level, name_zh, name_en, "
                "sort_order) VALUES ('110000', 'province', 'x', 'x', 0)"
            )
        )
        return {}

    with TestClient(app) as client:
        response = client.post("/api/v1/test-duplicate")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
