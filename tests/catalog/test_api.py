"""API listing filters and pagination, and the shapes of errors (never a 500 for bad input)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from tests.catalog.support import PROBLEM, build_catalog, dataset_in, dataset_json
from tests.conftest import People


@pytest.fixture
def catalog(session_factory: sessionmaker[Session], people: People) -> People:
    build_catalog(session_factory, people)
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=people["he-env"],
            data=dataset_in(
                "HE-TRANSPORT-X",
                people.organisations["he_env"],
                domain="transport",
                specs=(("road", "number", "unconditional"),),
            ),
        )
        service.create_dataset(
            session,
            actor=people["tj-binhai"],
            data=dataset_in(
                "TJ-BINHAI-PORT",
                people.organisations["tj_binhai"],
                domain="transport",
                open_to_public=True,
            ),
        )
        session.commit()
    return people


def _codes(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = client.get("/api/v1/datasets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [d["code"] for d in response.json()["items"]]


def test_listing_filters(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    h = catalog.headers(session_factory, "tj-analyst")
    everything = [
        "BJ-OPEN",
        "BJ-COND",
        "BJ-SECRET",
        "BJ-INTERNAL",
        "HE-TRANSPORT-X",
        "TJ-BINHAI-PORT",
    ]
    assert _codes(client, h) == everything
    assert _codes(client, h, jurisdiction="130000") == ["HE-TRANSPORT-X"]
    assert _codes(client, h, jurisdiction="120000") == ["TJ-BINHAI-PORT"]
    assert _codes(client, h, jurisdiction="120116") == ["TJ-BINHAI-PORT"]
    assert _codes(client, h, jurisdiction="JJJ") == everything
    assert (
        _codes(client, h, owner_organisation_id=catalog.organisations["bj_env"]) == everything[:4]
    )
    assert _codes(client, h, domain="transport") == ["HE-TRANSPORT-X", "TJ-BINHAI-PORT"]
    assert _codes(client, h, sharing_class="conditional") == ["BJ-COND"]
    assert _codes(client, h, open_to_public="true") == ["BJ-OPEN", "TJ-BINHAI-PORT"]
    assert _codes(client, h, open_to_public="false", domain="transport") == ["HE-TRANSPORT-X"]
    assert _codes(client, h, q="binhai") == ["TJ-BINHAI-PORT"]
    assert _codes(client, h, q="数据集 BJ-C") == ["BJ-COND"]
    assert _codes(client, h, q="100%_") == []
    walked: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/datasets", params=params, headers=h).json()
        walked += [d["code"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert walked == everything


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"sharing_class": "secret"}, ["query", "sharing_class"]),
        ({"jurisdiction": "999999"}, ["query", "jurisdiction"]),
        ({"owner_organisation_id": "abc"}, ["query", "owner_organisation_id"]),
        ({"open_to_public": "perhaps"}, ["query", "open_to_public"]),
        ({"limit": "5000"}, ["query", "limit"]),
        ({"cursor": "!!"}, ["query", "cursor"]),
    ],
)
def test_listing_rejects_bad_queries(
    client: TestClient, catalog: People, params: dict[str, str], loc: list[str]
) -> None:
    response = client.get("/api/v1/datasets", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["errors"][0]["loc"] == loc


def test_malformed_json_is_400(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = {**people.headers(session_factory, "bj-env"), "content-type": "application/json"}
    for url in ("/api/v1/datasets", "/api/v1/access-requests", "/api/v1/datasets/ANY/records"):
        response = client.post(url, content=b'{"code": "X",', headers=headers)
        assert response.status_code == 400, url
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["title"] == "Malformed JSON"


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"sharing_class": "semi_shared"}, ["body", "sharing_class"]),
        ({"owner_organisation_id": 99999}, ["body", "owner_organisation_id"]),
        ({"owner_organisation_id": "abc"}, ["body", "owner_organisation_id"]),
        ({"update_cycle": "weekly"}, ["body", "update_cycle"]),
        ({"code": "lower-case"}, ["body", "code"]),
        ({"fields": []}, ["body", "fields"]),
        (
            {"fields": [{"name": "a", "type": "blob", "sharing_class": "unconditional"}]},
            ["body", "fields", 0, "type"],
        ),
        (
            {"fields": [{"name": "a", "type": "string", "sharing_class": "maybe"}]},
            ["body", "fields", 0, "sharing_class"],
        ),
        (
            {"fields": [{"name": "Bad Name", "type": "string", "sharing_class": "unconditional"}]},
            ["body", "fields", 0, "name"],
        ),
        ({"colour": "red"}, ["body", "colour"]),
        ({"open_to_public": "sometimes"}, ["body", "open_to_public"]),
    ],
)
def test_create_rejects_bad_bodies_with_loc(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    overrides: dict[str, Any],
    loc: list[Any],
) -> None:
    body = {**dataset_json("BAD-INPUT", people.organisations["bj_env"]), **overrides}
    response = client.post(
        "/api/v1/datasets", json=body, headers=people.headers(session_factory, "office")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert loc in [e["loc"] for e in response.json()["errors"]]


def test_not_found_and_not_authenticated(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "office")
    for method, url, body in (
        ("GET", "/api/v1/datasets/NO-SUCH", None),
        ("GET", "/api/v1/datasets/NO-SUCH/access", None),
        ("POST", "/api/v1/datasets/NO-SUCH/records", {"rows": [{"a": 1}]}),
        ("GET", "/api/v1/access-requests/424242", None),
        ("POST", "/api/v1/access-requests/424242/decision", {"decision": "approve"}),
        ("POST", "/api/v1/access-grants/424242/revoke", {"reason": "x"}),
    ):
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith(PROBLEM)
    assert client.get("/api/v1/access-requests/abc", headers=headers).status_code == 422
    body = dataset_json("ANON", people.organisations["bj_env"])
    response = client.post("/api/v1/datasets", json=body)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert client.get("/api/v1/access-requests").status_code == 401
    assert client.get("/api/v1/access-grants").status_code == 401
    bad_decision = client.post(
        "/api/v1/access-requests/1/decision", json={"decision": "maybe"}, headers=headers
    )
    assert bad_decision.status_code == 422
    assert bad_decision.json()["errors"][0]["loc"] == ["body", "decision"]


def test_openapi_lists_the_catalog(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{code}",
        "/api/v1/datasets/{code}/records",
        "/api/v1/access-requests",
        "/api/v1/access-requests/{request_id}/decision",
        "/api/v1/access-grants",
        "/api/v1/access-grants/{grant_id}/revoke",
        "/api/v1/sharing-report",
    ):
        assert path in paths, path
