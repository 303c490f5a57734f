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


def _cursor(value: object) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_malformed_input_on_every_core_route_is_4xx(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    """Ids beyond the integer columns (2**31 on PostgreSQL, 2**63 on SQLite), cursors of the
    wrong kind and negative limits are 4xx problems on every API route of the core domains
    (regions, accounts, audit, jobs, catalog), on both backends; NUL characters (which
    PostgreSQL text refuses) are never a 500."""
    headers = people.headers(session_factory, "office")
    calls: list[tuple[str, str, dict[str, object] | None, dict[str, str] | None]] = []
    for n in (str(10**30), str(2**40), str(2**31), "-1", "0"):
        calls += [
            ("GET", f"/api/v1/organisations/{n}", None, None),
            ("DELETE", f"/api/v1/tokens/{n}", None, None),
            ("POST", f"/api/v1/jobs/{n}/retry", None, None),
            ("GET", f"/api/v1/access-requests/{n}", None, None),
            ("POST", f"/api/v1/access-requests/{n}/decision", {"decision": "reject"}, None),
            ("GET", f"/api/v1/access-grants/{n}", None, None),
            ("POST", f"/api/v1/access-grants/{n}/revoke", {"reason": "x"}, None),
            ("GET", "/api/v1/datasets", None, {"owner_organisation_id": n}),
            ("GET", "/api/v1/access-grants", None, {"organisation_id": n}),
            (
                "POST",
                "/api/v1/users",
                {
                    "username": "someone",
                    "display_name": "x",
                    "password": "long-enough-pw",
                    "role": "analyst",
                    "organisation_id": int(n),
                },
                None,
            ),
            (
                "POST",
                "/api/v1/datasets",
                {
                    "code": "X-TEST",
                    "title_zh": "x",
                    "title_en": "x",
                    "owner_organisation_id": int(n),
                    "domain": "test",
                    "update_cycle": "daily",
                    "sharing_class": "unconditional",
                    "fields": [{"name": "a", "type": "string", "sharing_class": "unconditional"}],
                },
                None,
            ),
        ]
        for listing in (
            "/api/v1/organisations",
            "/api/v1/audit/entries",
            "/api/v1/jobs",
            "/api/v1/datasets",
            "/api/v1/access-requests",
            "/api/v1/access-grants",
        ):
            calls.append(("GET", listing, None, {"limit": n}))
    foreign_keys: tuple[object, ...] = (10**30, 2**40, -1, "5", True, None, 1.5, [1], {})
    for listing in (
        "/api/v1/organisations",
        "/api/v1/audit/entries",
        "/api/v1/jobs",
        "/api/v1/datasets",
        "/api/v1/access-requests",
        "/api/v1/access-grants",
    ):
        for key in foreign_keys:
            calls.append(("GET", listing, None, {"cursor": _cursor(key)}))
    strict = len(calls)  # the calls above are all refused; those below need only not fail
    for value in ("\x00", "a\x00b"):
        quoted = value.replace("\x00", "%00")
        calls += [
            ("GET", f"/api/v1/jurisdictions/{quoted}", None, None),
            ("GET", "/api/v1/jurisdictions", None, {"level": value, "parent": value}),
            ("GET", "/api/v1/organisations", None, {"jurisdiction": value}),
            ("GET", "/api/v1/audit/entries", None, {"action": value, "actor": value}),
            ("GET", "/api/v1/jobs", None, {"status": value}),
            ("GET", "/api/v1/datasets", None, {"jurisdiction": value, "domain": value, "q": value}),
            ("GET", f"/api/v1/datasets/{quoted}", None, None),
            ("GET", f"/api/v1/datasets/{quoted}/records", None, None),
            ("GET", "/api/v1/access-requests", None, {"dataset_code": value}),
            ("GET", "/api/v1/access-grants", None, {"dataset_code": value}),
            ("GET", "/api/v1/sharing-report", None, {"jurisdiction": value}),
            ("POST", "/api/v1/tokens", {"name": value}, None),
            (
                "POST",
                "/api/v1/organisations",
                {"uscc": value, "name_zh": "x", "name_en": "x", "jurisdiction_code": value},
                None,
            ),
            (
                "POST",
                "/api/v1/users",
                {
                    "username": "someone",
                    "display_name": value,
                    "password": "long-enough-pw",
                    "role": "jurisdiction_admin",
                    "jurisdiction_code": value,
                },
                None,
            ),
            (
                "POST",
                "/api/v1/access-requests",
                {
                    "dataset_code": value,
                    "purpose": value,
                    "fields": [value],
                    "period_start": "2026-01-01",
                    "period_end": "2027-01-01",
                },
                None,
            ),
        ]
    failures = []
    for i, (method, path, body, params) in enumerate(calls):
        response = client.request(method, path, json=body, params=params, headers=headers)
        status = response.status_code
        problem = response.headers["content-type"].startswith("application/problem+json")
        if status >= 500 or (status >= 400 and not problem) or (i < strict and status < 400):
            failures.append((method, path, body, params, status))
    assert failures == []
