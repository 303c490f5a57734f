"""Agreements and commitments: creation, filters, grouping, append-only status history,
evidence and who may write."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from jingjinji.timezone import china_today
from tests.conftest import People

API = "/api/v1/progress"


def codes(items: list[dict[str, object]]) -> list[object]:
    return [c["code"] for c in items]


def test_filters(client: TestClient, commitments: People) -> None:
    orgs = commitments.organisations

    def get(**params: str | int) -> list[object]:
        return codes(client.get(f"{API}/commitments", params=params).json()["items"])

    assert get() == ["c-eco", "c-port", "c-road"]
    assert get(area="ports") == ["c-port"]
    assert get(jurisdiction="130000") == ["c-road"]
    assert get(jurisdiction="120000") == ["c-eco", "c-port", "c-road"]
    assert get(agency=orgs["tj_env"]) == ["c-eco"]
    assert get(status="completed") == []
    assert get(agreement="test-agreement", area="transport") == ["c-road"]
    for params, loc in [
        ({"area": "space"}, ["query", "area"]),
        ({"status": "done"}, ["query", "status"]),
        ({"jurisdiction": "999999"}, ["query", "jurisdiction"]),
        ({"agency": "x"}, ["query", "agency"]),
        ({"group_by": "colour"}, ["query", "group_by"]),
    ]:
        r = client.get(f"{API}/commitments", params=params)
        assert r.status_code == 422, params
        assert loc in [e["loc"] for e in r.json()["errors"]]


def test_group_by_every_field(client: TestClient, commitments: People) -> None:
    orgs = commitments.organisations

    def groups(by: str) -> dict[str, list[object]]:
        body = client.get(f"{API}/commitments", params={"group_by": by}).json()
        assert body["group_by"] == by
        return {g["key"]: codes(g["items"]) for g in body["groups"]}

    assert groups("area") == {"transport": ["c-road"], "ecology": ["c-eco"], "ports": ["c-port"]}
    assert list(groups("area")) == ["transport", "ecology", "ports"]  # the areas' order
    assert groups("jurisdiction") == {
        "110000": ["c-eco", "c-port", "c-road"],
        "120000": ["c-eco", "c-port", "c-road"],
        "130000": ["c-road"],
    }
    assert groups("lead_jurisdiction") == {
        "110000": ["c-eco"],
        "120000": ["c-port"],
        "130000": ["c-road"],
    }
    assert groups("agency") == {
        str(orgs["bj_env"]): ["c-eco"],
        str(orgs["tj_env"]): ["c-eco"],
        str(orgs["tj_drc"]): ["c-port"],
        str(orgs["he_transport"]): ["c-road"],
    }
    assert groups("status") == {"in_progress": ["c-eco", "c-port", "c-road"]}
    body = client.get(f"{API}/commitments", params={"group_by": "status"}).json()
    assert body["groups"][0]["status_counts"]["in_progress"] == 3


def test_status_history_is_dated_and_append_only(
    client: TestClient,
    session_factory: sessionmaker[Session],
    commitments: People,
    backend: str,
) -> None:
    headers = commitments.headers(session_factory, "bj-env")  # steward of a responsible agency
    url = f"{API}/commitments/c-eco/status-changes"
    r = client.post(
        url,
        headers=headers,
        json={"status": "delayed", "changed_on": "2024-03-01", "note": "waiting for funds"},
    )
    assert r.status_code == 201, r.text
    r = client.post(url, headers=headers, json={"status": "completed", "changed_on": "2025-06-30"})
    assert r.status_code == 201
    # a back-dated entry is kept in the history but does not replace the newer status
    r = client.post(
        url, headers=headers, json={"status": "in_progress", "changed_on": "2024-01-15"}
    )
    assert r.status_code == 201
    detail = client.get(f"{API}/commitments/c-eco").json()
    assert detail["status"] == "completed"
    assert [(h["changed_on"], h["status"]) for h in detail["history"]][1:] == [
        ("2024-01-15", "in_progress"),
        ("2024-03-01", "delayed"),
        ("2025-06-30", "completed"),
    ]
    future = (china_today() + dt.timedelta(days=5)).isoformat()
    bad = client.post(url, headers=headers, json={"status": "completed", "changed_on": future})
    assert bad.status_code == 422 and ["body", "changed_on"] in [
        e["loc"] for e in bad.json()["errors"]
    ]
    early = client.post(
        url, headers=headers, json={"status": "delayed", "changed_on": "2010-01-01"}
    )
    assert early.status_code == 422 and "cannot be dated before" in early.text
    assert (
        client.post(
            url, headers=headers, json={"status": "finished", "changed_on": "2024-01-01"}
        ).status_code
        == 422
    )
    with session_factory() as session, pytest.raises(DBAPIError):
        session.execute(text("UPDATE progress_status_changes SET status = 'cancelled'"))
    with session_factory() as session, pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM progress_status_changes"))


def test_who_may_change_a_commitment(
    client: TestClient,
    session_factory: sessionmaker[Session],
    commitments: People,
) -> None:
    url = f"{API}/commitments/c-port/status-changes"
    payload = {"status": "delayed", "changed_on": "2024-03-01"}
    # a steward of an agency that is not responsible, an analyst, another province's admin
    for user in ("bj-env", "tj-analyst", "he-admin"):
        r = client.post(url, json=payload, headers=commitments.headers(session_factory, user))
        assert r.status_code == 403, user
    with session_factory() as session:
        denied = audit.list_entries(session, action="progress.commitment.status", outcome="denied")
    assert [e.actor_username for e in denied] == ["bj-env", "tj-analyst", "he-admin"]
    assert all(e.object_id == "c-port" for e in denied)
    assert (
        client.post(
            url, json=payload, headers=commitments.headers(session_factory, "tj-admin")
        ).status_code
        == 201
    )
    ev = client.post(
        f"{API}/commitments/c-port/evidence",
        headers=commitments.headers(session_factory, "office"),
        json={
            "url": "https://example.org/port-report",
            "title": "Port report",
            "published_on": "2024-02-01",
        },
    )
    assert ev.status_code == 201
    bad = client.post(
        f"{API}/commitments/c-port/evidence",
        headers=commitments.headers(session_factory, "office"),
        json={"url": "javascript:alert(1)", "title": "x"},
    )
    assert bad.status_code == 422 and ["body", "url"] in [e["loc"] for e in bad.json()["errors"]]
    detail = client.get(f"{API}/commitments/c-port").json()
    assert [e["title"] for e in detail["evidence"]] == ["Port report"]
    assert client.get(f"{API}/commitments/nope").status_code == 404


def test_create_agreement_and_commitment_via_api(
    client: TestClient,
    session_factory: sessionmaker[Session],
    indicators: People,
) -> None:
    office = indicators.headers(session_factory, "office")
    r = client.post(
        f"{API}/agreements",
        headers=office,
        json={
            "code": "a1",
            "title_zh": "协议",
            "title_en": "Agreement",
            "parties": ["110000", "999"],
        },
    )
    assert r.status_code == 422 and ["body", "parties", 1] in [e["loc"] for e in r.json()["errors"]]
    r = client.post(
        f"{API}/agreements",
        headers=indicators.headers(session_factory, "tj-admin"),
        json={"code": "a1", "title_zh": "协议", "title_en": "Agreement", "parties": ["110000"]},
    )
    assert r.status_code == 403
    assert (
        client.post(
            f"{API}/agreements",
            headers=office,
            json={
                "code": "a1",
                "title_zh": "协议",
                "title_en": "Agreement",
                "parties": ["110000"],
                "signed_on": "2014-08-06",
            },
        ).status_code
        == 201
    )
    body = {
        "agreement_code": "a1",
        "code": "k1",
        "text_zh": "文",
        "text_en": "text",
        "area": "ecology",
        "lead_jurisdiction_code": "120000",
        "supporting_jurisdiction_codes": ["110000"],
        "indicator_codes": ["pm25"],
    }
    he = client.post(
        f"{API}/commitments", json=body, headers=indicators.headers(session_factory, "he-admin")
    )
    assert he.status_code == 403
    tj = client.post(
        f"{API}/commitments", json=body, headers=indicators.headers(session_factory, "tj-admin")
    )
    assert tj.status_code == 201, tj.text
    assert tj.json()["indicator_codes"] == ["pm25"] and tj.json()["status"] == "in_progress"
    again = client.post(f"{API}/commitments", json=body, headers=office)
    assert again.status_code == 409
    for field, bad in [
        ("area", "space"),
        ("indicator_codes", ["nope"]),
        ("agency_ids", [999999]),
        ("agreement_code", "zz"),
        ("deadline", "soon"),
    ]:
        r = client.post(
            f"{API}/commitments", json={**body, "code": "k2", field: bad}, headers=office
        )
        assert r.status_code == 422, (field, r.text)
        assert any(e["loc"][:2] == ["body", field] for e in r.json()["errors"]), r.json()
