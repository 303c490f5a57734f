"""Region hierarchy and organisations."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.regions import service
from jingjinji.regions.uscc import check_character
from tests.conftest import People


def valid_uscc(region: str, serial: str = "MA0000001") -> str:
    body = f"91{region}{serial}"
    return body + check_character(body)


def test_hierarchy_has_three_jurisdictions_and_hebei_cities(session: Session) -> None:
    provinces = {p.code: p.name_en for p in service.provinces(session)}
    assert provinces == {"110000": "Beijing", "120000": "Tianjin", "130000": "Hebei"}
    hebei = service.list_jurisdictions(session, parent_code="130000")
    prefectures = [j for j in hebei if j.level == "prefecture"]
    assert len(prefectures) == 11
    assert any(j.name_zh == "雄安新区" for j in hebei)
    assert len(service.list_jurisdictions(session, parent_code="110000")) == 16
    assert len(service.list_jurisdictions(session, parent_code="120000")) == 16


def test_load_region_is_idempotent(session: Session) -> None:
    before = len(service.list_jurisdictions(session))
    service.load_region(session)
    session.commit()
    assert len(service.list_jurisdictions(session)) == before


def test_api_lists_jurisdictions(client: TestClient) -> None:
    response = client.get("/api/v1/jurisdictions", params={"level": "province"})
    assert response.status_code == 200
    assert [j["code"] for j in response.json()] == ["110000", "120000", "130000"]
    assert client.get("/api/v1/jurisdictions/999999").status_code == 404


def test_bad_uscc_rejected_with_position_and_expected(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    good = valid_uscc("130100")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(
        "/api/v1/organisations",
        json={
            "uscc": bad,
            "name_zh": "测试局",
            "name_en": "Test bureau",
            "jurisdiction_code": "130100",
        },
        headers=people.headers(session_factory, "he-admin"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "uscc"]
    assert error["position"] == 18
    assert error["expected"] == good[17]


def test_jurisdiction_admin_creates_organisation_in_own_province_only(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "he-admin")
    ok = client.post(
        "/api/v1/organisations",
        json={
            "uscc": valid_uscc("130600"),
            "name_zh": "保定市生态环境局",
            "name_en": "Baoding Ecology and Environment Bureau",
            "jurisdiction_code": "130600",
            "kind": "environment",
        },
        headers=headers,
    )
    assert ok.status_code == 201, ok.text
    denied = client.post(
        "/api/v1/organisations",
        json={
            "uscc": valid_uscc("110105"),
            "name_zh": "朝阳区某局",
            "name_en": "Chaoyang bureau",
            "jurisdiction_code": "110105",
        },
        headers=headers,
    )
    assert denied.status_code == 403
    with session_factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).one()
        assert entry.action == "organisation.create"
        assert entry.actor_username == "he-admin"
        assert entry.jurisdiction_code == "110105"


def test_uscc_region_must_match_jurisdiction(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/organisations",
        json={
            "uscc": valid_uscc("110000"),
            "name_zh": "错",
            "name_en": "Mismatch",
            "jurisdiction_code": "130100",
        },
        headers=people.headers(session_factory, "office"),
    )
    assert response.status_code == 422
    assert "positions 3-8" in response.json()["errors"][0]["msg"]


def test_organisation_listing_is_paginated(client: TestClient, people: People) -> None:
    first = client.get("/api/v1/organisations", params={"limit": 5})
    body = first.json()
    assert len(body["items"]) == 5 and body["next_cursor"]
    second = client.get(
        "/api/v1/organisations", params={"limit": 5, "cursor": body["next_cursor"]}
    ).json()
    ids = [o["id"] for o in body["items"]] + [o["id"] for o in second["items"]]
    assert ids == sorted(set(ids))
    hebei = client.get("/api/v1/organisations", params={"jurisdiction": "130000"}).json()
    assert {o["jurisdiction_code"][:2] for o in hebei["items"]} == {"13"}


def test_region_code_lists_every_organisation(client: TestClient, people: People) -> None:
    """The region (JJJ) contains every jurisdiction: filtering on it keeps every organisation."""
    everyone = client.get("/api/v1/organisations", params={"limit": 1000}).json()["items"]
    region = client.get(
        "/api/v1/organisations", params={"jurisdiction": "JJJ", "limit": 1000}
    ).json()["items"]
    assert len(everyone) == len(people.organisations)
    assert [o["id"] for o in region] == [o["id"] for o in everyone]
