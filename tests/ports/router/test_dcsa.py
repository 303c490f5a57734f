"""The DCSA 2.2 API as a DCSA client sees it: bare arrays of the events as accepted, paging by
headers, API-Version, DCSA's error fields."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.ports.schemas.api import DcsaEventFilter
from tests.ports.conftest import Ports, equipment_event, examples

BASE = "/api/v1/ports/dcsa"


@pytest.fixture
def office(session_factory: sessionmaker[Session], ports: Ports) -> dict[str, str]:
    return ports.headers(session_factory, "office")


def _post(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    answer = client.post("/api/v1/ports/events", json=body, headers=headers)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def test_official_examples_round_trip_unchanged(client: TestClient, office: dict[str, str]) -> None:
    posted = _post(client, office, examples()["valid"])
    assert posted["recorded"] == 3
    answer = client.get(f"{BASE}/v2/events", headers=office)
    assert answer.status_code == 200
    assert answer.headers["API-Version"] == "2.2.0"
    assert answer.json() == examples()["valid"]
    one = client.get(f"{BASE}/v2/events/{examples()['valid'][1]['eventID']}", headers=office)
    assert one.json() == examples()["valid"][1]
    assert one.headers["API-Version"] == "2.2.0"


def test_filters_by_dcsa_names_and_the_created_operators(
    client: TestClient, office: dict[str, str]
) -> None:
    _post(client, office, examples()["valid"])
    cases = {
        "eventType=SHIPMENT,TRANSPORT": ["SHIPMENT", "TRANSPORT"],
        "equipmentEventTypeCode=LOAD": ["EQUIPMENT"],
        "transportEventTypeCode=ARRI": ["TRANSPORT"],
        "carrierBookingReference=ABC709951": ["TRANSPORT", "EQUIPMENT"],
        "transportDocumentReference=ABC709951": ["EQUIPMENT"],
        "vesselIMONumber=9321483&exportVoyageNumber=2103S&carrierServiceCode=FE1": [
            "TRANSPORT",
            "EQUIPMENT",
        ],
        "UNLocationCode=FRPAR&equipmentReference=APZU4812090": ["EQUIPMENT"],
        "documentTypeCode=SHI&shipmentEventTypeCode=DRFT": ["SHIPMENT"],
        "transportCallID=123e4567-e89b-12d3-a456-426614174000": ["TRANSPORT", "EQUIPMENT"],
        "eventCreatedDateTime:gte=2021-01-09T13:12:56Z": ["SHIPMENT", "TRANSPORT", "EQUIPMENT"],
        "eventCreatedDateTime:gt=2021-01-09T13:12:56Z": [],
        # DCSA writes the offset unencoded: "+01:00" arrives as " 01:00".
        "eventCreatedDateTime=2021-01-09T14:12:56+01:00": ["SHIPMENT", "TRANSPORT", "EQUIPMENT"],
        "eventCreatedDateTime:lt=2021-01-09T14:12:56%2B01:00": [],
    }
    for query, expected in cases.items():
        answer = client.get(f"{BASE}/v2/events?{query}", headers=office)
        assert answer.status_code == 200, (query, answer.text)
        assert [e["eventType"] for e in answer.json()] == expected, query


def test_pages_are_linked_in_headers(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    terminal = ports.headers(session_factory, "tj_port")
    body = [
        equipment_event(f"5a6e0000-0000-4000-8000-00000000000{n}", "CSQU3054383", "CNTXG",
                        created=f"2026-09-01T1{n}:00:00+08:00")
        for n in range(5)
    ]  # fmt: skip
    _post(client, terminal, body)
    url = f"{BASE}/v2/events?limit=2&equipmentReference=CSQU3054383"
    seen: list[str] = []
    while url:
        answer = client.get(url, headers=terminal)
        assert answer.status_code == 200
        assert answer.headers["Current-Page"].endswith(url.split("/api/v1", 1)[-1])
        assert "cursor" not in answer.headers["First-Page"]
        seen += [e["eventID"] for e in answer.json()]
        url = answer.headers.get("Next-Page", "")
    assert seen == [e["eventID"] for e in body]
    newest = client.get(
        f"{BASE}/v2/events?sort=eventCreatedDateTime:DESC&limit=1", headers=terminal
    )
    assert [e["eventID"] for e in newest.json()] == [body[-1]["eventID"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("equipmentEventTypeCode=LOAD,FLY", "equipmentEventTypeCode"),
        ("eventType=SHIP", "eventType"),
        ("eventCreatedDateTime:gte=yesterday", "eventCreatedDateTime:gte"),
        ("eventCreatedDateTime:lt=2021-01-09T14:12:56", "eventCreatedDateTime:lt"),
        ("limit=0", "limit"),
        ("sort=eventType", "sort"),
        ("colour=red", "colour"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("equipmentReference=" + "X" * 16, "equipmentReference"),
        ("created_gte=2021-01-01T00:00:00Z", "created_gte"),
    ],
)
def test_a_bad_query_is_a_400_in_dcsa_and_problem_shape(
    client: TestClient, office: dict[str, str], query: str, field: str
) -> None:
    answer = client.get(f"{BASE}/v2/events?{query}", headers=office)
    assert answer.status_code == 400, answer.text
    assert answer.headers["API-Version"] == "2.2.0"
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["statusCode"] == "400" and body["statusCodeText"] == "Bad Request"
    assert body["httpMethod"] == "GET" and body["requestUri"].endswith(query)
    assert body["errorDateTime"]
    assert any(e["loc"][-1] == field and field in e["message"] for e in body["errors"]), body


def test_api_version_must_be_the_major_version(client: TestClient, office: dict[str, str]) -> None:
    ok = client.get(f"{BASE}/v2/events", headers={**office, "API-Version": "2"})
    assert ok.status_code == 200
    wrong = client.get(f"{BASE}/v2/events", headers={**office, "API-Version": "3"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["loc"] == ["header", "API-Version"]


def test_an_unknown_event_is_a_404_in_dcsa_shape(
    client: TestClient, office: dict[str, str]
) -> None:
    answer = client.get(f"{BASE}/v2/events/3cecb101-7a1a-43a4-9d62-e88a131651e2", headers=office)
    assert answer.status_code == 404
    assert answer.json()["statusCode"] == "404"
    assert answer.headers["API-Version"] == "2.2.0"


def test_reading_needs_a_login(client: TestClient) -> None:
    assert client.get(f"{BASE}/v2/events").status_code == 401


def test_every_bad_parameter_is_named_at_once(client: TestClient, office: dict[str, str]) -> None:
    answer = client.get(f"{BASE}/v2/events?colour=red&limit=x&sort=up", headers=office)
    assert answer.status_code == 400
    errors = {tuple(e["loc"]): e["type"] for e in answer.json()["errors"]}
    assert errors == {
        ("query", "limit"): "int_parsing",
        ("query", "sort"): "literal_error",
        ("query", "colour"): "extra_forbidden",
    }


def test_a_repeated_parameter_counts_by_its_last_value(
    client: TestClient, office: dict[str, str]
) -> None:
    _post(client, office, examples()["valid"])
    answer = client.get(f"{BASE}/v2/events?limit=1&limit=2", headers=office)
    assert answer.status_code == 200
    assert len(answer.json()) == 2


def test_the_openapi_document_lists_every_filter(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"][f"{BASE}/v2/events"]["get"]
    params = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert len(params) == len(operation["parameters"]), "a parameter documented twice"
    names = {name for where, name in params if where == "query"}
    assert names == {field.alias or name for name, field in DcsaEventFilter.model_fields.items()}
    assert ("header", "API-Version") in params
    limit = params["query", "limit"]
    assert limit["required"] is False
    assert limit["schema"] | {"title": ""} == {
        "type": "integer", "minimum": 1, "maximum": 1000, "default": 100, "title": ""
    }  # fmt: skip
    assert params["query", "eventCreatedDateTime:gte"]["schema"]["anyOf"][0] == {
        "type": "string", "maxLength": 40
    }  # fmt: skip
