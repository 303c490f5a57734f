"""Catalog search (``q``) on both backends: titles, descriptions, field names and tags in
Chinese and English, case-insensitive, in the API and on the catalog page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from jingjinji.catalog.schemas import DatasetIn
from tests.catalog.support import dataset_in
from tests.conftest import People


def _build(session_factory: sessionmaker[Session], people: People) -> None:
    org = people.organisations["bj_env"]

    def described(code: str, **update: object) -> DatasetIn:
        return dataset_in(code, org, open_to_public=True).model_copy(update=update)

    with session_factory() as session:
        for data in (
            described("BJ-AIR", title_zh="北京空气质量日报", title_en="Beijing Daily Air Quality"),
            described("BJ-NOISE", description_en="Noise Complaints by district"),
            described("BJ-WATER", description_zh="地表水断面水质监测结果"),
            described("BJ-TAGGED", tags_zh=["排污许可"], tags_en=["Discharge Permits"]),
            dataset_in(
                "BJ-FIELDS",
                org,
                open_to_public=True,
                specs=(("enterprise_uscc", "string", "unconditional"),),
            ),
        ):
            service.create_dataset(session, actor=people["bj-env"], data=data)
        session.commit()


def _codes(client: TestClient, q: str) -> list[str]:
    r = client.get("/api/v1/datasets", params={"q": q})
    assert r.status_code == 200, r.text
    return [d["code"] for d in r.json()["items"]]


def test_search_covers_titles_descriptions_fields_and_tags(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build(session_factory, people)
    assert _codes(client, "空气质量") == ["BJ-AIR"]
    assert _codes(client, "daily air") == ["BJ-AIR"]  # case-insensitive
    assert _codes(client, "noise complaints") == ["BJ-NOISE"]
    assert _codes(client, "水质") == ["BJ-WATER"]
    assert _codes(client, "排污许可") == ["BJ-TAGGED"]
    assert _codes(client, "discharge PERMITS") == ["BJ-TAGGED"]
    assert _codes(client, "ENTERPRISE_USCC") == ["BJ-FIELDS"]
    assert _codes(client, "no such thing") == []
    # A wildcard character is searched for literally.
    assert _codes(client, "%") == []
    r = client.get("/api/v1/datasets", params={"q": "x" * 201})
    assert r.status_code == 422


def test_the_catalog_page_searches_too(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build(session_factory, people)
    html = client.get("/catalog", params={"q": "Discharge permits"}).text
    assert 'data-code="BJ-TAGGED"' in html and 'data-code="BJ-AIR"' not in html
    html = client.get("/catalog", params={"q": "北京空气"}).text
    assert 'data-code="BJ-AIR"' in html and 'data-code="BJ-TAGGED"' not in html
