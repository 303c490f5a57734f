"""The sections API: public listing and reading, writes by the monitoring agency, targets, the
river network, malformed input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People
from tests.malformed import Case, problems_of
from tests.water.conftest import WaterNetwork

API = "/api/v1/water"


def _new_section(people: People, **overrides: Any) -> dict[str, Any]:
    return {
        "code": "BJ-TEST-9",
        "name_zh": "测试断面",
        "name_en": "Test section",
        "river_zh": "温榆河",
        "river_en": "Wenyu River",
        "river_system": "north_three_rivers",
        "kind": "provincial",
        "longitude": 116.6,
        "latitude": 40.05,
        "jurisdiction_code": "110000",
        "organisation_id": people.organisations["bj_env"],
        "downstream_section_code": "BJ-HE-01",
        **overrides,
    }


def test_sections_are_listed_and_read_without_logging_in(
    client: TestClient, water_sections: WaterNetwork
) -> None:
    listed = client.get(f"{API}/sections")
    assert listed.status_code == 200
    assert [s["code"] for s in listed.json()["items"]] == sorted(water_sections.codes)
    hebei = client.get(f"{API}/sections", params={"jurisdiction": "130000"}).json()["items"]
    # Hebei monitors two, and is downstream of the Beijing one.
    assert {s["code"] for s in hebei} == {"BJ-HE-01", "HE-TJ-01", "HE-PROV-01"}
    border = client.get(f"{API}/sections", params={"kind": "cross_border"}).json()["items"]
    assert [s["code"] for s in border] == ["BJ-HE-01", "HE-TJ-01"]
    one = client.get(f"{API}/sections/HE-TJ-01").json()
    assert (one["downstream_section_code"], one["upstream_jurisdiction_code"]) == (
        "TJ-SEA-01",
        "130000",
    )
    assert client.get(f"{API}/sections/NOPE").status_code == 404


def test_sections_are_paged(client: TestClient, water_sections: WaterNetwork) -> None:
    first = client.get(f"{API}/sections", params={"limit": 3}).json()
    second = client.get(
        f"{API}/sections", params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    codes = [s["code"] for s in first["items"] + second["items"]]
    assert codes == sorted(water_sections.codes)
    assert second["next_cursor"] is None


def test_the_network_walks_up_and_down(client: TestClient, water_sections: WaterNetwork) -> None:
    answer = client.get(f"{API}/sections/HE-TJ-01/network").json()
    assert {s["code"] for s in answer["upstream"]} == {"BJ-HE-01", "HE-PROV-01"}
    assert [s["code"] for s in answer["downstream"]] == ["TJ-SEA-01"]
    top = client.get(f"{API}/sections/BJ-HE-01/network").json()
    assert top["upstream"] == []
    assert [s["code"] for s in top["downstream"]] == ["HE-TJ-01", "TJ-SEA-01"]
    assert client.get(f"{API}/sections/NOPE/network").status_code == 404


def test_the_monitoring_agency_registers_and_others_are_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    body = _new_section(people)
    assert client.post(f"{API}/sections", json=body).status_code == 401
    tianjin = people.headers(session_factory, "tj-env")
    refused = client.post(f"{API}/sections", json=body, headers=tianjin)
    assert refused.status_code == 403
    beijing = people.headers(session_factory, "bj-env")
    created = client.post(f"{API}/sections", json=body, headers=beijing)
    assert created.status_code == 200, created.text
    assert created.json()["downstream_section_code"] == "BJ-HE-01"
    network = client.get(f"{API}/sections/BJ-HE-01/network").json()
    assert [s["code"] for s in network["upstream"]] == ["BJ-TEST-9"]


def test_a_loop_in_the_network_is_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    office = people.headers(session_factory, "office")
    current = client.get(f"{API}/sections/TJ-SEA-01").json()
    body = {k: v for k, v in current.items() if k not in ("active",)} | {
        "downstream_section_code": "BJ-HE-01"
    }
    answer = client.post(f"{API}/sections", json=body, headers=office)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["body", "downstream_section_code"]


def test_targets_are_set_by_the_monitoring_province(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    url = f"{API}/sections/HE-TJ-01/targets/2027"
    hebei = people.headers(session_factory, "he-admin")
    answer = client.put(url, json={"target_class": 3}, headers=hebei)
    assert answer.status_code == 200
    assert answer.json() == {"section_code": "HE-TJ-01", "year": 2027, "target_class": 3}
    beijing = people.headers(session_factory, "bj-admin")
    assert client.put(url, json={"target_class": 5}, headers=beijing).status_code == 403


def test_malformed_section_requests_are_4xx_problems(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    office = people.headers(session_factory, "office")
    good = _new_section(people)
    cases: list[Case] = [
        ("GET", f"{API}/sections?limit=abc", {}),
        ("GET", f"{API}/sections?limit=0", {}),
        ("GET", f"{API}/sections?kind=pond", {}),
        ("GET", f"{API}/sections?cursor=%7B%7D", {}),
        ("GET", f"{API}/sections/{'x' * 30}", {}),
        ("GET", f"{API}/sections/{'x' * 30}/network", {}),
        ("POST", f"{API}/sections", {"json": {}}),
        ("POST", f"{API}/sections", {"json": [1, 2]}),
        ("POST", f"{API}/sections", {"content": b"{not json"}),
        ("POST", f"{API}/sections", {"json": good | {"longitude": "116"}}),
        ("POST", f"{API}/sections", {"json": good | {"latitude": 91}}),
        ("POST", f"{API}/sections", {"json": good | {"kind": "pond"}}),
        ("POST", f"{API}/sections", {"json": good | {"jurisdiction_code": "999999"}}),
        ("POST", f"{API}/sections", {"json": good | {"organisation_id": 10**12}}),
        ("POST", f"{API}/sections", {"json": good | {"downstream_section_code": "NOPE"}}),
        ("POST", f"{API}/sections", {"json": good | {"code": "a b"}}),
        ("POST", f"{API}/sections", {"json": good | {"extra": 1}}),
        ("PUT", f"{API}/sections/HE-TJ-01/targets/2026", {"json": {"target_class": 6}}),
        ("PUT", f"{API}/sections/HE-TJ-01/targets/2026", {"json": {"target_class": "3"}}),
        ("PUT", f"{API}/sections/HE-TJ-01/targets/abc", {"json": {"target_class": 3}}),
        ("PUT", f"{API}/sections/HE-TJ-01/targets/99999", {"json": {"target_class": 3}}),
        ("PUT", f"{API}/sections/NOPE/targets/2026", {"json": {"target_class": 3}}),
    ]
    assert problems_of(client, office, cases) == []
