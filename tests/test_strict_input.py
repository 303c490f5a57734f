"""Strict and bounded API input: dates only as ISO text (``0`` is not 1970-01-01), booleans
only as true/false (not 0, 1 or "yes"), and no free text without a length limit (1 MB is a 422
naming the field), in every domain's schemas and query parameters."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service as catalog
from jingjinji.errors import InvalidInput
from jingjinji.inputs import TEXT_LIMIT
from tests.catalog.support import apply_and_approve, build_catalog, dataset_json
from tests.conftest import People, csrf_from, login

MEGABYTE = "x" * 1_000_000


def _refused_at(response: Any, loc: list[str | int]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    locs = [e["loc"] for e in response.json()["errors"]]
    assert loc in locs, locs


def _office(session_factory: sessionmaker[Session], people: People) -> dict[str, str]:
    return people.headers(session_factory, "office")


# ------------------------------------------------------------------------------------ strictness

LAX_BODIES: list[tuple[str, dict[str, Any], list[str | int]]] = [
    (
        "/api/v1/access-requests",
        {
            "dataset_code": "BJ-OPEN",
            "purpose": "research",
            "fields": ["a"],
            "period_start": 0,
            "period_end": "2024-12-31",
        },
        ["body", "period_start"],
    ),
    (
        "/api/v1/access-requests",
        {
            "dataset_code": "BJ-OPEN",
            "purpose": "research",
            "fields": ["a"],
            "period_start": "2024-01-01",
            "period_end": "0",
        },
        ["body", "period_end"],
    ),
    (
        "/api/v1/access-requests/1/decision",
        {"decision": "approve", "period_start": 20240101},
        ["body", "period_start"],
    ),
    (
        "/api/v1/warnings",
        {
            "cities": ["110000"],
            "level": "orange",
            "start_date": 0,
            "end_date": "2016-12-18",
            "max_aqi": 300,
        },
        ["body", "start_date"],
    ),
    ("/api/v1/warnings/1/consultation", {"deadline": 0}, ["body", "deadline"]),
    (
        "/api/v1/warnings/criteria/adoptions",
        {"jurisdiction_code": "110000", "criteria_code": "bth-2017", "effective_from": "0"},
        ["body", "effective_from"],
    ),
    ("/api/v1/warnings/webhooks/1/active", {"active": 1}, ["body", "active"]),
    (
        "/api/v1/progress/targets",
        {
            "indicator_code": "gdp",
            "jurisdiction_code": "110000",
            "target_value": 1.5,
            "target_year": "2025",
        },
        ["body", "target_year"],
    ),
    (
        "/api/v1/datasets",
        {**dataset_json("BJ-TEXT-ID", 1), "owner_organisation_id": "1"},
        ["body", "owner_organisation_id"],
    ),
    ("/api/v1/warnings/webhooks/1/rotate", {"overlap_hours": "24"}, ["body", "overlap_hours"]),
    (
        "/api/v1/warnings",
        {
            "cities": ["110000"],
            "level": "orange",
            "start_date": "2016-12-16",
            "end_date": "2016-12-18",
            "max_aqi": True,
        },
        ["body", "max_aqi"],
    ),
    (
        "/api/v1/progress/values",
        {
            "indicator_code": "gdp",
            "jurisdiction_code": "110000",
            "period": "2021",
            "value": True,
            "source": "s",
        },
        ["body", "value"],
    ),
    (
        "/api/v1/progress/values",
        {
            "indicator_code": "gdp",
            "jurisdiction_code": "110000",
            "period": "2021",
            "value": "39.2",
            "source": "s",
        },
        ["body", "value"],
    ),
    (
        "/api/v1/progress/targets",
        {
            "indicator_code": "gdp",
            "jurisdiction_code": "110000",
            "target_value": True,
            "target_year": 2025,
        },
        ["body", "target_value"],
    ),
    ("/api/v1/warnings/webhooks/1/active", {"active": "yes"}, ["body", "active"]),
    (
        "/api/v1/progress/commitments/c1/status-changes",
        {"status": "completed", "changed_on": 0},
        ["body", "changed_on"],
    ),
    (
        "/api/v1/progress/agreements",
        {
            "code": "a1",
            "title_zh": "协议",
            "title_en": "A",
            "parties": ["110000"],
            "signed_on": "0",
        },
        ["body", "signed_on"],
    ),
]


@pytest.mark.parametrize(("url", "body", "loc"), LAX_BODIES)
def test_lax_dates_and_booleans_in_bodies_are_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    url: str,
    body: dict[str, Any],
    loc: list[str | int],
) -> None:
    _refused_at(client.post(url, json=body, headers=_office(session_factory, people)), loc)


@pytest.mark.parametrize("flag", [0, 1, "yes", "1", "on"])
def test_open_to_public_takes_only_true_or_false(
    client: TestClient, session_factory: sessionmaker[Session], people: People, flag: Any
) -> None:
    headers = people.headers(session_factory, "bj-env")
    org = people.organisations["bj_env"]
    body = dataset_json("BJ-STRICT", org, open_to_public=flag)
    _refused_at(
        client.post("/api/v1/datasets", json=body, headers=headers), ["body", "open_to_public"]
    )
    accepted = client.post(
        "/api/v1/datasets",
        json=dataset_json("BJ-STRICT", org, open_to_public=True),
        headers=headers,
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["open_to_public"] is True


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/v1/datasets?open_to_public=1", ["query", "open_to_public"]),
        ("/api/v1/datasets?open_to_public=yes", ["query", "open_to_public"]),
        ("/api/v1/access-grants?current=1", ["query", "current"]),
        ("/api/v1/air/ranking?date=0", ["query", "date"]),
        ("/api/v1/air/cities/110000/daily?start=0", ["query", "start"]),
        ("/api/v1/warnings/forecasts?city=110000&start=0&end=2016-01-31", ["query", "start"]),
    ],
)
def test_lax_query_parameters_are_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    url: str,
    loc: list[str | int],
) -> None:
    _refused_at(client.get(url, headers=_office(session_factory, people)), loc)


def test_iso_dates_and_true_false_still_work(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    headers = _office(session_factory, people)
    for url in (
        "/api/v1/datasets?open_to_public=true",
        "/api/v1/datasets?open_to_public=false",
        "/api/v1/access-grants?current=true",
        "/api/v1/air/ranking?date=2016-12-16",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)


# ------------------------------------------------------------------------------------ bounds

BOUNDED_BODIES: list[tuple[str, dict[str, Any], list[str | int]]] = [
    (
        "/api/v1/access-requests",
        {
            "dataset_code": "BJ-OPEN",
            "purpose": MEGABYTE,
            "fields": ["a"],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
        ["body", "purpose"],
    ),
    (
        "/api/v1/access-requests",
        {
            "dataset_code": "BJ-OPEN",
            "purpose": "research",
            "fields": [MEGABYTE],
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
        ["body", "fields", 0],
    ),
    (
        "/api/v1/access-requests/1/decision",
        {"decision": "reject", "reason": MEGABYTE},
        ["body", "reason"],
    ),
    (
        "/api/v1/warnings",
        {
            "cities": ["110000"],
            "level": "orange",
            "start_date": "2016-12-16",
            "end_date": "2016-12-18",
            "max_aqi": 300,
            "reason": MEGABYTE,
        },
        ["body", "reason"],
    ),
    (
        "/api/v1/warnings",
        {
            "cities": [MEGABYTE],
            "level": "orange",
            "start_date": "2016-12-16",
            "end_date": "2016-12-18",
            "max_aqi": 300,
        },
        ["body", "cities", 0],
    ),
    (
        "/api/v1/warnings/webhooks",
        {"url": "https://rx.example/h", "event_types": [MEGABYTE]},
        ["body", "event_types", 0],
    ),
    ("/api/v1/warnings/1/answers", {"answer": "agree", "reason": MEGABYTE}, ["body", "reason"]),
    (
        "/api/v1/progress/commitments/c1/status-changes",
        {"status": "completed", "changed_on": "2024-01-01", "note": MEGABYTE},
        ["body", "note"],
    ),
    (
        "/api/v1/progress/agreements",
        {"code": "a1", "title_zh": "协议", "title_en": MEGABYTE, "parties": ["110000"]},
        ["body", "title_en"],
    ),
    (
        "/api/v1/progress/values",
        {
            "indicator_code": "gdp",
            "jurisdiction_code": "110000",
            "period": "2021",
            "value": 1.0,
            "source": MEGABYTE,
        },
        ["body", "source"],
    ),
]


@pytest.mark.parametrize(("url", "body", "loc"), BOUNDED_BODIES)
def test_a_megabyte_of_text_is_refused(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    url: str,
    body: dict[str, Any],
    loc: list[str | int],
) -> None:
    _refused_at(client.post(url, json=body, headers=_office(session_factory, people)), loc)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/datasets?jurisdiction={'1' * 10_000}",
        f"/api/v1/access-grants?dataset_code={'X' * 10_000}",
        f"/api/v1/progress/commitments?area={'p' * 10_000}",
        f"/api/v1/warnings/forecasts?city={'1' * 10_000}&start=2016-01-01&end=2016-01-31",
    ],
)
def test_long_query_parameters_are_refused(
    client: TestClient, session_factory: sessionmaker[Session], people: People, url: str
) -> None:
    response = client.get(url, headers=_office(session_factory, people))
    assert response.status_code == 422, response.text[:300]


def test_catalog_dataset_and_record_text_is_bounded(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    build_catalog(session_factory, people)
    headers = people.headers(session_factory, "bj-env")
    org = people.organisations["bj_env"]
    for field in ("title_en", "description_zh"):
        body = dataset_json("BJ-LONG", org, **{field: MEGABYTE})
        _refused_at(client.post("/api/v1/datasets", json=body, headers=headers), ["body", field])
    # BJ-OPEN's field b is a string: a record value holds at most TEXT_LIMIT characters
    url = "/api/v1/datasets/BJ-OPEN/records"
    too_long = client.post(url, json={"rows": [{"a": 1, "b": MEGABYTE}]}, headers=headers)
    _refused_at(too_long, ["body", "rows", 0, "b"])
    assert f"at most {TEXT_LIMIT} characters" in too_long.text
    at_limit = client.post(url, json={"rows": [{"a": 1, "b": "y" * TEXT_LIMIT}]}, headers=headers)
    assert at_limit.status_code == 201, at_limit.text


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/warnings/1/lift", "reason"),
        ("/warnings/1/answer", "reason"),
        ("/warnings/admin/webhooks", "description"),
    ],
)
def test_a_megabyte_in_a_page_form_is_refused(
    client: TestClient, people: People, url: str, field: str
) -> None:
    """The pages' forms are bounded as the API is (a form body may be up to 1 MiB)."""
    login(client, "office", people.password)
    token = csrf_from(client.get("/warnings").text)
    form = {
        "csrf_token": token,
        "answer": "agree",
        "url": "https://rx.example/h",
        "event_types": "*",
        field: MEGABYTE,
    }
    response = client.post(url, data=form, follow_redirects=False)
    assert response.status_code == 422, response.text[:300]
    assert field in response.text


