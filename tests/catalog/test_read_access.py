"""Field-level read enforcement, withheld fields with reasons, and audited cross-province reads."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.errors import NotAuthenticated, PermissionDenied
from tests.catalog.support import PROBLEM, apply_and_approve, audit_entries
from tests.conftest import People

NO_GRANT = "conditional: no grant"
OWNER_ONLY = "not_shared: owner organisation only"


def _read(client: TestClient, code: str, headers: dict[str, str] | None = None) -> Any:
    response = client.get(f"/api/v1/datasets/{code}/records", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("username", "readable", "withheld"),
    [
        # owner organisation: everything
        ("bj-env", ["a", "b", "c"], []),
        # same province, other organisation: unconditional only
        ("bj-analyst", ["a"], [("b", NO_GRANT), ("c", OWNER_ONLY)]),
        # the owner's jurisdiction administrator: conditional too, never not_shared
        ("bj-admin", ["a", "b"], [("c", OWNER_ONLY)]),
        # another province's administrator is an ordinary reader here
        ("he-admin", ["a"], [("b", NO_GRANT), ("c", OWNER_ONLY)]),
        ("office", ["a", "b", "c"], []),
    ],
)
def test_fields_readable_per_reader(
    client: TestClient,
    catalog: People,
    session_factory: sessionmaker[Session],
    username: str,
    readable: list[str],
    withheld: list[tuple[str, str]],
) -> None:
    page = _read(client, "BJ-OPEN", catalog.headers(session_factory, username))
    assert page["fields"] == readable
    assert [(w["field"], w["reason"]) for w in page["withheld_fields"]] == withheld
    assert [sorted(row) for row in page["items"]] == [sorted(readable)] * 3
    assert [row["a"] for row in page["items"]] == [1, 2, 3]


def test_anonymous_reads_only_open_data(client: TestClient, catalog: People) -> None:
    page = _read(client, "BJ-OPEN")
    assert page["fields"] == ["a"]
    assert page["withheld_fields"] == [
        {"field": "b", "reason": "conditional: login and a grant required"},
        {"field": "c", "reason": OWNER_ONLY},
    ]
    for code in ("BJ-INTERNAL", "BJ-COND", "BJ-SECRET"):
        response = client.get(f"/api/v1/datasets/{code}/records")
        assert response.status_code == 401, code
        assert response.headers["content-type"].startswith(PROBLEM)
    # The catalogue itself: anonymous visitors see the open entries only.
    listed = client.get("/api/v1/datasets").json()["items"]
    assert [d["code"] for d in listed] == ["BJ-OPEN"]
    assert client.get("/api/v1/datasets/BJ-INTERNAL").status_code == 401


def test_conditional_dataset_needs_a_grant(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    outsider = catalog.headers(session_factory, "he-analyst")
    refused = client.get("/api/v1/datasets/BJ-COND/records", headers=outsider)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert {e["loc"][1]: e["msg"] for e in refused.json()["errors"]} == {
        "x": NO_GRANT,
        "y": NO_GRANT,
        "z": OWNER_ONLY,
    }
    apply_and_approve(
        session_factory,
        catalog["he-analyst"],
        catalog["bj-env"],
        "BJ-COND",
        ["x", "y"],
        granted=["y"],
    )
    page = _read(client, "BJ-COND", outsider)
    assert page["fields"] == ["y"]
    assert page["items"] == [{"y": 10}, {"y": 20}]
    assert page["withheld_fields"] == [
        {"field": "x", "reason": NO_GRANT},
        {"field": "z", "reason": OWNER_ONLY},
    ]
    # The grant is the requesting organisation's; another Hebei organisation does not share it.
    assert (
        client.get(
            "/api/v1/datasets/BJ-COND/records", headers=catalog.headers(session_factory, "he-env")
        ).status_code
        == 403
    )
    access = client.get("/api/v1/datasets/BJ-COND/access", headers=outsider).json()
    assert access["readable_fields"] == ["y"] and access["basis"] == "grant"
    assert access["cross_jurisdiction"] is True


def test_not_shared_is_for_the_owner_and_the_office(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    for username, status in (
        ("bj-env", 200),
        ("office", 200),
        ("bj-admin", 403),
        ("bj-analyst", 403),
        ("he-env", 403),
    ):
        response = client.get(
            "/api/v1/datasets/BJ-SECRET/records", headers=catalog.headers(session_factory, username)
        )
        assert response.status_code == status, username


def test_service_functions_for_other_domains(
    session_factory: sessionmaker[Session], catalog: People
) -> None:
    with session_factory() as session:
        access = service.readable_fields(
            session, actor=catalog["bj-analyst"], dataset_code="BJ-OPEN"
        )
        assert access.readable == ("a",)
        assert [(w.field, w.reason) for w in access.withheld] == [
            ("b", NO_GRANT),
            ("c", OWNER_ONLY),
        ]
        assert access.cross_jurisdiction is False
        with pytest.raises(PermissionDenied):
            service.readable_fields(session, actor=catalog["he-analyst"], dataset_code="BJ-COND")
        with pytest.raises(NotAuthenticated):
            service.readable_fields(session, actor=None, dataset_code="BJ-INTERNAL")
        assert (
            service.record_read(
                session, actor=catalog["bj-analyst"], dataset_code="BJ-OPEN", detail={"rows": 1}
            )
            is None
        )
        entry = service.record_read(
            session,
            actor=catalog["tj-analyst"],
            dataset_code="BJ-OPEN",
            detail={"rows": 4, "via": "air"},
        )
        assert entry is not None and entry.action == "catalog.records.read"
        assert '"via":"air"' in entry.detail_json and entry.jurisdiction_code == "110000"


def test_cross_jurisdiction_reads_are_audited(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    _read(client, "BJ-OPEN", catalog.headers(session_factory, "bj-analyst"))  # same province
    _read(client, "BJ-OPEN")  # anonymous, open data
    assert audit_entries(session_factory, action="catalog.records.read") == []
    _read(client, "BJ-OPEN", catalog.headers(session_factory, "he-analyst"))
    _read(client, "BJ-OPEN", catalog.headers(session_factory, "office"))
    entries = audit_entries(session_factory, action="catalog.records.read")
    assert [
        (e.actor_username, e.actor_jurisdiction, e.jurisdiction_code, e.object_id) for e in entries
    ] == [("he-analyst", "130000", "110000", "BJ-OPEN"), ("office", None, "110000", "BJ-OPEN")]
    assert '"fields":["a"]' in entries[0].detail_json
    assert '"withheld":["b","c"]' in entries[0].detail_json


def test_unknown_dataset_is_404_problem(
    client: TestClient, catalog: People, session_factory: sessionmaker[Session]
) -> None:
    response = client.get(
        "/api/v1/datasets/NO-SUCH/records", headers=catalog.headers(session_factory, "bj-env")
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "NO-SUCH" in response.json()["detail"]
