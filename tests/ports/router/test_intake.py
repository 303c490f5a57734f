"""``POST /api/v1/ports/events``: one event or an array, refusals as problem+json naming the
item's position and field."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.ports.conftest import Ports, equipment_event, examples

URL = "/api/v1/ports/events"
E1 = "1a7a0000-0000-4000-8000-000000000001"
E2 = "1a7a0000-0000-4000-8000-000000000002"


def test_a_terminal_posts_a_batch_then_retries_it(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    body = [
        equipment_event(E1, "APNR7744962", "CNTXG"),
        equipment_event(E2, "CSQU3054383", "CNTXG"),
    ]
    first = client.post(URL, json=body, headers=headers)
    assert first.status_code == 201
    out = first.json()
    assert (out["recorded"], out["duplicates"]) == (2, 0)
    assert out["items"][0]["warnings"] and not out["items"][1]["warnings"]
    again = client.post(URL, json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 2


def test_bad_items_are_named_by_position_and_field(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    bad = equipment_event(E2, "CSQU3054383", "CNTXG")
    bad["emptyIndicatorCode"] = "HALF"
    answer = client.post(
        URL, json=[equipment_event(E1, "CSQU3054383", "CNTXG"), bad], headers=headers
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == [["body", 1, "emptyIndicatorCode"]]
    assert (
        client.post(
            URL, json=[equipment_event(E1, "CSQU3054383", "CNTXG")], headers=headers
        ).status_code
        == 201
    )


def test_an_event_at_another_port_is_forbidden(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "he_cfd")
    answer = client.post(URL, json=equipment_event(E1, "CSQU3054383", "CNTXG"), headers=headers)
    assert answer.status_code == 403
    assert "CNTXG" in answer.json()["errors"][0]["msg"]


def test_a_correction_names_the_event_it_supersedes(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "office")
    client.post(URL, json=examples()["valid"][2], headers=headers)
    fixed = examples()["valid"][2] | {"eventID": E1, "emptyIndicatorCode": "LADEN"}
    answer = client.post(
        URL, params={"supersedes": examples()["valid"][2]["eventID"]}, json=fixed, headers=headers
    )
    assert answer.status_code == 201
    unknown = client.post(
        URL, params={"supersedes": E2}, json=fixed | {"eventID": E2}, headers=headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["query", "supersedes"]
