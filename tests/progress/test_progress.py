"""Progress per indicator and jurisdiction, targets, roll-ups and grouping."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.progress import service
from jingjinji.progress.schemas import TargetIn, ValueIn
from jingjinji.security import SYSTEM_ACTOR
from tests.conftest import People

API = "/api/v1/progress"


def put(session: Session, rows: list[tuple[str, str, str, float]]) -> None:
    service.submit_values(
        session,
        actor=SYSTEM_ACTOR,
        values=[
            ValueIn(indicator_code=i, jurisdiction_code=j, period=p, value=v, source="test")
            for i, j, p, v in rows
        ],
    )


@pytest.fixture
def series(session_factory: sessionmaker[Session], commitments: People) -> People:
    with session_factory() as session:
        put(
            session,
            [
                ("pm25", "120116", "2019", 54),
                ("pm25", "120116", "2021", 38),
                ("pm25", "110000", "2019", 42),
                ("pm25", "110000", "2020", 38),
                ("pm25", "110000", "2021", 33),
                ("pm25", "130000", "2020", 40),
                ("pm25", "130000", "2021", 44),
                ("parks", "120116", "2020", 36),
                ("green_share", "120116", "2015", 30),
                ("green_share", "120116", "2020", 39.2),
                ("freight_q", "120000", "2021Q1", 10),
                ("freight_q", "120000", "2021Q2", 11),
            ],
        )
        service.set_target(
            session,
            actor=SYSTEM_ACTOR,
            data=TargetIn(
                indicator_code="pm25",
                jurisdiction_code="110000",
                target_value=30,
                target_year=2025,
                base_year=2019,
                source="test plan",
            ),
        )
        service.set_target(
            session,
            actor=SYSTEM_ACTOR,
            data=TargetIn(
                indicator_code="green_share",
                jurisdiction_code="120116",
                target_value=45,
                target_year=2025,
            ),
        )
        service.set_target(
            session,
            actor=SYSTEM_ACTOR,
            data=TargetIn(
                indicator_code="parks",
                jurisdiction_code="130000",
                target_value=10,
                target_year=2025,
            ),
        )
        session.commit()
    return commitments


def rows_by_key(rows: list[Any]) -> dict[tuple[str, str], Any]:
    return {(r["indicator_code"], r["jurisdiction_code"]): r for r in rows}


def test_summary_values_changes_and_status(client: TestClient, series: People) -> None:
    rows = rows_by_key(client.get(f"{API}/summary").json())
    bh = rows[("pm25", "120116")]
    assert (bh["latest_period"], bh["latest_value"]) == ("2021", 38)
    assert (bh["previous_period"], bh["previous_value"]) == ("2019", 54)
    assert bh["change_previous_abs"] == -16
    assert bh["change_previous_pct"] == pytest.approx(-29.63, abs=0.01)
    assert bh["status"] == "substantial" and bh["method"] == "trend_cagr"
    bj = rows[("pm25", "110000")]
    # with a target of 30 by 2025 from the 2019 base: achieved (33/42)^(1/2)-1 = -11.4 %/y,
    # required (30/42)^(1/6)-1 = -5.5 %/y: ratio 2.07
    assert bj["status"] == "substantial" and bj["method"] == "target_cagr"
    assert bj["ratio"] == pytest.approx(((33 / 42) ** 0.5 - 1) / ((30 / 42) ** (1 / 6) - 1))
    assert (bj["base_period"], bj["change_base_abs"]) == ("2019", -9)
    assert (bj["target_value"], bj["target_year"]) == (30, 2025)
    assert rows[("pm25", "130000")]["status"] == "deterioration"
    assert rows[("parks", "120116")]["status"] == "no_data"  # one value
    assert rows[("parks", "130000")]["status"] == "no_data"  # a target without values
    assert rows[("parks", "130000")]["latest_value"] is None
    green = rows[("green_share", "120116")]
    # 30 -> 39.2 over 2015-2020 is 5.5 %/y; 45 by 2025 needs 4.1 %/y: on track
    assert green["status"] == "substantial" and green["change_base_pct"] == pytest.approx(
        30.67, abs=0.01
    )
    q = rows[("freight_q", "120000")]
    assert q["previous_period"] == "2021Q1" and q["change_previous_pct"] == pytest.approx(10)


def test_year_cut_off_and_jurisdiction_scope(client: TestClient, series: People) -> None:
    rows = rows_by_key(client.get(f"{API}/summary", params={"year": 2020}).json())
    assert rows[("pm25", "110000")]["latest_value"] == 38
    assert rows[("pm25", "120116")]["status"] == "no_data"  # only the 2019 value by 2020
    tianjin = client.get(f"{API}/summary", params={"jurisdiction": "120000"}).json()
    assert {r["jurisdiction_code"] for r in tianjin} == {"120000", "120116"}
    assert client.get(f"{API}/summary", params={"year": 3000}).status_code == 422
    assert client.get(f"{API}/summary", params={"area": "moon"}).status_code == 422
    assert client.get(f"{API}/summary", params={"jurisdiction": "1"}).status_code == 422


def test_summary_grouping(client: TestClient, series: People) -> None:
    def grouped(by: str) -> dict[str, dict[str, Any]]:
        body = client.get(f"{API}/summary", params={"group_by": by}).json()
        return {g["key"]: g for g in body["groups"]}

    by_status = grouped("status")
    assert set(by_status) == {"substantial", "deterioration", "no_data"}
    assert by_status["no_data"]["count"] == 2
    by_area = grouped("area")
    assert list(by_area) == ["transport", "ecology"]
    assert by_area["ecology"]["status_counts"]["deterioration"] == 1
    by_j = grouped("jurisdiction")
    assert by_j["120116"]["count"] == 3
    orgs = series.organisations
    by_agency = grouped("agency")
    # pm25 measures c-eco (bj_env, tj_env); freight_q measures c-road (he_transport)
    assert by_agency[str(orgs["bj_env"])]["count"] == 3
    assert by_agency[str(orgs["he_transport"])]["count"] == 1
    assert by_agency["-"]["count"] == 3  # parks (2 series), green_share: no commitment
    r = client.get(f"{API}/summary", params={"group_by": "colour"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "group_by"]


def test_rollups(client: TestClient, series: People) -> None:
    roll = client.get(f"{API}/rollups").json()
    assert roll["by_area"]["ecology"]["indicators"]["substantial"] == 3
    assert roll["by_area"]["ecology"]["commitments"]["in_progress"] == 1
    assert roll["by_area"]["planning"]["indicators"]["no_data"] == 0
    assert roll["by_jurisdiction"]["130000"]["indicators"]["deterioration"] == 1
    assert roll["by_jurisdiction"]["130000"]["commitments"]["in_progress"] == 1
    # c-eco involves Beijing and Tianjin (with Binhai below it): pm25 in 110000 and 120116
    assert roll["by_commitment"]["c-eco"]["indicators"]["substantial"] == 2
    assert roll["by_commitment"]["c-road"]["indicators"]["substantial"] == 1
    assert roll["totals"]["indicators"]["no_data"] == 2
    assert sum(roll["totals"]["commitments"].values()) == 3


def test_targets_api(
    client: TestClient, session_factory: sessionmaker[Session], series: People
) -> None:
    listed = client.get(f"{API}/targets", params={"indicator": "pm25"}).json()
    assert [(t["jurisdiction_code"], t["target_value"]) for t in listed] == [("110000", 30)]
    body = {
        "indicator_code": "pm25",
        "jurisdiction_code": "130000",
        "target_value": 35,
        "target_year": 2025,
    }
    assert (
        client.post(
            f"{API}/targets", json=body, headers=series.headers(session_factory, "tj-admin")
        ).status_code
        == 403
    )
    r = client.post(
        f"{API}/targets", json=body, headers=series.headers(session_factory, "he-admin")
    )
    assert r.status_code == 201
    bad = client.post(
        f"{API}/targets",
        json={**body, "base_year": 2030},
        headers=series.headers(session_factory, "he-admin"),
    )
    assert bad.status_code == 422 and ["body", "base_year"] in [
        e["loc"] for e in bad.json()["errors"]
    ]
    rows = rows_by_key(client.get(f"{API}/summary").json())
    # 40 -> 44 while the target asks for 35: deterioration, now against the target
    assert rows[("pm25", "130000")]["method"] == "target_cagr"
    assert rows[("pm25", "130000")]["status"] == "deterioration"


def test_validation_endpoint_lists_violations(
    client: TestClient,
    session_factory: sessionmaker[Session],
    demo: People,
) -> None:
    r = client.post(f"{API}/validation")
    assert r.status_code == 200
    body = r.json()
    assert body["violations"] == [] and body["checked_values"] == 95
    # a warning-level inconsistency entered later shows up with all its coordinates
    client.post(
        f"{API}/values",
        headers=demo.headers(session_factory, "office"),
        json={
            "indicator_code": "tj_carbon_trading_growth",
            "jurisdiction_code": "120000",
            "period": "2020",
            "value": 5.0,
            "source": "test",
        },
    )
    client.post(
        f"{API}/values",
        headers=demo.headers(session_factory, "office"),
        json={
            "indicator_code": "tj_carbon_trading_volume",
            "jurisdiction_code": "120000",
            "period": "2019",
            "value": 20.0,
            "source": "test",
        },
    )
    body = client.post(f"{API}/validation", params={"jurisdiction": "120000"}).json()
    assert [
        (v["indicator_code"], v["jurisdiction_code"], v["period"], v["rule_id"])
        for v in body["violations"]
    ] == [("tj_carbon_trading_growth", "120000", "2020", "carbon-volume-yoy")]
    assert "44.70 %" in body["violations"][0]["message"]
    rules = client.get(f"{API}/rules").json()["rules"]
    assert any(r["kind"] == "yoy_consistency" for r in rules)
