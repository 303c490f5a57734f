"""Malformed input to the enforcement API: every answer is a 4xx problem+json with a detail,
never a 500 (ids out of range, wrong types, blank texts, unknown enums, times out of range)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People
from tests.malformed import Case, problems_of
from tests.sources.conftest import Registry

API = "/api/v1/sources"
BIG = str(2**70)


def test_malformed_enforcement_input_is_a_4xx_problem(
    client: TestClient, session_factory: sessionmaker[Session], people: People, registry: Registry
) -> None:
    headers = people.headers(session_factory, "office")
    task = {"kind": "inspection", "organisation_id": 1, "due_at": "2026-01-01T00:00"}
    cases: list[Case] = [
        ("GET", f"{API}/exceedances?limit=0", {}),
        ("GET", f"{API}/exceedances?limit=100000", {}),
        ("GET", f"{API}/exceedances?enterprise_id={BIG}", {}),
        ("GET", f"{API}/exceedances?cursor=garbage", {}),
        ("GET", f"{API}/exceedances?jurisdiction={'9' * 80}", {}),
        ("GET", f"{API}/cases?cursor=%00", {}),
        ("GET", f"{API}/cases/{BIG}", {}),
        ("GET", f"{API}/cases/0", {}),
        ("POST", f"{API}/cases", {"json": {"exceedance_ids": [], "title": "x"}}),
        ("POST", f"{API}/cases", {"json": {"exceedance_ids": ["a"], "title": "x"}}),
        ("POST", f"{API}/cases", {"json": {"exceedance_ids": [int(BIG)], "title": "x"}}),
        ("POST", f"{API}/cases", {"json": {"exceedance_ids": [1], "title": "  "}}),
        ("POST", f"{API}/cases", {"json": {"exceedance_ids": [1], "title": "x", "extra": 1}}),
        ("POST", f"{API}/cases", {"content": b"{not json"}),
        ("POST", f"{API}/cases/1/jurisdictions", {"json": {"jurisdiction_code": 110000}}),
        ("POST", f"{API}/cases/1/tasks", {"json": {**task, "kind": "arrest"}}),
        ("POST", f"{API}/cases/1/tasks", {"json": {**task, "organisation_id": "1"}}),
        ("POST", f"{API}/cases/1/tasks", {"json": {**task, "due_at": 0}}),
        ("POST", f"{API}/cases/1/tasks", {"json": {**task, "due_at": "0001-01-01T00:00"}}),
        ("POST", f"{API}/cases/1/tasks/{BIG}/complete", {"json": {"result": "x"}}),
        ("POST", f"{API}/cases/1/tasks/1/complete", {"json": {"result": ""}}),
        ("POST", f"{API}/cases/1/close", {"json": {"conclusion": "x" * 10_001}}),
    ]
    assert problems_of(client, headers, cases) == []