def test_a_revocation_reason_from_the_page_form_is_bounded(
    session_factory: sessionmaker[Session], people: People
) -> None:
    """The requests page's revoke form reaches the service without RevokeIn: the service
    bounds the reason as the API's schema does."""
    build_catalog(session_factory, people)
    _, grant_id = apply_and_approve(
        session_factory, people["he-analyst"], people["bj-env"], "BJ-COND", ["x"]
    )
    with session_factory() as session:
        with pytest.raises(InvalidInput) as refused:
            catalog.submit_revocation(
                session, actor=people["bj-env"], grant_id=grant_id, reason="r" * 4001
            )
        assert [e["loc"] for e in refused.value.errors] == [["body", "reason"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets/BJ-OPEN/records",
        "/api/v1/datasets/BJ-OPEN/records.csv",
        "/api/v1/jobs",
        "/api/v1/audit/entries",
        "/api/v1/organisations",
        "/api/v1/air/stations/1001A/observations",
    ],
)
def test_a_cursor_longer_than_any_the_platform_writes_is_refused(
    client: TestClient, session_factory: sessionmaker[Session], people: People, path: str
) -> None:
    if path.startswith("/api/v1/datasets/"):
        # the catalog's reads check their query once the dataset is known (a 404 first)
        build_catalog(session_factory, people)
    response = client.get(f"{path}?cursor={'c' * 1001}", headers=_office(session_factory, people))
    _refused_at(response, ["query", "cursor"])
