"""The assessment API: open reads, and bad input a 422 naming the parameter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jingjinji.water.service import samples
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, samples_of

API = "/api/v1/water"


@pytest.fixture
def with_samples(water_session: Session, water_sections: WaterNetwork, people: People) -> None:
    rows = [
        *samples_of(water_sections.bj_he, china_time(2026, 1, 8, 9), {"nh3n": 1.9, "ph": 7.4}),
        *samples_of(water_sections.he_tj, china_time(2026, 1, 9, 9), {"nh3n": 0.4}),
    ]
    samples.record_samples(water_session, actor=people["office"], rows=rows, channel="api")
    water_session.commit()


@pytest.mark.usefixtures("with_samples")
def test_assessments_are_open_data(client: TestClient, water_sections: WaterNetwork) -> None:
    listed = client.get(f"{API}/assessments", params={"year": 2026})
    assert listed.status_code == 200
    by_code = {a["section_code"]: a for a in listed.json()}
    assert by_code[water_sections.bj_he]["section_class"] == 5
    assert by_code[water_sections.bj_he]["main_pollutants"] == ["nh3n"]
    one = client.get(
        f"{API}/assessments", params={"year": 2026, "month": 1, "section": water_sections.he_tj}
    )
    assert [a["section_class"] for a in one.json()] == [2]
    section = client.get(
        f"{API}/sections/{water_sections.bj_he}/assessment", params={"year": 2026, "month": 1}
    ).json()
    assert section["start"] == "2026-01-01" and section["end"] == "2026-01-31"
    assert section["samples"]["months_manual"] == [1]
    history = client.get(f"{API}/sections/{water_sections.bj_he}/history", params={"year": 2026})
    assert [m["section_class"] for m in history.json()] == [5] + [0] * 11
    series = client.get(
        f"{API}/sections/{water_sections.bj_he}/series",
        params={"item": "nh3n", "start": "2026-01-01", "end": "2026-03-31"},
    ).json()
    assert series["limits"] == [0.15, 0.5, 1.0, 1.5, 2.0] and len(series["points"]) == 1
    status = client.get(f"{API}/status", params={"year": 2026, "by": "jurisdiction"})
    methods = {r["key"]: r["method"] for r in status.json()}
    assert methods == {"110000": "averaged", "120000": "none", "130000": "averaged"}
    compliance = client.get(f"{API}/compliance", params={"year": 2026})
    assert compliance.status_code == 200
    assert {r["scope"] for r in compliance.json()} == {"all", "cross_border"}


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/assessments", {"year": 2026, "month": 13}, "month"),
        ("/assessments", {"year": 99999}, "year"),
        ("/assessments", {}, "year"),
        ("/status", {"year": 2026, "by": "foo"}, "by"),
        ("/status", {"year": "twenty"}, "year"),
        ("/compliance", {"year": 0}, "year"),
        ("/sections/X/history", {"year": 99999}, "year"),
        ("/sections/X/assessment", {"year": 2026, "month": 0}, "month"),
        (
            "/sections/X/series",
            {"item": "nh3n", "start": "2026-13-01", "end": "2026-01-02"},
            "start",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, str | int], name: str
) -> None:
    answer = client.get(f"{API}{path}", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert ["query", name] in [e["loc"] for e in answer.json()["errors"]]


@pytest.mark.usefixtures("water_sections")
def test_service_refusals_name_the_parameter(client: TestClient) -> None:
    item = client.get(
        f"{API}/sections/BJ-HE-01/series",
        params={"item": "gold", "start": "2026-01-01", "end": "2026-01-02"},
    )
    assert item.status_code == 422 and item.json()["errors"][0]["loc"] == ["query", "item"]
    span = client.get(
        f"{API}/sections/BJ-HE-01/series",
        params={"item": "nh3n", "start": "2020-01-01", "end": "2026-01-02"},
    )
    assert span.status_code == 422 and span.json()["errors"][0]["loc"] == ["query", "end"]
    assert client.get(f"{API}/sections/NOPE/history", params={"year": 2026}).status_code == 404
    unknown = client.get(f"{API}/assessments", params={"year": 2026, "section": "NOPE"})
    assert unknown.status_code == 404
